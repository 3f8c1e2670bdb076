import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { EVENT_STORE, positionToString, type EventStore } from '@team-inbox/event-store';
import { ProcessManagers, ProjectionProgress } from '@team-inbox/projections';
import { Public } from '@team-inbox/team';

export interface HealthReport {
  status: 'ok';
  eventStore: EventStore['kind'];
  /** The log position the read models reflect ("0" before the first event). */
  projectionPosition: string;
  /** The position each process manager has reached. */
  processManagers: Record<string, string>;
}

@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly projector: ProjectionProgress,
    private readonly processManagers: ProcessManagers,
  ) {}

  /** No authentication: load balancers and orchestrators probe it. */
  @Public()
  @Get()
  async check(): Promise<HealthReport> {
    try {
      await this.eventStore.checkHealth();
    } catch (error) {
      throw new ServiceUnavailableException(
        `The event store (${this.eventStore.kind}) cannot be reached: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return {
      status: 'ok',
      eventStore: this.eventStore.kind,
      projectionPosition: positionToString(this.projector.checkpoint),
      processManagers: Object.fromEntries(
        Object.entries(this.processManagers.positions()).map(([name, position]) => [name, positionToString(position)]),
      ),
    };
  }
}
