// How much of the sampler's per-step work hides behind the network call when the network runs off
// the JS thread (WebGPU, or a session in a worker). The loop draws a step's noise while that step's
// call is pending (src/core/loop.ts LoopState.predict); here the real onnxruntime-node session of
// the pack runs in a worker thread, and the same edit is timed two ways in one run, alternating:
//   overlap:  the denoiser as it is: the call starts at once, the draw runs while it is pending;
//   serial:   a wrapper that starts the call only after the caller's synchronous work (the draw),
//             so nothing overlaps: the order every edit had before, and what an in-process
//             onnxruntime-node session still gives (its run() blocks the JS thread);
//   in-process (for reference): the pack's session on the JS thread, as the CLI runs it.
// Overhead share = (edit wall − Σ network ms)/edit wall, Σ network = the time inside session.run
// (measured where the session runs); with a worker it includes the messages' copies and the
// threads' wake-ups, which a loaded machine inflates. The JS time between calls (answer → next
// call, plus before the first and after the last) leaves those out: the work the network waits for. The v2 projection keeps each mode's visible overhead and
// scales the network time by the per-call ratio of v2 to v1 (`v2PerCall`, default 0.22).
//
// Bundled by bench/overlap.mjs (and bench/run.mjs) to bench/out/overlap.cjs and run as
//   node bench/out/overlap.cjs '{"model": "models/default", "size": 256, "threads": 1, ...}'
// The same file is the worker (started with workerData). Prints one JSON line.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Denoiser, Shape4 } from '../../src/core';
import { loadPackFromDir } from '../../src/model/node';
import { gradientPng, now, rectMaskPng, timedEdit, type EditSetup } from './edit-timing';

interface Config {
  model: string;
  /** a guide PNG; null = a synthetic 256² gradient */
  guide: string | null;
  size: number;
  /** intra-op threads of each session */
  threads: number;
  t0: number;
  sampler: string;
  steps: number;
  /** timed edits per mode (after one warm-up edit each) */
  reps: number;
  /** v2's per-call time as a fraction of v1's */
  v2PerCall?: number;
}

interface Request {
  id: number;
  x: Float32Array;
  shape: Shape4;
  t: Float32Array;
}
type Reply = { id: number; out: Float32Array; networkMs: number } | { id: number; error: string };
interface WorkerInit {
  model: string;
  threads: number;
}

// ---- the worker: one onnxruntime-node session answering predict requests ----------------------

async function serve(port: NonNullable<typeof parentPort>, init: WorkerInit): Promise<void> {
  const loaded = await loadPackFromDir(init.model, { threads: init.threads });
  port.on('message', (m: Request | 'stop') => {
    if (m === 'stop') {
      void loaded.release().finally(() => port.close());
      return;
    }
    const before = loaded.networkMs();
    loaded.denoiser.predict(m.x, m.shape, m.t).then(
      (out) => port.postMessage({ id: m.id, out, networkMs: loaded.networkMs() - before } satisfies Reply, [out.buffer as ArrayBuffer]),
      (e: unknown) => port.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) } satisfies Reply),
    );
  });
  port.postMessage('ready');
}

// ---- the main thread ---------------------------------------------------------------------------

/** A Denoiser whose network runs in the worker: x is copied when the call is made. */
class WorkerDenoiser implements Denoiser {
  networkMs = 0;
  calls = 0;
  /** when each call was sent to the worker and when its answer came back (performance.now) */
  sentAt: number[] = [];
  answeredAt: number[] = [];
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (v: Float32Array) => void; reject: (e: Error) => void }>();
  constructor(
    readonly kind: 'eps' | 'score',
    private readonly worker: Worker,
  ) {
    worker.on('message', (r: Reply | 'ready') => {
      if (r === 'ready') return;
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      if ('error' in r) w.reject(new Error(`worker: ${r.error}`));
      else {
        this.networkMs += r.networkMs;
        this.answeredAt.push(now());
        w.resolve(r.out);
      }
    });
  }
  predict(x: Float32Array, shape: Shape4, t: Float32Array): Promise<Float32Array> {
    const id = ++this.next;
    this.calls++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.sentAt.push(now());
      this.worker.postMessage({ id, x, shape, t } satisfies Request);
    });
  }
}

/** The serial baseline: the call starts only after the caller's synchronous work has run. */
function startingAfterCaller(inner: Denoiser): Denoiser {
  return {
    kind: inner.kind,
    predict: (x, shape, t) => new Promise<void>((r) => setImmediate(r)).then(() => inner.predict(x, shape, t)),
  };
}

function startWorker(init: WorkerInit): Promise<Worker> {
  const worker = new Worker(__filename, { workerData: init });
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      if (m !== 'ready') return;
      worker.off('message', onMessage);
      worker.off('error', reject);
      resolve(worker);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

const median = (a: number[]): number => {
  const s = [...a].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
};

interface Edit {
  wall: number;
  network: number;
  /** JS-thread time while no call was in flight: edit start → first call, each answer → the next
   *  call, the last answer → edit end (the work the network waits for; no message transit) */
  jsBetweenCalls: number;
}

function summary(edits: Edit[], v2: number) {
  const wall = median(edits.map((e) => e.wall));
  const network = median(edits.map((e) => e.network));
  const overhead = median(edits.map((e) => e.wall - e.network));
  const share = median(edits.map((e) => (e.wall - e.network) / e.wall));
  const between = median(edits.map((e) => e.jsBetweenCalls));
  const overheads = edits.map((e) => e.wall - e.network);
  return {
    edits: edits.length,
    wall_ms: wall,
    network_ms: network,
    overhead_ms: overhead,
    share,
    share_v2_projected: overhead / (overhead + v2 * network),
    overhead_ms_min: Math.min(...overheads),
    js_between_calls_ms: between,
    js_between_calls_ms_min: Math.min(...edits.map((e) => e.jsBetweenCalls)),
    js_share_v2_projected: between / (between + v2 * network),
    walls_ms: edits.map((e) => Math.round(e.wall)),
  };
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2]) as Config;
  const v2 = cfg.v2PerCall ?? 0.22;
  const local = await loadPackFromDir(cfg.model, { threads: cfg.threads });
  const worker = await startWorker({ model: cfg.model, threads: cfg.threads });
  const remote = new WorkerDenoiser(local.denoiser.kind, worker);
  const serial = startingAfterCaller(remote);
  const setup: EditSetup = { schedule: local.schedule, guidePng: cfg.guide ? readFileSync(cfg.guide) : gradientPng(256, 256), maskPng: rectMaskPng(256, 256), size: cfg.size, t0: cfg.t0 };
  const timeRemote = async (den: Denoiser): Promise<Edit> => {
    const net0 = remote.networkMs;
    remote.sentAt = [];
    remote.answeredAt = [];
    const start = now();
    const wall = await timedEdit(den, setup, cfg.sampler, cfg.steps);
    const end = start + wall;
    const { sentAt, answeredAt } = remote;
    let between = sentAt[0] - start + end - answeredAt[answeredAt.length - 1];
    for (let k = 1; k < sentAt.length; k++) between += sentAt[k] - answeredAt[k - 1];
    return { wall, network: remote.networkMs - net0, jsBetweenCalls: between };
  };
  // in process, session.run blocks the JS thread: everything but the network is between calls
  const timeLocal = async (): Promise<Edit> => {
    const net0 = local.networkMs();
    const wall = await timedEdit(local.denoiser, setup, cfg.sampler, cfg.steps);
    const network = local.networkMs() - net0;
    return { wall, network, jsBetweenCalls: wall - network };
  };
  await timeRemote(remote);
  await timeRemote(serial);
  await timeLocal();
  const overlap: Edit[] = [];
  const serialEdits: Edit[] = [];
  const inProcess: Edit[] = [];
  for (let i = 0; i < cfg.reps; i++) {
    // alternate which goes first, so a slow spell on a shared machine hits both
    if (i % 2 === 0) {
      overlap.push(await timeRemote(remote));
      serialEdits.push(await timeRemote(serial));
    } else {
      serialEdits.push(await timeRemote(serial));
      overlap.push(await timeRemote(remote));
    }
    inProcess.push(await timeLocal());
  }
  worker.postMessage('stop');
  await local.release();
  const o = summary(overlap, v2);
  const s = summary(serialEdits, v2);
  const p = summary(inProcess, v2);
  const perCall = o.network_ms / cfg.steps;
  process.stdout.write(
    JSON.stringify({
      sampler: cfg.sampler,
      steps: cfg.steps,
      size: cfg.size,
      threads: cfg.threads,
      v2_per_call_ratio: v2,
      per_call_ms: perCall,
      v2_per_call_ms: v2 * perCall,
      overlap: o,
      serial: s,
      in_process: p,
      hidden_ms: s.overhead_ms - o.overhead_ms,
      hidden_js_ms: s.js_between_calls_ms - o.js_between_calls_ms,
      // the edits of one turn ran back to back: their differences cancel slow spells
      hidden_ms_paired: median(overlap.map((e, i) => serialEdits[i].wall - serialEdits[i].network - (e.wall - e.network))),
      hidden_js_ms_paired: median(overlap.map((e, i) => serialEdits[i].jsBetweenCalls - e.jsBetweenCalls)),
      load_average: loadavg()[0],
      wall_ratio_overlap_vs_serial: o.wall_ms / s.wall_ms,
    }) + '\n',
  );
}

if (isMainThread) {
  main().catch((e: unknown) => {
    process.stderr.write(`overlap: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
} else if (parentPort) {
  serve(parentPort, workerData as WorkerInit).catch((e: unknown) => {
    process.stderr.write(`overlap worker: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
