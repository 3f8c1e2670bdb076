/** What the probes answer, as the OpenAPI document describes it. */
import { ApiProperty } from '@nestjs/swagger';

const EVENT_STORE_KINDS = ['sqlite', 'eventstoredb'];

export class HealthResponse {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ enum: EVENT_STORE_KINDS }) eventStore!: string;
  @ApiProperty({ description: 'The log position the read models show ("0" before the first event)', example: '1042' })
  projectionPosition!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'The log position each process manager has reached, by name',
    example: { 'member-removal': '1042' },
  })
  processManagers!: Record<string, string>;
}

export class LivenessResponse {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
}

export class ReadinessResponse {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ enum: EVENT_STORE_KINDS }) eventStore!: string;
  @ApiProperty({ description: 'The log position the read models show', example: '1042' }) projectionPosition!: string;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'How long the oldest event the read models do not show yet has been in the log (0: none)',
  })
  readModelLagMs!: number;
}
