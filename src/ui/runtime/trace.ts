// A small event log of the runtime, readable by the browser end-to-end tests (and by anyone
// debugging in devtools) as `window.__sdeditRuntime.events`. Holds no image data.
export type TraceEvent = { type: string; at?: number } & Record<string, unknown>;

interface RuntimeTrace {
  events: TraceEvent[];
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
