import { Injectable } from '@nestjs/common';
import type { Position } from '@team-inbox/event-store';

/** What a process manager tells about its progress: the position up to which it has done its work. */
export interface ProcessProgress {
  readonly name: string;
  /** The position of the last event handled. */
  readonly progress: Position;
  waitFor(position: Position, timeoutMs: number): Promise<boolean>;
}

/**
 * The process managers running in this server, so that a command whose consequences they carry out (a
 * member's removal unassigns its conversations) can answer once those are done.
 */
@Injectable()
export class ProcessManagers {
  private readonly registered: ProcessProgress[] = [];

  register(progress: ProcessProgress): void {
    this.registered.push(progress);
  }

  positions(): Record<string, Position> {
    return Object.fromEntries(this.registered.map((progress) => [progress.name, progress.progress]));
  }

  /** True once every process manager has handled `position`; false after `timeoutMs`. */
  async waitForAll(position: Position, timeoutMs: number): Promise<boolean> {
    const results = await Promise.all(this.registered.map((progress) => progress.waitFor(position, timeoutMs)));
    return results.every(Boolean);
  }
}
