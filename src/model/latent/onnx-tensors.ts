// What an ONNX graph's weights are, read from the protobuf itself before any session exists:
// every initializer and every Constant node's tensor (subgraphs of If/Loop included), with its
// element type and its size in bytes as dims × element size — exact, and the same whether the
// values sit inside the protobuf (raw_data) or in an external-data file (data_location EXTERNAL:
// only dims, type and the file's offset/length are in the graph). Also whether a graph input or
// output is float16. The walk only reads field headers and skips every payload by its length, so
// a 1.7 GB protobuf costs a few thousand field reads, not a copy.
//
// onnx.proto fields used: ModelProto.graph 7; GraphProto.node 1, initializer 5, input 11,
// output 12; NodeProto.op_type 4, attribute 5; AttributeProto.t 5, g 6, tensors 10, graphs 11;
// TensorProto.dims 1, data_type 2, name 8, external_data 13 (key 1, value 2); ValueInfoProto.type 2;
// TypeProto.tensor_type 1; TypeProto.Tensor.elem_type 1.

/** TensorProto.DataType → bytes per element (STRING and unknown types: 0, sized from the data). */
const ELEMENT_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 14: 8, 15: 16, 16: 2, 17: 1, 18: 1, 19: 1, 20: 1 };
const FLOAT = 1;
const FLOAT16 = 10;

export class OnnxReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxReadError';
  }
}

export interface OnnxTensorStats {
  /** initializers and Constant-node tensors counted */
  count: number;
  /** the largest one: its name and size in bytes (name '' and 0 when there is none) */
  largest: { name: string; bytes: number };
  /** bytes of float16 / float32 / other weights */
  float16Bytes: number;
  float32Bytes: number;
  otherBytes: number;
  /** a graph input or output of the main graph is float16 */
  float16Io: boolean;
}

interface Field {
  field: number;
  wire: number;
  /** varint value (wire 0) */
  value: number;
  /** payload bounds (wire 2) */
  start: number;
  end: number;
}

class Reader {
  pos: number;
  constructor(
    private readonly b: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  private varint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new OnnxReadError('the ONNX file ends inside a field');
      const byte = this.b[this.pos++];
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) return v;
      mul *= 128;
    }
    throw new OnnxReadError('the ONNX file has a malformed number');
  }

  /** The next field, or null at the end. */
  next(): Field | null {
    if (this.pos >= this.end) return null;
    const key = this.varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    const f: Field = { field, wire, value: 0, start: this.pos, end: this.pos };
    if (wire === 0) f.value = this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else if (wire === 2) {
      const len = this.varint();
      f.start = this.pos;
      f.end = this.pos + len;
      this.pos = f.end;
    } else throw new OnnxReadError(`the ONNX file has a field of unsupported wire type ${wire} (not an ONNX protobuf?)`);
    if (this.pos > this.end) throw new OnnxReadError('the ONNX file ends inside a field (truncated?)');
    return f;
  }

  /** Values of a repeated varint field, packed (wire 2) or not (wire 0). */
  varints(f: Field): number[] {
    if (f.wire === 0) return [f.value];
    const r = new Reader(this.b, f.start, f.end);
    const out: number[] = [];
    while (r.pos < r.end) out.push(r.varint());
    return out;
  }
}

const utf8 = new TextDecoder();

interface Walk {
  b: Uint8Array;
  stats: OnnxTensorStats;
}

function tensor(w: Walk, start: number, end: number): void {
  const r = new Reader(w.b, start, end);
  let dims: number[] = [];
  let type = 0;
  let name = '';
  let raw = 0;
  let externalLength = 0;
  for (let f = r.next(); f; f = r.next()) {
    if (f.field === 1) dims = dims.concat(r.varints(f));
    else if (f.field === 2 && f.wire === 0) type = f.value;
    else if (f.field === 8 && f.wire === 2) name = utf8.decode(w.b.subarray(f.start, f.end));
    else if (f.field === 9 && f.wire === 2) raw = f.end - f.start;
    else if (f.field === 13 && f.wire === 2) {
      const e = new Reader(w.b, f.start, f.end);
      let key = '';
      let value = '';
      for (let g = e.next(); g; g = e.next()) {
        if (g.field === 1 && g.wire === 2) key = utf8.decode(w.b.subarray(g.start, g.end));
        else if (g.field === 2 && g.wire === 2) value = utf8.decode(w.b.subarray(g.start, g.end));
      }
      if (key === 'length') externalLength = Number(value) || 0;
    }
  }
  const per = ELEMENT_BYTES[type] ?? 0;
  const elements = dims.reduce((n, d) => n * d, 1);
  const bytes = per > 0 ? elements * per : Math.max(raw, externalLength);
  const s = w.stats;
  s.count++;
  if (bytes > s.largest.bytes) s.largest = { name, bytes };
  if (type === FLOAT16) s.float16Bytes += bytes;
  else if (type === FLOAT) s.float32Bytes += bytes;
  else s.otherBytes += bytes;
}

function attribute(w: Walk, start: number, end: number, constant: boolean): void {
  const r = new Reader(w.b, start, end);
  for (let f = r.next(); f; f = r.next()) {
    if (f.wire !== 2) continue;
    if (f.field === 5 || f.field === 10) {
      if (constant) tensor(w, f.start, f.end);
    } else if (f.field === 6 || f.field === 11) graph(w, f.start, f.end, false);
  }
}

function node(w: Walk, start: number, end: number): void {
  // op_type may come after the attributes in the byte stream: find it first
  const r = new Reader(w.b, start, end);
  let op = '';
  const attrs: [number, number][] = [];
  for (let f = r.next(); f; f = r.next()) {
    if (f.wire !== 2) continue;
    if (f.field === 4) op = utf8.decode(w.b.subarray(f.start, f.end));
    else if (f.field === 5) attrs.push([f.start, f.end]);
  }
  for (const [s, e] of attrs) attribute(w, s, e, op === 'Constant');
}

/** elem_type of a ValueInfoProto's tensor type (0 when it has none). */
function valueInfoElemType(b: Uint8Array, start: number, end: number): number {
  const find = (s: number, e: number, field: number): Field | null => {
    const r = new Reader(b, s, e);
    for (let f = r.next(); f; f = r.next()) if (f.field === field) return f;
    return null;
  };
  const type = find(start, end, 2);
  const tt = type && type.wire === 2 ? find(type.start, type.end, 1) : null;
  const elem = tt && tt.wire === 2 ? find(tt.start, tt.end, 1) : null;
  return elem && elem.wire === 0 ? elem.value : 0;
}

function graph(w: Walk, start: number, end: number, main: boolean): void {
  const r = new Reader(w.b, start, end);
  for (let f = r.next(); f; f = r.next()) {
    if (f.wire !== 2) continue;
    if (f.field === 1) node(w, f.start, f.end);
    else if (f.field === 5) tensor(w, f.start, f.end);
    else if (main && (f.field === 11 || f.field === 12) && valueInfoElemType(w.b, f.start, f.end) === FLOAT16) w.stats.float16Io = true;
  }
}

/** The weights of an ONNX model file (a ModelProto's bytes). Throws OnnxReadError when the
 *  bytes are not an ONNX protobuf. */
export function onnxTensorStats(model: Uint8Array): OnnxTensorStats {
  const w: Walk = { b: model, stats: { count: 0, largest: { name: '', bytes: 0 }, float16Bytes: 0, float32Bytes: 0, otherBytes: 0, float16Io: false } };
  const r = new Reader(model, 0, model.length);
  let seen = false;
  for (let f = r.next(); f; f = r.next()) {
    if (f.field === 7 && f.wire === 2) {
      graph(w, f.start, f.end, true);
      seen = true;
    }
  }
  if (!seen) throw new OnnxReadError('the ONNX file has no graph');
  return w.stats;
}
