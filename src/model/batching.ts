// Several SDEdit runs at once on one network: each run gets its own Denoiser, and their predict
// calls are gathered into one batched call. Used by the evaluation (src/cli/eval) and the
// benchmarks (bench/), which run many guides through the same plan.
import type { Denoiser, Shape4 } from '../core';

export interface BatchedRuns<R> {
  results: R[];
  /** calls of the inner denoiser (each one a batch) */
  calls: number;
}

interface Waiting {
  x: Float32Array;
  shape: Shape4;
  t: Float32Array;
  resolve: (eps: Float32Array) => void;
  reject: (e: unknown) => void;
}

/**
 * Start `count` runs together. Each run's predict waits until every run still going has asked;
 * then one call of `inner` answers them all, on their inputs concatenated in the order they
 * asked. Runs of one plan (same sampler, steps, t0) ask at the same steps, so with a network that
 * treats batch items independently every result equals the run made alone. A run that ends (or
 * fails) stops being waited for.
 */
export async function runBatched<R>(inner: Denoiser, count: number, run: (denoiser: Denoiser, index: number) => Promise<R>): Promise<BatchedRuns<R>> {
  let waiting: Waiting[] = [];
  let active = count;
  let calls = 0;
  const flush = (): void => {
    if (waiting.length === 0 || waiting.length < active) return;
    const batch = waiting;
    waiting = [];
    const [, c, h, w] = batch[0].shape;
    if (batch.some((b) => b.shape[1] !== c || b.shape[2] !== h || b.shape[3] !== w)) {
      const err = new Error(`runBatched: runs of different image shapes cannot share a batch (${batch.map((b) => b.shape.join('×')).join(', ')})`);
      for (const b of batch) b.reject(err);
      return;
    }
    calls++;
    if (batch.length === 1) {
      const [b] = batch;
      inner.predict(b.x, b.shape, b.t).then(b.resolve, b.reject);
      return;
    }
    const n = batch.reduce((s, b) => s + b.shape[0], 0);
    const x = new Float32Array(n * c * h * w);
    const t = new Float32Array(n);
    let ox = 0;
    let ot = 0;
    for (const b of batch) {
      x.set(b.x, ox);
      t.set(b.t, ot);
      ox += b.x.length;
      ot += b.t.length;
    }
    inner.predict(x, [n, c, h, w], t).then(
      (out) => {
        let o = 0;
        for (const b of batch) {
          b.resolve(out.slice(o, o + b.x.length));
          o += b.x.length;
        }
      },
      (e: unknown) => {
        for (const b of batch) b.reject(e);
      },
    );
  };
  const member: Denoiser = {
    kind: inner.kind,
    predict: (x, shape, t) =>
      new Promise<Float32Array>((resolve, reject) => {
        waiting.push({ x, shape, t, resolve, reject });
        flush();
      }),
  };
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      (async () => run(member, i))().finally(() => {
        active--;
        flush();
      }),
    ),
  );
  return { results, calls };
}
