// A latent pack's UNet as core's Denoiser: the loop's x is already the UNet's input (VP
// coordinates, src/core/diffusers/plan.ts), its continuous t maps back to the exact network
// timestep τ = t·n − 1, the text conditioning rides along, classifier-free guidance runs the
// uncond + cond batch and combines ε = ε_u + g·(ε_c − ε_u), LCM's guidance enters as
// `timestep_cond`, and v / sample predictions become ε at the call's own ᾱ.
import type { Denoiser, Shape4, VPSchedule } from '../../core';
import { alphaBarAtTimestep } from '../../core';
import { epsMapAtLevel } from '../adapter';
import type { AnyTensorCtor, PartSession, Port } from './io';
import { PartMismatchError, checkDims, findInput, findOutput, floatTensor, numberTensor, optionalInput, runFloat } from './io';

export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';

/** diffusers' prediction_type in the engine's words (src/model/adapter.ts). */
const ENGINE_PREDICTION = { epsilon: 'eps', v_prediction: 'v', sample: 'x0' } as const;

export interface UnetConditioning {
  /** the prompt's last_hidden_state, seqLen × hidden */
  cond: Float32Array;
  seqLen: number;
  /** classifier-free guidance: the negative prompt's embedding and the scale; null = none */
  cfg: { uncond: Float32Array; scale: number } | null;
  /** LCM: the guidance embedding [dim], or null when the UNet has no timestep_cond */
  timeCond: Float32Array | null;
}

/** The network timestep of a continuous time: t·n − 1, an exact integer whenever t came from one. */
export function timestepOf(t: number, n: number): number {
  const u = t * n - 1;
  const r = Math.round(u);
  return Math.abs(u - r) < 1e-3 ? r : u;
}

/** LCM's guidance embedding (diffusers' get_guidance_scale_embedding) of w = guidance − 1. */
export function guidanceEmbedding(w: number, dim: number): Float32Array {
  const half = Math.floor(dim / 2);
  const out = new Float32Array(dim);
  const step = Math.log(10000) / (half - 1);
  for (let k = 0; k < half; k++) {
    const a = w * 1000 * Math.exp(-k * step);
    out[k] = Math.sin(a);
    out[half + k] = Math.cos(a);
  }
  return out;
}

export class LatentUnet implements Denoiser {
  readonly kind = 'eps' as const;
  readonly sample: Port;
  readonly timestep: Port;
  readonly ehs: Port;
  readonly timeCondPort: Port | null;
  private readonly out: string;
  /** network calls and the milliseconds spent in session.run */
  calls = 0;
  ms = 0;

  constructor(
    private readonly session: PartSession,
    private readonly Tensor: AnyTensorCtor,
    private readonly schedule: VPSchedule,
    private readonly prediction: PredictionType,
    private readonly text: UnetConditioning,
    private readonly file = 'unet/model.onnx',
  ) {
    this.sample = findInput(session, file, 'sample');
    this.timestep = findInput(session, file, 'timestep');
    this.ehs = findInput(session, file, 'encoder_hidden_states');
    this.timeCondPort = optionalInput(session, file, 'timestep_cond');
    this.out = findOutput(session, file, 'out_sample', ...session.outputNames.slice(0, 1)).name;
    if (this.timeCondPort && !text.timeCond) throw new PartMismatchError(`${file} takes "timestep_cond" (an LCM UNet): the guidance embedding is missing`);
    const extra = session.inputNames.filter((n) => !['sample', 'timestep', 'encoder_hidden_states', 'timestep_cond'].includes(n));
    if (extra.length > 0) throw new PartMismatchError(`${file}: inputs ${extra.map((n) => `"${n}"`).join(', ')} are not supported (SDXL's text_embeds / time_ids need its second text encoder)`);
  }

  /** The largest batch one call takes: the static batch dimension, or unlimited. */
  private chunk(): number {
    return this.sample.dims[0] ?? Infinity;
  }

  private async call(x: Float32Array, rows: number, per: number, shape: Shape4, tau: number, ehs: Float32Array[]): Promise<Float32Array> {
    const [, c, h, w] = shape;
    const seq = ehs[0].length;
    const e = new Float32Array(rows * seq);
    for (let r = 0; r < rows; r++) e.set(ehs[r], r * seq);
    const seqLen = this.text.seqLen;
    checkDims(this.sample, [rows, c, h, w], this.file);
    const tDims = this.timestep.dims.length === 0 ? [] : [this.timestep.dims[0] ?? rows];
    const tCount = tDims.length === 0 ? 1 : tDims[0];
    const feeds = {
      [this.sample.name]: floatTensor(this.Tensor, this.sample, x.subarray(0, rows * per), [rows, c, h, w]),
      [this.timestep.name]: numberTensor(this.Tensor, this.timestep, new Array<number>(tCount).fill(tau), tDims),
      [this.ehs.name]: floatTensor(this.Tensor, this.ehs, e, [rows, seqLen, seq / seqLen]),
      ...(this.timeCondPort && this.text.timeCond
        ? { [this.timeCondPort.name]: floatTensor(this.Tensor, this.timeCondPort, tile(this.text.timeCond, rows), [rows, this.text.timeCond.length]) }
        : {}),
    };
    const start = performance.now();
    const [out] = await runFloat(this.session, feeds, [this.out], this.file, ` at timestep ${tau}`);
    this.ms += performance.now() - start;
    this.calls++;
    if (out.length !== rows * per) throw new PartMismatchError(`${this.file}: "${this.out}" has ${out.length} values, expected ${rows}×${c}×${h}×${w}`);
    return out;
  }

  async predict(x: Float32Array, shape: Shape4, t: Float32Array): Promise<Float32Array> {
    const [n, c, h, w] = shape;
    const per = c * h * w;
    const tau = timestepOf(t[0], this.schedule.n);
    for (let i = 1; i < n; i++) if (timestepOf(t[i], this.schedule.n) !== tau) throw new Error('latent unet: every item of a batch must be at the same timestep');
    const { cond, cfg } = this.text;
    // rows: [uncond × n, cond × n] with CFG, else cond × n
    const rows: { x: Float32Array; ehs: Float32Array }[] = [];
    if (cfg) for (let b = 0; b < n; b++) rows.push({ x: x.subarray(b * per, (b + 1) * per), ehs: cfg.uncond });
    for (let b = 0; b < n; b++) rows.push({ x: x.subarray(b * per, (b + 1) * per), ehs: cond });
    const outAll = new Float32Array(rows.length * per);
    const size = Math.min(this.chunk(), rows.length);
    for (let r0 = 0; r0 < rows.length; r0 += size) {
      const k = Math.min(size, rows.length - r0);
      const xb = new Float32Array(k * per);
      for (let i = 0; i < k; i++) xb.set(rows[r0 + i].x, i * per);
      const out = await this.call(xb, k, per, shape, tau, rows.slice(r0, r0 + k).map((r) => r.ehs));
      outAll.set(out, r0 * per);
    }
    let eps: Float32Array;
    if (cfg) {
      eps = new Float32Array(n * per);
      const g = cfg.scale;
      for (let i = 0; i < n * per; i++) {
        const u = outAll[i];
        eps[i] = u + g * (outAll[n * per + i] - u);
      }
    } else eps = outAll;
    if (this.prediction === 'epsilon') return eps;
    const { sample, output, divisor } = epsMapAtLevel(alphaBarAtTimestep(this.schedule, tau), ENGINE_PREDICTION[this.prediction]);
    for (let i = 0; i < eps.length; i++) eps[i] = (sample * x[i] + output * eps[i]) / divisor;
    return eps;
  }
}

function tile(v: Float32Array, rows: number): Float32Array {
  const out = new Float32Array(rows * v.length);
  for (let r = 0; r < rows; r++) out.set(v, r * v.length);
  return out;
}
