import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@team-inbox/event-store';

export interface HealthReport {
  status: 'ok';
  eventStore: EventStore['kind'];
  /** The log position the read models reflect; null until the inbox projections run. */
  projectionPosition: string | null;
}

@Controller('health')
export class HealthController {
  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  /** No authentication: load balancers and orchestrators probe it. */
  @Get()
  async check(): Promise<HealthReport> {
    try {
      await this.eventStore.checkHealth();
    } catch (error) {
      throw new ServiceUnavailableException(
        `The event store (${this.eventStore.kind}) cannot be reached: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return { status: 'ok', eventStore: this.eventStore.kind, projectionPosition: null };
  }
}
