/**
 * The probes, none of which needs a token: `GET /health` (version 1's report), `GET /livez` (the process
 * serves) and `GET /readyz` (the event store answers and the read models keep up with the log).
 */
import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, positionToString, type EventStore } from '@team-inbox/event-store';
import { ProcessManagers, ProjectionProgress } from '@team-inbox/projections';
import { Public } from '@team-inbox/platform';
import { HealthResponse, LivenessResponse, ReadinessResponse } from './health.responses';
import { readModelLagMs } from './read-model-lag';

export interface HealthReport {
  status: 'ok';
  eventStore: EventStore['kind'];
  /** The log position the read models reflect ("0" before the first event). */
  projectionPosition: string;
  /** The position each process manager has reached. */
  processManagers: Record<string, string>;
}

export interface ReadinessReport {
  status: 'ok';
  eventStore: EventStore['kind'];
  projectionPosition: string;
  /** How long the oldest event the read models do not show yet has been in the log (0: they show it all). */
  readModelLagMs: number;
}

/** API.md 1.1: ready while the read models are within this much of the log. */
export const READY_LAG_MS = 5000;

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly projector: ProjectionProgress,
    private readonly processManagers: ProcessManagers,
  ) {}

  /** No authentication: load balancers and orchestrators probe it. */
  @Public()
  @Get('health')
  @ApiOperation({ summary: "The server and its event store answer (version 1's report)" })
  @ApiOkResponse({ type: HealthResponse })
  @ApiServiceUnavailableResponse({ description: 'The event store cannot be reached' })
  async check(): Promise<HealthReport> {
    await this.assertEventStoreAnswers();
    return {
      status: 'ok',
      eventStore: this.eventStore.kind,
      projectionPosition: positionToString(this.projector.checkpoint),
      processManagers: Object.fromEntries(
        Object.entries(this.processManagers.positions()).map(([name, position]) => [name, positionToString(position)]),
      ),
    };
  }

  /** Liveness: the process answers. It asks nothing of the store, so a store outage restarts no server. */
  @Public()
  @Get('livez')
  @ApiOperation({ summary: 'Liveness: the process serves (asks nothing of the event store)' })
  @ApiOkResponse({ type: LivenessResponse })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: send this server traffic only while the store answers and the views are not stale. */
  @Public()
  @Get('readyz')
  @ApiOperation({ summary: 'Readiness: the event store answers and the read models are within 5 s of the log' })
  @ApiOkResponse({ type: ReadinessResponse })
  @ApiServiceUnavailableResponse({
    description: 'The event store cannot be reached, or the read models are too far behind (the message says which)',
  })
  async ready(): Promise<ReadinessReport> {
    await this.assertEventStoreAnswers();
    const checkpoint = this.projector.checkpoint;
    const lagMs = await readModelLagMs(this.eventStore, checkpoint, Date.now());
    if (lagMs > READY_LAG_MS) {
      throw new ServiceUnavailableException(
        `The read models are ${Math.round(lagMs / 1000)} s behind the event log (ready within ${READY_LAG_MS / 1000} s); they show it up to position ${positionToString(checkpoint)}`,
      );
    }
    return {
      status: 'ok',
      eventStore: this.eventStore.kind,
      projectionPosition: positionToString(checkpoint),
      readModelLagMs: lagMs,
    };
  }

  private async assertEventStoreAnswers(): Promise<void> {
    try {
      await this.eventStore.checkHealth();
    } catch (error) {
      throw new ServiceUnavailableException(
        `The event store (${this.eventStore.kind}) cannot be reached: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
