/**
 * Given/when/then for deciders, after Emmett's `DeciderSpecification`: a spec reads as one line of the
 * rules. `given` the events so far, `when` a command, `then` the events it causes (or that it throws, or
 * that nothing happens).
 */
import type { Decider, DomainEvent } from '../command-handling/decider';

export function deciderSpecification<State, Command, Event extends DomainEvent>(
  decider: Decider<State, Command, Event>,
) {
  return (given: Event[]) => ({
    when: (command: Command) => {
      const run = (): Event[] => decider.decide(command, given.reduce(decider.evolve, decider.initialState));
      return {
        then: (expected: Event[]): void => {
          expect(run()).toEqual(expected);
        },
        thenNothingHappened: (): void => {
          expect(run()).toEqual([]);
        },
        thenThrows: (errorType: new (...args: never[]) => Error, message?: string | RegExp): void => {
          expect(run).toThrow(errorType);
          if (message !== undefined) expect(run).toThrow(message);
        },
      };
    },
  });
}
