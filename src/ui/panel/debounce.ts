// Debounce and "latest run wins" scheduling for the live preview and settings saves.
// Pure logic with an injectable clock, so it is unit-tested with fake timers.

export interface Clock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface Debounced {
  /** (Re)start the timer; `fn` runs `delayMs` after the last call. */
  call(): void;
  /** Run now if a call is pending. */
  flush(): void;
  /** Drop a pending call. */
  cancel(): void;
  pending(): boolean;
}

export function debounce(fn: () => void, delayMs: number, clock: Clock = realClock): Debounced {
  let handle: unknown = null;
  const fire = () => {
    handle = null;
    fn();
  };
  return {
    call() {
      if (handle !== null) clock.clearTimeout(handle);
      handle = clock.setTimeout(fire, delayMs);
    },
    flush() {
      if (handle === null) return;
      clock.clearTimeout(handle);
      fire();
    },
    cancel() {
      if (handle !== null) clock.clearTimeout(handle);
      handle = null;
    },
    pending: () => handle !== null,
  };
}

export function isAbortError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'AbortError';
}

export interface LatestRunnerOptions<T> {
  delayMs: number;
  clock?: Clock;
  /** Start one run; must reject (AbortError) or settle soon after `signal` aborts. */
  run: (signal: AbortSignal) => Promise<T>;
  /** Gate checked when the timer fires (e.g. false while a full Generate is running). */
  enabled?: () => boolean;
  /** Called when a run actually starts (after the debounce and after the previous run settled). */
  onStart?: () => void;
  /** Only ever called with the result of the newest run, never a stale one. */
  onResult: (value: T) => void;
  /** Errors of the newest run other than aborts. */
  onError?: (error: unknown) => void;
}

export interface LatestRunner {
  /** Something changed: restart the debounce; a run in flight is now stale and is aborted. */
  trigger(): void;
  /** Drop the pending trigger and abort the run in flight; resolves once it has settled. */
  cancel(): Promise<void>;
  /** True while a run is in flight or a trigger is pending. */
  busy(): boolean;
  /** How many runs were started. */
  started(): number;
}

/**
 * Debounced runner where the latest trigger wins: each trigger aborts the run in flight, and a
 * run's result is delivered only if no newer trigger happened since it started. Runs never
 * overlap: a new run starts only after the aborted one has settled.
 */
export function createLatestRunner<T>(opts: LatestRunnerOptions<T>): LatestRunner {
  let generation = 0;
  let startedCount = 0;
  let controller: AbortController | null = null;
  let inflight: Promise<void> | null = null;

  const abortInflight = () => {
    if (controller) controller.abort();
    controller = null;
  };

  const fire = async () => {
    const gen = generation;
    abortInflight();
    if (inflight) await inflight;
    if (gen !== generation) return; // a newer trigger (or a cancel) came while we waited
    if (opts.enabled && !opts.enabled()) return;
    const ctrl = new AbortController();
    controller = ctrl;
    startedCount++;
    opts.onStart?.();
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    inflight = done;
    try {
      const value = await opts.run(ctrl.signal);
      if (gen === generation && !ctrl.signal.aborted) opts.onResult(value);
    } catch (e) {
      if (gen === generation && !ctrl.signal.aborted && !isAbortError(e)) opts.onError?.(e);
    } finally {
      if (controller === ctrl) controller = null;
      if (inflight === done) inflight = null;
      resolveDone();
    }
  };

  const timer = debounce(() => void fire(), opts.delayMs, opts.clock);

  return {
    trigger() {
      generation++;
      abortInflight();
      timer.call();
    },
    async cancel() {
      generation++;
      timer.cancel();
      abortInflight();
      if (inflight) await inflight;
    },
    busy: () => timer.pending() || controller !== null,
    started: () => startedCount,
  };
}
