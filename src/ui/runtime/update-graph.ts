// The SDEdit update and the mask blend as small ONNX graphs of their own, built here at run time
// (a few hundred bytes of protobuf, no .onnx file to ship or keep in sync), so that on WebGPU the
// sample stays on the GPU between steps: UNet → update graph → UNet → … (see resident.ts).
//
// One graph serves every step: the per-step scalars come in as a small float32 input `coef`,
// split inside the graph. Sizes are symbolic (N, C, H, W), so one graph serves every size too.
// The scalars are core's (src/core/steps.ts for DDPM/DDIM, multistepCoefficients for
// DPM-Solver++(2M), src/model/adapter.ts's epsMap), packed by update-graph-plan.ts; the graph
// only evaluates one affine form that covers them all:
//
//   ε    = out                                      (prediction 'eps')
//        = epsFromSample·x + epsFromOutput·out      (prediction 'v' / 'x0': the adapter's map)
//   x̂0   = (x − sigma·ε)·invAlpha                   (the preview, and DPM's data prediction)
//   x'   = sample·x + network·ε [+ x0·x̂0 + x0Prev·d1] [+ noise·z]
//   x''  = m·x' + (1−m)·(keptSignal·g + keptNoise·z0)   (kept pixels: the guide at the new level,
//                                                        with the repeat's initial noise z0; only
//                                                        when there is a mask)
// DDPM/DDIM use (sample, network, noise); DPM-Solver++(2M) uses (sample, x0, x0Prev, noise) with
// d1 the previous step's x̂0.
//
// The init graph noises the guide at the start of a repeat: x = signal·g + noise·z0.
//
// The sample and all arithmetic stay float32. For a network with float16 I/O the graph takes
// `out` as float16 (Cast in) and also returns x'' as float16 (`x_net`) to feed the network.

// ---- a minimal protobuf writer for onnx.proto --------------------------------------------------

class ProtoWriter {
  private chunks: number[] = [];
  varint(v: number): this {
    // non-negative integers up to 2^53
    let n = v;
    while (n >= 0x80) {
      this.chunks.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.chunks.push(n);
    return this;
  }
  private key(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }
  int(field: number, v: number): this {
    return this.key(field, 0).varint(v);
  }
  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2).varint(b.length);
    for (let i = 0; i < b.length; i++) this.chunks.push(b[i]);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  msg(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.done());
  }
  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(new Float32Array([v]).buffer);
    for (let i = 0; i < 4; i++) this.chunks.push(b[i]);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

/** ONNX TensorProto.DataType */
export const ONNX_TYPE = { float32: 1, int64: 7, float16: 10 } as const;
type DType = keyof typeof ONNX_TYPE;

interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: { name: string; int?: number; ints?: number[] }[];
}

interface ValueSpec {
  name: string;
  type: DType;
  /** numbers are fixed sizes, strings are symbolic */
  dims: (number | string)[];
}

interface InitSpec {
  name: string;
  type: 'float32' | 'int64';
  dims: number[];
  values: number[];
}

function valueInfo(v: ValueSpec): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) shape.msg(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().str(2, d));
  const tensor = new ProtoWriter().int(1, ONNX_TYPE[v.type]).msg(2, shape);
  return new ProtoWriter().str(1, v.name).msg(2, new ProtoWriter().msg(1, tensor));
}

function initializer(t: InitSpec): ProtoWriter {
  const p = new ProtoWriter();
  for (const d of t.dims) p.int(1, d);
  p.int(2, ONNX_TYPE[t.type]);
  p.str(8, t.name);
  const raw =
    t.type === 'float32'
      ? new Uint8Array(new Float32Array(t.values).buffer)
      : new Uint8Array(new BigInt64Array(t.values.map((v) => BigInt(v))).buffer);
  return p.bytes(9, raw);
}

function node(n: NodeSpec, i: number): ProtoWriter {
  const p = new ProtoWriter();
  for (const s of n.inputs) p.str(1, s);
  for (const s of n.outputs) p.str(2, s);
  p.str(3, `${n.op}_${i}`);
  p.str(4, n.op);
  for (const a of n.attrs ?? []) {
    const ap = new ProtoWriter().str(1, a.name);
    if (a.ints) {
      for (const v of a.ints) ap.int(8, v);
      ap.int(20, 7); // INTS
    } else {
      ap.int(3, a.int ?? 0);
      ap.int(20, 2); // INT
    }
    p.msg(5, ap);
  }
  return p;
}

/** Encode a ModelProto (IR 8, opset 17). */
export function encodeModel(g: { name: string; nodes: NodeSpec[]; inputs: ValueSpec[]; outputs: ValueSpec[]; inits: InitSpec[] }): Uint8Array {
  const graph = new ProtoWriter();
  g.nodes.forEach((n, i) => graph.msg(1, node(n, i)));
  graph.str(2, g.name);
  for (const t of g.inits) graph.msg(5, initializer(t));
  for (const v of g.inputs) graph.msg(11, valueInfo(v));
  for (const v of g.outputs) graph.msg(12, valueInfo(v));
  return new ProtoWriter()
    .int(1, 8) // ir_version
    .str(2, 'sdedit-figma')
    .str(3, '1')
    .msg(7, graph)
    .msg(8, new ProtoWriter().str(1, '').int(2, 17))
    .done();
}

// ---- the graphs -------------------------------------------------------------------------------

/** The slots of the step graph's `coef` input (float32, length COEF_LEN). */
export const COEF = {
  sample: 0,
  network: 1,
  x0: 2,
  x0Prev: 3,
  noise: 4,
  invAlpha: 5,
  sigma: 6,
  keptSignal: 7,
  keptNoise: 8,
  epsFromSample: 9,
  epsFromOutput: 10,
} as const;
export const COEF_LEN = 11;

export interface StepGraphOptions {
  /** blend kept pixels (inputs g, z0, m) */
  mask: boolean;
  /** add noise·z (input z) */
  noise: boolean;
  /** DPM-Solver++(2M) terms x0·x̂0 + x0Prev·d1 (input d1) */
  dpm: boolean;
  /** the network's output is not ε: ε = epsFromSample·x + epsFromOutput·out */
  linearEps: boolean;
  /** the network's I/O dtype (the sample itself stays float32) */
  netType: 'float32' | 'float16';
}

const X_DIMS = ['N', 'C', 'H', 'W'];
/** outputs per Split node (each is a storage buffer of its shader; WebGPU guarantees 8 per stage) */
const SPLIT_MAX = 6;

/** Names of the step graph's inputs and outputs. */
export const STEP_IO = { x: 'x', out: 'out', coef: 'coef', z: 'z', d1: 'd1', g: 'g', z0: 'z0', m: 'm', xNext: 'x_next', x0: 'x0', xNet: 'x_net' } as const;

export function stepGraphKey(o: StepGraphOptions): string {
  return `${+o.mask}${+o.noise}${+o.dpm}${+o.linearEps}${o.netType}`;
}

/** The step graph: x, out, coef [, z] [, d1] [, g, z0, m] → x_next, x0 [, x_net]. */
export function buildStepGraph(o: StepGraphOptions): Uint8Array {
  const nodes: NodeSpec[] = [];
  const inputs: ValueSpec[] = [
    { name: STEP_IO.x, type: 'float32', dims: X_DIMS },
    { name: STEP_IO.out, type: o.netType, dims: X_DIMS },
    { name: STEP_IO.coef, type: 'float32', dims: [COEF_LEN] },
  ];
  if (o.noise) inputs.push({ name: STEP_IO.z, type: 'float32', dims: X_DIMS });
  if (o.dpm) inputs.push({ name: STEP_IO.d1, type: 'float32', dims: X_DIMS });
  if (o.mask) {
    inputs.push({ name: STEP_IO.g, type: 'float32', dims: X_DIMS });
    inputs.push({ name: STEP_IO.z0, type: 'float32', dims: X_DIMS });
    inputs.push({ name: STEP_IO.m, type: 'float32', dims: [1, 1, 'H', 'W'] });
  }
  // coef → COEF_LEN scalars in two levels of Split: a shader binds one storage buffer per input
  // and output, and browsers allow as few as 8 per stage (Chromium on SwiftShader: 10).
  const c = Object.keys(COEF).map((k) => `c_${k}`);
  const groups: string[][] = [];
  for (let i = 0; i < c.length; i += SPLIT_MAX) groups.push(c.slice(i, i + SPLIT_MAX));
  const inits: InitSpec[] = [{ name: 'split_groups', type: 'int64', dims: [groups.length], values: groups.map((gr) => gr.length) }];
  nodes.push({ op: 'Split', inputs: [STEP_IO.coef, 'split_groups'], outputs: groups.map((_, i) => `coef_${i}`), attrs: [{ name: 'axis', int: 0 }] });
  groups.forEach((gr, i) => {
    inits.push({ name: `split_ones_${i}`, type: 'int64', dims: [gr.length], values: new Array<number>(gr.length).fill(1) });
    nodes.push({ op: 'Split', inputs: [`coef_${i}`, `split_ones_${i}`], outputs: gr, attrs: [{ name: 'axis', int: 0 }] });
  });
  const k = (name: keyof typeof COEF) => c[COEF[name]];
  let n = 0;
  const op = (type: string, ...args: string[]): string => {
    const out = `t${n++}`;
    nodes.push({ op: type, inputs: args, outputs: [out] });
    return out;
  };
  let out: string = STEP_IO.out;
  if (o.netType === 'float16') {
    out = 'out_f32';
    nodes.push({ op: 'Cast', inputs: [STEP_IO.out], outputs: [out], attrs: [{ name: 'to', int: ONNX_TYPE.float32 }] });
  }
  const eps = o.linearEps ? op('Add', op('Mul', k('epsFromSample'), STEP_IO.x), op('Mul', k('epsFromOutput'), out)) : out;
  // x̂0 = (x − sigma·ε)·invAlpha
  nodes.push({ op: 'Mul', inputs: [op('Sub', STEP_IO.x, op('Mul', k('sigma'), eps)), k('invAlpha')], outputs: [STEP_IO.x0] });
  let acc = op('Add', op('Mul', k('sample'), STEP_IO.x), op('Mul', k('network'), eps));
  if (o.dpm) acc = op('Add', op('Add', acc, op('Mul', k('x0'), STEP_IO.x0)), op('Mul', k('x0Prev'), STEP_IO.d1));
  if (o.noise) acc = op('Add', acc, op('Mul', k('noise'), STEP_IO.z));
  const outputs: ValueSpec[] = [
    { name: STEP_IO.xNext, type: 'float32', dims: X_DIMS },
    { name: STEP_IO.x0, type: 'float32', dims: X_DIMS },
  ];
  if (o.mask) {
    inits.push({ name: 'one', type: 'float32', dims: [], values: [1] });
    const y = op('Add', op('Mul', k('keptSignal'), STEP_IO.g), op('Mul', k('keptNoise'), STEP_IO.z0));
    nodes.push({ op: 'Add', inputs: [op('Mul', STEP_IO.m, acc), op('Mul', op('Sub', 'one', STEP_IO.m), y)], outputs: [STEP_IO.xNext] });
  } else {
    nodes.push({ op: 'Identity', inputs: [acc], outputs: [STEP_IO.xNext] });
  }
  if (o.netType === 'float16') {
    nodes.push({ op: 'Cast', inputs: [STEP_IO.xNext], outputs: [STEP_IO.xNet], attrs: [{ name: 'to', int: ONNX_TYPE.float16 }] });
    outputs.push({ name: STEP_IO.xNet, type: 'float16', dims: X_DIMS });
  }
  return encodeModel({ name: `sdedit_step_${stepGraphKey(o)}`, nodes, inputs, outputs, inits });
}

/** Names of the init graph's inputs and outputs. */
export const INIT_IO = { g: 'g', z0: 'z0', coef: 'coef', x: 'x', xNet: 'x_net' } as const;

/** The init graph: g, z0, coef [signal, noise] → x = signal·g + noise·z0 [, x_net]. */
export function buildInitGraph(netType: 'float32' | 'float16'): Uint8Array {
  const nodes: NodeSpec[] = [
    { op: 'Split', inputs: [INIT_IO.coef, 'split_sizes'], outputs: ['signal', 'noise'], attrs: [{ name: 'axis', int: 0 }] },
    { op: 'Mul', inputs: ['signal', INIT_IO.g], outputs: ['a'] },
    { op: 'Mul', inputs: ['noise', INIT_IO.z0], outputs: ['b'] },
    { op: 'Add', inputs: ['a', 'b'], outputs: [INIT_IO.x] },
  ];
  const outputs: ValueSpec[] = [{ name: INIT_IO.x, type: 'float32', dims: X_DIMS }];
  if (netType === 'float16') {
    nodes.push({ op: 'Cast', inputs: [INIT_IO.x], outputs: [INIT_IO.xNet], attrs: [{ name: 'to', int: ONNX_TYPE.float16 }] });
    outputs.push({ name: INIT_IO.xNet, type: 'float16', dims: X_DIMS });
  }
  return encodeModel({
    name: `sdedit_init_${netType}`,
    nodes,
    inputs: [
      { name: INIT_IO.g, type: 'float32', dims: X_DIMS },
      { name: INIT_IO.z0, type: 'float32', dims: X_DIMS },
      { name: INIT_IO.coef, type: 'float32', dims: [2] },
    ],
    outputs,
    inits: [{ name: 'split_sizes', type: 'int64', dims: [2], values: [1, 1] }],
  });
}
