import { withTransfer } from './protocol';
import { startTestThread, type TestThreadEvent } from './testing/test-thread';
import { WorkerCallError, WorkerThreadStoppedError, type WorkerThread } from './worker-thread';
import type { TestThreadCalls } from './testing/test-thread';

describe('WorkerThread', () => {
  let thread: WorkerThread<TestThreadCalls, TestThreadEvent> | undefined;
  afterEach(async () => {
    await thread?.close({ timeoutMs: 1000 });
    thread = undefined;
  });

  it('is ready once the thread serves, and answers each call by its id, whichever comes back first', async () => {
    thread = startTestThread();
    await expect(thread.ready).resolves.toBeUndefined();
    const answered: string[] = [];
    const slow = thread.call('later', { value: 'slow', afterMs: 100 }).then((value) => answered.push(value));
    const quick = thread.call('echo', { quick: [1n, 'two'] }).then((value) => {
      answered.push('quick');
      return value;
    });
    await expect(quick).resolves.toEqual({ quick: [1n, 'two'] });
    await slow;
    expect(answered).toEqual(['quick', 'slow']);
  });

  it("rejects a call whose handler threw with the error's message and code, and goes on answering", async () => {
    thread = startTestThread();
    const failed = thread.call('fail', { message: 'disk I/O error', code: 'SQLITE_IOERR' });
    await expect(failed).rejects.toThrow(WorkerCallError);
    await expect(failed).rejects.toMatchObject({
      message: 'disk I/O error',
      code: 'SQLITE_IOERR',
      thrownName: 'Error',
    });
    await expect(thread.call('echo', 'still here')).resolves.toBe('still here');
  });

  it('rejects with what callError makes of a failure', async () => {
    thread = startTestThread({ callError: ({ message, code }) => new RangeError(`${code}: ${message}`) });
    await expect(thread.call('fail', { message: 'full', code: 'SQLITE_FULL' })).rejects.toThrow(
      new RangeError('SQLITE_FULL: full'),
    );
  });

  it('moves the buffers of a transfer list, both ways, rather than copying them', async () => {
    thread = startTestThread();
    const sent = new ArrayBuffer(64);
    await expect(thread.call('byteLength', withTransfer(sent, [sent]))).resolves.toBe(64);
    expect(sent.byteLength).toBe(0); // detached here: it was moved
    const kept = new ArrayBuffer(8);
    await expect(thread.call('byteLength', kept)).resolves.toBe(8);
    expect(kept.byteLength).toBe(8); // copied
    const received = await thread.call('bufferOf', 32);
    expect(received.byteLength).toBe(32);
  });

  it('hears the events the thread sends, in order, before the answer of the call that sent them', async () => {
    const heard: TestThreadEvent[] = [];
    thread = startTestThread({ onEvent: (event) => heard.push(event) });
    await expect(thread.call('countTo', 3)).resolves.toBe(3);
    expect(heard).toEqual([{ counted: 1 }, { counted: 2 }, { counted: 3 }]);
  });

  it('delivers notices in order with calls, and answers none of them', async () => {
    thread = startTestThread();
    thread.notify('remember', 'a');
    thread.notify('remember', 'b');
    await expect(thread.call('remembered')).resolves.toEqual(['a', 'b']);
  });

  it('rejects every pending call when the thread fails, naming the thread and the error, and takes no more', async () => {
    const stops: unknown[] = [];
    thread = startTestThread({ onStop: (stop) => stops.push(stop) });
    await thread.call('crashSoon', 'the disk went away');
    const pending = [
      thread.call('later', { value: 'never', afterMs: 10_000 }),
      thread.call('later', { value: 'never either', afterMs: 10_000 }),
    ];
    for (const call of pending) {
      await expect(call).rejects.toThrow(WorkerThreadStoppedError);
      await expect(call).rejects.toThrow('The test thread failed: the disk went away');
    }
    expect(thread.accepting).toBe(false);
    await expect(thread.call('echo', 'late')).rejects.toThrow('The test thread failed: the disk went away');
    await thread.close();
    expect(stops).toEqual([{ kind: 'failed', error: expect.objectContaining({ message: 'the disk went away' }) }]);
  });

  it('rejects every pending call when the thread exits unasked, with its exit code', async () => {
    const stops: unknown[] = [];
    thread = startTestThread({ onStop: (stop) => stops.push(stop) });
    const waiting = thread.call('later', { value: 'never', afterMs: 10_000 });
    const exiting = thread.call('exit', 7);
    await expect(waiting).rejects.toThrow('The test thread stopped (exit code 7)');
    await expect(exiting).rejects.toThrow(WorkerThreadStoppedError);
    expect(stops).toEqual([{ kind: 'exited', exitCode: 7 }]);
  });

  it('rejects what it was asked, and its readiness, with what stopError makes of it when it fails to set up', async () => {
    thread = startTestThread({
      workerData: { failToStart: true },
      stopError: (stop, message) => Object.assign(new Error(`${message}; try again`), { kind: stop.kind }),
    });
    const asked = thread.call('echo', 'hello');
    await expect(asked).rejects.toThrow('The test thread failed: cannot open what it needs; try again');
    await expect(asked).rejects.toMatchObject({ kind: 'failed' });
    await expect(thread.ready).rejects.toThrow('The test thread failed: cannot open what it needs; try again');
  });

  it('closes in order: answers what was asked before, runs its own close, exits, and then takes no calls', async () => {
    const heard: TestThreadEvent[] = [];
    const stops: unknown[] = [];
    thread = startTestThread({ onEvent: (event) => heard.push(event), onStop: (stop) => stops.push(stop) });
    const asked = thread.call('later', { value: 'answered before closing', afterMs: 50 });
    await thread.close();
    await expect(asked).resolves.toBe('answered before closing');
    expect(heard).toEqual([{ closing: true }]);
    expect(stops).toEqual([{ kind: 'closed' }]);
    await expect(thread.call('echo', 'late')).rejects.toThrow('The test thread was closed');
  });

  it('terminates a thread whose close does not finish in time', async () => {
    thread = startTestThread({ workerData: { closeHangs: true } });
    await thread.ready;
    await thread.close({ timeoutMs: 100 });
    expect(thread.accepting).toBe(false);
  });

  it('rejects, and takes no more calls, when terminated', async () => {
    thread = startTestThread();
    const waiting = thread.call('later', { value: 'never', afterMs: 10_000 });
    await thread.terminate();
    await expect(waiting).rejects.toThrow(/The test thread stopped \(exit code \d+\)/);
    expect(thread.accepting).toBe(false);
  });
});
