// A Denoiser over an ONNX Runtime session. onnxruntime-node and onnxruntime-web share this API;
// the caller injects its module's Tensor constructor, so this file imports neither.
import { firstNonFinite, type Denoiser, type Schedule, type Shape4 } from '../core';
import type { ModelPack } from './pack';
import { adaptOutput, engineKind, networkTime } from './adapter';

/** The part of an ORT Tensor used here. */
export interface TensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
  readonly type: string;
  /** where the data lives: onnxruntime's 'cpu', 'cpu-pinned', 'gpu-buffer', … */
  readonly location?: string;
  dispose?(): void;
}

/** The part of an ORT InferenceSession used here. */
export interface SessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, TensorLike>): Promise<Record<string, TensorLike>>;
  release?(): Promise<void>;
}

/** `new ort.Tensor('float32', data, dims)`. */
export type TensorCtor = new (type: 'float32', data: Float32Array, dims: readonly number[]) => TensorLike;

/** Thrown when the model's graph does not match its pack (names, shapes). */
export class ModelMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelMismatchError';
  }
}

/** Thrown when the network returns NaN or ±Inf (a broken pack, or an fp16 overflow): without it
 *  the sampler would carry the NaNs to the end and write a flat grey image. `code` is the one the
 *  web runtime classifies it under (WebErrorCode 'invalid-output'). */
export class ModelOutputError extends Error {
  readonly code = 'invalid-output' as const;
  constructor(message: string) {
    super(message);
    this.name = 'ModelOutputError';
  }
}

const list = (a: readonly string[]) => `[${a.map((s) => `"${s}"`).join(', ')}]`;
const dimsStr = (d: readonly number[]) => `[${d.join(', ')}]`;

/** Check the session's input and output names against the pack's. */
export function checkSessionNames(session: Pick<SessionLike, 'inputNames' | 'outputNames'>, pack: ModelPack): void {
  const missingIn = [pack.inputs.x, pack.inputs.t].filter((n) => !session.inputNames.includes(n));
  if (missingIn.length > 0) {
    throw new ModelMismatchError(
      `model input names are ${list(session.inputNames)}, model.json expects ${list([pack.inputs.x, pack.inputs.t])} (missing ${list(missingIn)})`,
    );
  }
  if (session.inputNames.length !== 2) {
    throw new ModelMismatchError(`model has ${session.inputNames.length} inputs ${list(session.inputNames)}, expected exactly 2 (${pack.inputs.x}, ${pack.inputs.t})`);
  }
  if (!session.outputNames.includes(pack.outputs.out)) {
    throw new ModelMismatchError(`model output names are ${list(session.outputNames)}, model.json expects "${pack.outputs.out}"`);
  }
}

export interface OnnxDenoiserOptions {
  /** Turn an error of a run (thrown by session.run, or a ModelOutputError) into the error to
   *  rethrow (web: classify GPU errors). */
  wrapError?: (e: unknown) => Error;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Index of the first value that is NaN or ±Inf, or −1 (core's kernel; re-exported for the model layer's callers). */
export { firstNonFinite };

export class OnnxDenoiser implements Denoiser {
  readonly kind: 'eps' | 'score';
  private runMs = 0;

  constructor(
    private readonly session: SessionLike,
    private readonly Tensor: TensorCtor,
    private readonly pack: ModelPack,
    private readonly schedule: Schedule,
    private readonly opts: OnnxDenoiserOptions = {},
  ) {
    checkSessionNames(session, pack);
    this.kind = engineKind(schedule);
  }

  /** Milliseconds spent in session.run so far: the network's own time, without the adapter. */
  get networkMs(): number {
    return this.runMs;
  }

  /** Shape checks before a run, so that a bad size is a clear error instead of an ORT one. */
  private checkInput(x: Float32Array, shape: Shape4, t: Float32Array): void {
    const [n, c, h, w] = shape;
    if (!shape.every((d) => Number.isInteger(d) && d >= 1)) throw new Error(`denoiser: bad shape ${dimsStr(shape)}`);
    if (x.length !== n * c * h * w) throw new Error(`denoiser: x has ${x.length} values, shape ${dimsStr(shape)} needs ${n * c * h * w}`);
    if (t.length !== n) throw new Error(`denoiser: t has ${t.length} values for a batch of ${n}`);
    if (c !== 3) throw new ModelMismatchError(`model "${this.pack.name}" takes 3 channels, got ${c}`);
    const m = this.pack.multiple;
    if (!this.pack.fully_convolutional) {
      const r = this.pack.resolution;
      if (h !== r || w !== r) throw new ModelMismatchError(`model "${this.pack.name}" runs only at ${r}×${r}, got ${w}×${h}`);
    } else if (h % m !== 0 || w % m !== 0) {
      throw new ModelMismatchError(`model "${this.pack.name}" needs sizes that are multiples of ${m}, got ${w}×${h} (pad first)`);
    }
  }

  async predict(x: Float32Array, shape: Shape4, t: Float32Array): Promise<Float32Array> {
    this.checkInput(x, shape, t);
    const { pack, schedule } = this;
    const xt = new this.Tensor('float32', x, shape);
    const tt = new this.Tensor('float32', networkTime(schedule, pack.time_input, t), [shape[0]]);
    let result: Record<string, TensorLike>;
    const start = now();
    try {
      result = await this.session.run({ [pack.inputs.x]: xt, [pack.inputs.t]: tt });
    } catch (e) {
      if (this.opts.wrapError) throw this.opts.wrapError(e);
      const msg = e instanceof Error ? e.message : String(e);
      throw new Error(`model "${pack.name}" failed on input ${dimsStr(shape)}: ${msg.split('\n')[0]}`, { cause: e });
    } finally {
      xt.dispose?.();
      tt.dispose?.();
    }
    this.runMs += now() - start;
    const out = result[pack.outputs.out];
    try {
      if (!out) throw new ModelMismatchError(`model returned no output "${pack.outputs.out}" (got ${list(Object.keys(result))})`);
      if (out.dims.length !== 4 || out.dims.some((d, i) => d !== shape[i])) {
        throw new ModelMismatchError(`model output "${pack.outputs.out}" has shape ${dimsStr(out.dims)}, expected ${dimsStr(shape)}`);
      }
      // (a tag check, not instanceof: the array may come from another realm, e.g. a native addon)
      if (out.type !== 'float32' || Object.prototype.toString.call(out.data) !== '[object Float32Array]') {
        throw new ModelMismatchError(`model output "${pack.outputs.out}" is ${out.type}, expected float32 on the CPU`);
      }
      // A 'cpu' output's array is the caller's to keep: onnxruntime-node and -web make a new one
      // per run and dispose only drops the tensor's reference (test/model/node.test.ts checks
      // this against onnxruntime-node). Any other location may be freed or reused on dispose, so
      // it is copied. Not copying saves a full-image copy and its garbage on every call.
      const data = out.location === 'cpu' ? (out.data as Float32Array) : new Float32Array(out.data as Float32Array);
      const bad = firstNonFinite(data);
      if (bad >= 0) {
        const item = Math.floor(bad / (data.length / shape[0]));
        const err = new ModelOutputError(
          `the model "${pack.name}" returned NaN/Inf values at t=${t[item].toFixed(3)} (output "${pack.outputs.out}", value ${data[bad]}): the pack is broken or overflowed; try another model`,
        );
        throw this.opts.wrapError ? this.opts.wrapError(err) : err;
      }
      return adaptOutput(schedule, pack.prediction, x, data, t);
    } finally {
      for (const v of Object.values(result)) v.dispose?.();
    }
  }
}
