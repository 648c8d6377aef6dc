import { createLatestRunner, debounce, realClock, type Clock } from '../../src/ui/panel/debounce';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

function abortable<T>(signal: AbortSignal): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    signal.addEventListener('abort', () => rej(Object.assign(new Error('aborted'), { name: 'AbortError' })));
  });
  return { promise, resolve };
}

describe('debounce', () => {
  test('runs once, delayMs after the last call', () => {
    const fn = jest.fn();
    const d = debounce(fn, 250, realClock);
    d.call();
    jest.advanceTimersByTime(200);
    d.call();
    jest.advanceTimersByTime(200);
    expect(fn).not.toHaveBeenCalled();
    expect(d.pending()).toBe(true);
    jest.advanceTimersByTime(50);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(d.pending()).toBe(false);
  });
  test('flush runs a pending call now; cancel drops it', () => {
    const fn = jest.fn();
    const d = debounce(fn, 100, realClock);
    d.flush();
    expect(fn).not.toHaveBeenCalled();
    d.call();
    d.flush();
    expect(fn).toHaveBeenCalledTimes(1);
    d.call();
    d.cancel();
    jest.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(1);
  });
  test('works with an injected clock', () => {
    let now = 0;
    let nextId = 1;
    const timers = new Map<number, { fn: () => void; at: number }>();
    const clock: Clock = {
      setTimeout: (fn, ms) => {
        timers.set(nextId, { fn, at: now + ms });
        return nextId++;
      },
      clearTimeout: (h) => void timers.delete(h as number),
    };
    const advance = (ms: number) => {
      now += ms;
      for (const [id, t] of [...timers]) {
        if (t.at <= now) {
          timers.delete(id);
          t.fn();
        }
      }
    };
    const fn = jest.fn();
    const d = debounce(fn, 50, clock);
    d.call();
    advance(30);
    d.call();
    advance(30);
    expect(fn).not.toHaveBeenCalled();
    advance(20);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(timers.size).toBe(0);
  });
});

describe('latest runner (live preview)', () => {
  test('a burst of changes starts one run, 250 ms after the last', async () => {
    const run = jest.fn((signal: AbortSignal) => abortable<number>(signal).promise);
    const r = createLatestRunner({ delayMs: 250, run, onResult: jest.fn() });
    for (let i = 0; i < 10; i++) {
      r.trigger();
      await jest.advanceTimersByTimeAsync(100);
    }
    expect(run).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(150);
    expect(run).toHaveBeenCalledTimes(1);
    expect(r.started()).toBe(1);
    expect(r.busy()).toBe(true);
  });

  test('a newer trigger aborts the stale run, and a stale result never overwrites a newer one', async () => {
    const runs: { signal: AbortSignal; resolve: (v: string) => void }[] = [];
    const results: string[] = [];
    const r = createLatestRunner<string>({
      delayMs: 250,
      // this run ignores abort and resolves late, as a slow backend might
      run: (signal) =>
        new Promise<string>((resolve) => {
          runs.push({ signal, resolve });
        }),
      onResult: (v) => results.push(v),
    });
    r.trigger();
    await jest.advanceTimersByTimeAsync(250);
    expect(runs).toHaveLength(1);
    r.trigger(); // t0 changed while the first preview runs
    expect(runs[0].signal.aborted).toBe(true);
    await jest.advanceTimersByTimeAsync(250);
    expect(runs).toHaveLength(1); // waits for the aborted run to settle: runs never overlap
    runs[0].resolve('stale');
    await jest.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(2);
    runs[1].resolve('fresh');
    await jest.advanceTimersByTimeAsync(0);
    expect(results).toEqual(['fresh']);
  });

  test('out-of-order completion: only the newest result is delivered', async () => {
    const results: number[] = [];
    let n = 0;
    const r = createLatestRunner<number>({
      delayMs: 10,
      run: (signal) => {
        const id = ++n;
        return abortable<number>(signal).promise.catch(() => id); // swallows the abort and resolves
      },
      onResult: (v) => results.push(v),
    });
    r.trigger();
    await jest.advanceTimersByTimeAsync(10);
    r.trigger();
    await jest.advanceTimersByTimeAsync(10);
    expect(results).toEqual([]); // run 1 resolved after its abort: dropped
    expect(r.started()).toBe(2);
  });

  test('cancel drops the pending trigger and aborts the run in flight', async () => {
    const signals: AbortSignal[] = [];
    const onResult = jest.fn();
    const r = createLatestRunner<number>({
      delayMs: 250,
      run: (signal) => {
        signals.push(signal);
        return abortable<number>(signal).promise;
      },
      onResult,
    });
    r.trigger();
    await r.cancel();
    await jest.advanceTimersByTimeAsync(1000);
    expect(signals).toHaveLength(0);
    r.trigger();
    await jest.advanceTimersByTimeAsync(250);
    expect(signals).toHaveLength(1);
    await r.cancel();
    expect(signals[0].aborted).toBe(true);
    expect(r.busy()).toBe(false);
    expect(onResult).not.toHaveBeenCalled();
  });

  test('the gate is checked when the timer fires; errors other than aborts are reported', async () => {
    let enabled = false;
    const onError = jest.fn();
    const onStart = jest.fn();
    const r = createLatestRunner<number>({
      delayMs: 5,
      enabled: () => enabled,
      run: () => Promise.reject(new Error('boom')),
      onStart,
      onResult: jest.fn(),
      onError,
    });
    r.trigger();
    await jest.advanceTimersByTimeAsync(5);
    expect(onStart).not.toHaveBeenCalled();
    enabled = true;
    r.trigger();
    await jest.advanceTimersByTimeAsync(5);
    expect(onStart).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'boom' }));
  });
});
