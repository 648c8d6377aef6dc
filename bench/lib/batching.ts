// A Denoiser that runs the calls of several concurrent SDEdit runs as one batch: each run's
// predict waits until every one of `expected` runs has asked, then one inner call answers all.
// Runs of one configuration (same sampler, steps, t0) ask at the same times, so with a network
// that treats batch items independently the results equal separate runs.
import type { Denoiser, Shape4 } from '../../src/core';

/** Gathers one predict call from each of `expected` concurrent runs into one batched call. */
export class BatchingDenoiser implements Denoiser {
  readonly kind = 'eps' as const;
  expected = 0;
  calls = 0;
  private pending: { x: Float32Array; shape: Shape4; t: Float32Array; resolve: (v: Float32Array) => void; reject: (e: unknown) => void }[] = [];
  constructor(private readonly inner: Denoiser) {}
  predict(x: Float32Array, shape: Shape4, t: Float32Array): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.pending.push({ x: x.slice(), shape, t: t.slice(), resolve, reject });
      if (this.pending.length === this.expected) void this.flush();
    });
  }
  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const [, c, h, w] = batch[0].shape;
    const n = batch.reduce((s, b) => s + b.shape[0], 0);
    const x = new Float32Array(n * c * h * w);
    const t = new Float32Array(n);
    let o = 0;
    let ot = 0;
    for (const b of batch) {
      x.set(b.x, o);
      t.set(b.t, ot);
      o += b.x.length;
      ot += b.t.length;
    }
    try {
      this.calls++;
      const out = await this.inner.predict(x, [n, c, h, w], t);
      o = 0;
      for (const b of batch) {
        b.resolve(out.slice(o, o + b.x.length));
        o += b.x.length;
      }
    } catch (e) {
      for (const b of batch) b.reject(e);
    }
  }
}

