/** What the projector's worker thread and the server's main thread say to each other. */
import type { Position } from '@team-inbox/event-store';

export interface ProjectorWorkerData {
  eventStoreFile: string;
  readModelFile: string;
  /** A module exporting, under `exportName`, the projection classes (constructed without arguments). */
  projectionsModule: string;
  exportName: string;
  /** How often the worker looks for appends it was not told of (another process's); the store's default if unset. */
  pollIntervalMs?: number;
}

/** An applied event as posted: `recordedAt` in epoch milliseconds. */
export interface PostedEvent {
  position: Position;
  streamId: string;
  type: string;
  recordedAt: number;
}

/** Sent as a notice, unanswered: an append of this process has committed, so the worker reads it now. */
export interface ProjectorCalls {
  appended(): void;
}

export type ProjectorEvent =
  /** After each stored batch: where the projector is, and the events it applied (none where a sibling had). */
  | { type: 'progress'; checkpoint: Position; applied: PostedEvent[]; appliedAt: number }
  | { type: 'error'; message: string; error: string };
