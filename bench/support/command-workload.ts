/**
 * The command workload the peer comparison runs on each side: for every conversation, start, assign,
 * reassign, reply, close and reopen, one after another; `inFlight` conversations at a time. Each side
 * supplies `run(conversation, step)`; this measures commands per second and counts errors by message.
 */
export const STEPS = ['start', 'assign', 'reassign', 'reply', 'close', 'reopen'] as const;
export type Step = (typeof STEPS)[number];

export interface WorkloadResult {
  commands: number;
  seconds: number;
  commandsPerSecond: number;
  errors: Record<string, number>;
}

export async function runCommandWorkload(
  options: { conversations: number; inFlight: number },
  run: (conversation: number, step: Step) => Promise<void>,
): Promise<WorkloadResult> {
  let next = 0;
  let commands = 0;
  const errors: Record<string, number> = {};
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.inFlight }, async () => {
      for (let conversation = next++; conversation < options.conversations; conversation = next++) {
        for (const step of STEPS) {
          try {
            await run(conversation, step);
            commands++;
          } catch (error) {
            const message = (error instanceof Error ? error.message : String(error)).slice(0, 80);
            errors[message] = (errors[message] ?? 0) + 1;
            break; // the rest of this conversation's story depends on this step
          }
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { commands, seconds, commandsPerSecond: commands / seconds, errors };
}
