// A small event log of the runtime, readable by the browser end-to-end tests (and by anyone
// debugging in devtools) as `window.__sdeditRuntime.events`, next to the engine itself
// (`.engine`, set by index.ts). Holds no image data, and nothing here changes what the runtime
// does: a test that wants another behaviour passes it as an option (SDEditSession.run's RunOptions).
export type TraceEvent = { type: string; at?: number } & Record<string, unknown>;

interface RuntimeTrace {
  readonly events: TraceEvent[];
  /** the panel's engine (index.ts's createEngine), for the end-to-end tests and devtools */
  engine?: unknown;
}

const MAX_EVENTS = 2000;

export function trace(): RuntimeTrace {
  const g = globalThis as unknown as { __sdeditRuntime?: RuntimeTrace };
  g.__sdeditRuntime ??= { events: [] };
  return g.__sdeditRuntime;
}

export function record(ev: TraceEvent): void {
  const t = trace();
  t.events.push({ ...ev, at: performance.now() });
  if (t.events.length > MAX_EVENTS) t.events.splice(0, t.events.length - MAX_EVENTS);
}
