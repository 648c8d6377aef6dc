// ONNX sessions of a latent pack seen through their own metadata: names, element types and
// static dimensions come from `inputMetadata` / `outputMetadata` (onnxruntime 1.30), tensors are
// built in the type each input declares and outputs are read back as float32.
import { ModelOutputError, firstNonFinite } from '../onnx-denoiser';
import { fromHalfArray, toHalfArray } from './fp16';

/** The element types a latent pack's tensors use. */
export type ElemType = 'float32' | 'float16' | 'int32' | 'int64';

export interface TensorMeta {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: ReadonlyArray<number | string>;
}

export interface AnyTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
  readonly type: string;
  dispose?(): void;
}

/** `new ort.Tensor(type, data, dims)` of either onnxruntime package. */
export type AnyTensorCtor = new (type: ElemType, data: Float32Array | Uint16Array | Int32Array | BigInt64Array, dims: readonly number[]) => AnyTensor;

/** The part of an InferenceSession a latent pack uses. */
export interface PartSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly TensorMeta[];
  readonly outputMetadata: readonly TensorMeta[];
  run(feeds: Record<string, AnyTensor>): Promise<Record<string, AnyTensor>>;
  release(): Promise<void>;
}

/** A graph that does not match what the pipeline needs (names, types, shapes). */
export class PartMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PartMismatchError';
  }
}

/** One input or output as the graph declares it. */
export interface Port {
  name: string;
  type: ElemType;
  /** numbers for static dimensions, null for symbolic ones */
  dims: (number | null)[];
}

const ELEM: readonly string[] = ['float32', 'float16', 'int32', 'int64'];

function port(meta: TensorMeta, where: string): Port {
  if (!meta.isTensor || !meta.type || !ELEM.includes(meta.type)) {
    throw new PartMismatchError(`${where}: "${meta.name}" is ${meta.isTensor ? meta.type : 'not a tensor'}; only float32, float16, int32 and int64 tensors are supported`);
  }
  return { name: meta.name, type: meta.type as ElemType, dims: (meta.shape ?? []).map((d) => (typeof d === 'number' && d >= 0 ? d : null)) };
}

/** The session's input `name` (or the first of `names` it has), described; throws naming the file. */
export function findInput(s: PartSession, file: string, ...names: string[]): Port {
  const meta = s.inputMetadata.find((m) => names.includes(m.name));
  if (!meta) throw new PartMismatchError(`${file}: no input named ${names.map((n) => `"${n}"`).join(' or ')} (inputs: ${s.inputNames.join(', ')})`);
  return port(meta, file);
}

export function findOutput(s: PartSession, file: string, ...names: string[]): Port {
  const meta = s.outputMetadata.find((m) => names.includes(m.name));
  if (!meta) throw new PartMismatchError(`${file}: no output named ${names.map((n) => `"${n}"`).join(' or ')} (outputs: ${s.outputNames.join(', ')})`);
  return port(meta, file);
}

export function optionalInput(s: PartSession, file: string, name: string): Port | null {
  const meta = s.inputMetadata.find((m) => m.name === name);
  return meta ? port(meta, file) : null;
}

/** A float tensor in the port's type (float32, or float16 bits). */
export function floatTensor(T: AnyTensorCtor, p: Port, data: Float32Array, dims: readonly number[]): AnyTensor {
  if (p.type === 'float32') return new T('float32', data, dims);
  if (p.type === 'float16') return new T('float16', toHalfArray(data), dims);
  throw new PartMismatchError(`input "${p.name}" is ${p.type}, expected a float tensor`);
}

/** Values in the port's type: integers are truncated toward zero (numpy's astype). */
export function numberTensor(T: AnyTensorCtor, p: Port, values: ArrayLike<number>, dims: readonly number[]): AnyTensor {
  switch (p.type) {
    case 'int64':
      return new T('int64', BigInt64Array.from(Array.from(values, (v) => BigInt(Math.trunc(v)))), dims);
    case 'int32':
      return new T('int32', Int32Array.from(Array.from(values, (v) => Math.trunc(v))), dims);
    case 'float16':
      return new T('float16', toHalfArray(values), dims);
    case 'float32':
      return new T('float32', Float32Array.from(values), dims);
  }
}

/** An output as float32 (a copy: backends may reuse their buffers). */
export function readFloat(t: AnyTensor | undefined, name: string, file: string): Float32Array {
  if (!t) throw new PartMismatchError(`${file}: the model returned no "${name}"`);
  const tag = Object.prototype.toString.call(t.data);
  if (t.type === 'float32' && tag === '[object Float32Array]') return new Float32Array(t.data as Float32Array);
  if (t.type === 'float16' && tag === '[object Uint16Array]') return fromHalfArray(t.data as Uint16Array);
  throw new PartMismatchError(`${file}: output "${name}" is ${t.type} (${tag}), expected float32 or float16 on the CPU`);
}

/** Check `dims` against a port's static dimensions. */
export function checkDims(p: Port, dims: readonly number[], file: string): void {
  if (p.dims.length !== dims.length || p.dims.some((d, i) => d !== null && d !== dims[i])) {
    throw new PartMismatchError(`${file}: input "${p.name}" is declared [${p.dims.map((d) => d ?? '?').join(', ')}], the pipeline feeds [${dims.join(', ')}] (static shapes fix the working size and batch)`);
  }
}

/** Run and dispose the feeds and outputs; returns the named outputs as float32. An output with
 *  NaN or ±Inf is a ModelOutputError naming the file, the output and `call` (e.g. " at timestep
 *  499"): carried on, it would decode to a flat grey image. */
export async function runFloat(s: PartSession, feeds: Record<string, AnyTensor>, outputs: string[], file: string, call = ''): Promise<Float32Array[]> {
  let res: Record<string, AnyTensor>;
  try {
    res = await s.run(feeds);
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new Error(`${file} failed: ${msg}`, { cause: e });
  } finally {
    for (const t of Object.values(feeds)) t.dispose?.();
  }
  try {
    return outputs.map((n) => {
      const values = readFloat(res[n], n, file);
      const bad = firstNonFinite(values);
      if (bad >= 0) throw new ModelOutputError(`${file} returned NaN/Inf values${call} (output "${n}", value ${values[bad]})`);
      return values;
    });
  } finally {
    for (const t of Object.values(res)) t.dispose?.();
  }
}
