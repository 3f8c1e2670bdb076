import { KeyedLock } from './keyed-lock';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedLock', () => {
  it('runs the tasks of one key one at a time, in arrival order', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    let running = 0;
    let mostAtOnce = 0;
    await Promise.all(
      [1, 2, 3, 4].map((n) =>
        lock.run('stream-a', async () => {
          running++;
          mostAtOnce = Math.max(mostAtOnce, running);
          log.push(`start ${n}`);
          await tick();
          log.push(`end ${n}`);
          running--;
        }),
      ),
    );
    expect(mostAtOnce).toBe(1);
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3', 'start 4', 'end 4']);
    expect(lock.size).toBe(0);
  });

  it('runs tasks of different keys at the same time', async () => {
    const lock = new KeyedLock();
    let running = 0;
    let mostAtOnce = 0;
    await Promise.all(
      ['a', 'b', 'c'].map((key) =>
        lock.run(key, async () => {
          running++;
          mostAtOnce = Math.max(mostAtOnce, running);
          await tick();
          running--;
        }),
      ),
    );
    expect(mostAtOnce).toBe(3);
  });

  it('goes on with the next task after one fails, and passes results and errors through', async () => {
    const lock = new KeyedLock();
    const failing = lock.run('k', async () => {
      await tick();
      throw new Error('refused');
    });
    const next = lock.run('k', () => Promise.resolve(42));
    await expect(failing).rejects.toThrow('refused');
    await expect(next).resolves.toBe(42);
    expect(lock.size).toBe(0);
  });
});
