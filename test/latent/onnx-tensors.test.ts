// The weight scan of ONNX graphs: checked against the fixture packs (numbers from the onnx Python
// package: dims × element size of every initializer and Constant tensor), against the project's
// own protobuf writer, and against hand-built graphs for float16 weights, external data,
// Constant nodes and If subgraphs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OnnxReadError, onnxTensorStats } from '../../src/model/latent/onnx-tensors';
import { packWeights } from '../../src/model/latent/pack-weights';
import { readLatentPack } from '../../src/model/latent/folder';
import { filesReader } from '../../src/model/latent/web';
import { encodeModel } from '../../src/ui/runtime/update-graph';
import { LatentPackError } from '../../src/model/latent/folder';
import { readdirSync, statSync } from 'node:fs';

const PACKS = join(__dirname, '..', 'fixtures', 'latent-packs');

/** A protobuf writer for the test graphs (wire types 0 and 2 only). */
class W {
  private out: number[] = [];
  private varint(v: number): void {
    let n = v;
    while (n >= 0x80) {
      this.out.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.out.push(n);
  }
  int(field: number, v: number): this {
    this.varint(field * 8);
    this.varint(v);
    return this;
  }
  bytes(field: number, b: Uint8Array | number[]): this {
    this.varint(field * 8 + 2);
    this.varint(b.length);
    this.out.push(...b);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, [...new TextEncoder().encode(s)]);
  }
  msg(field: number, m: W): this {
    return this.bytes(field, m.done());
  }
  done(): number[] {
    return this.out;
  }
}

const tensor = (name: string, type: number, dims: number[], payload: 'raw' | 'external' | 'packed-dims'): W => {
  const t = new W();
  if (payload === 'packed-dims') {
    const d = new W();
    for (const v of dims) (d as unknown as { varint(v: number): void }).varint(v);
    t.bytes(1, d.done());
  } else for (const v of dims) t.int(1, v);
  t.int(2, type).str(8, name);
  const n = dims.reduce((a, b) => a * b, 1) * (type === 10 ? 2 : 4);
  if (payload === 'external') {
    t.msg(13, new W().str(1, 'location').str(2, 'model.onnx_data'));
    t.msg(13, new W().str(1, 'length').str(2, String(n)));
    t.int(14, 1);
  } else t.bytes(9, new Array(Math.min(n, 64)).fill(0)); // the scan sizes tensors from dims, not from the payload
  return t;
};

const model = (graph: W): Uint8Array => Uint8Array.from(new W().int(1, 8).msg(7, graph).done());

describe('onnxTensorStats', () => {
  it('matches the onnx package on the fixture packs', () => {
    const read = (p: string) => onnxTensorStats(readFileSync(join(PACKS, p, 'model.onnx')));
    const unet = read('ortweb-fp32/unet');
    expect(unet).toMatchObject({ count: 7, largest: { name: 'unet_b_8', bytes: 16000 }, float32Bytes: 20580, float16Bytes: 0, float16Io: false });
    expect(read('ortweb-fp32/text_encoder')).toMatchObject({ count: 7, largest: { name: 'tok_emb_4', bytes: 12928 }, float32Bytes: 22784 });
    // weights in unet/model.onnx_data: sized from the graph's dims, the same numbers
    expect(read('external-data/unet')).toMatchObject({ count: 7, largest: { name: 'unet_b_9', bytes: 16000 }, float32Bytes: 20580 });
    // float16 inputs/outputs (cast to float32 inside), float32 weights
    expect(read('webnn-fp16/unet')).toMatchObject({ largest: { bytes: 16000 }, float16Bytes: 0, float16Io: true });
  });

  it('reads the graphs the project writes itself', () => {
    const bytes = encodeModel({
      name: 'g',
      nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
      inputs: [{ name: 'x', type: 'float16', dims: ['N', 3] }],
      outputs: [{ name: 'y', type: 'float32', dims: ['N', 3] }],
      inits: [
        { name: 'w', type: 'float32', dims: [2, 3], values: [1, 2, 3, 4, 5, 6] },
        { name: 'k', type: 'int64', dims: [4], values: [1, 2, 3, 4] },
      ],
    });
    expect(onnxTensorStats(bytes)).toEqual({ count: 2, largest: { name: 'k', bytes: 32 }, float16Bytes: 0, float32Bytes: 24, otherBytes: 32, float16Io: true });
  });

  it('sizes float16, external, packed-dims, Constant and subgraph tensors from their dims', () => {
    const big = tensor('emb', 10, [49408, 1024], 'external'); // SD 2.x's token embedding in fp16: 101 MB
    const constNode = new W().str(4, 'Constant').msg(5, new W().str(1, 'value').msg(5, tensor('c', 1, [1000, 1000], 'raw')).int(20, 4));
    const sub = new W().msg(5, tensor('inner', 1, [3000, 1000], 'packed-dims'));
    const ifNode = new W().msg(5, new W().str(1, 'then_branch').msg(6, sub).int(20, 5)).str(4, 'If');
    const g = new W().msg(1, constNode).msg(1, ifNode).msg(5, big).msg(5, tensor('w16', 10, [10, 10], 'raw'));
    const s = onnxTensorStats(model(g));
    expect(s).toEqual({ count: 4, largest: { name: 'emb', bytes: 49408 * 1024 * 2 }, float16Bytes: 49408 * 1024 * 2 + 200, float32Bytes: 4e6 + 12e6, otherBytes: 0, float16Io: false });
  });

  it('says what is wrong with bytes that are not an ONNX model', () => {
    expect(() => onnxTensorStats(new Uint8Array([0x0f, 1, 2]))).toThrow(OnnxReadError);
    expect(() => onnxTensorStats(Uint8Array.from(new W().int(1, 8).done()))).toThrow(/no graph/);
    expect(() => onnxTensorStats(Uint8Array.from([0x3a, 0x20, 1, 2]))).toThrow(/truncated/);
  });
});

function loadFiles(dir: string, rel = ''): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const e of readdirSync(join(dir, rel))) {
    const r = rel ? `${rel}/${e}` : e;
    if (statSync(join(dir, r)).isDirectory()) for (const [k, v] of loadFiles(dir, r)) out.set(k, v);
    else out.set(r, readFileSync(join(dir, r)));
  }
  return out;
}

describe('packWeights', () => {
  it('gives the largest tensor over all parts, the part sizes and the precision', async () => {
    const files = loadFiles(join(PACKS, 'ortweb-fp32'));
    const info = await readLatentPack(filesReader(files), 'ortweb-fp32');
    const w = packWeights(info, files);
    expect(w.largestTensor).toEqual({ part: 'unet', name: 'unet_b_8', bytes: 16000 });
    expect(w.precision).toBe('fp32');
    expect(w.usesFloat16).toBe(false);
    expect(w.partBytes.unet).toBe(files.get('unet/model.onnx')!.byteLength);
    expect(w.totalBytes).toBe([...files.values()].reduce((n, b) => n + b.byteLength, 0));
  });
  it('a float16-I/O pack is fp16 and needs float16 on WebGPU; external data counts in its part', async () => {
    const f16 = loadFiles(join(PACKS, 'webnn-fp16'));
    const w = packWeights(await readLatentPack(filesReader(f16)), f16);
    expect([w.precision, w.usesFloat16]).toEqual(['fp16', true]);
    const ext = loadFiles(join(PACKS, 'external-data'));
    const we = packWeights(await readLatentPack(filesReader(ext)), ext);
    expect(we.partBytes.unet).toBe(ext.get('unet/model.onnx')!.byteLength + ext.get('unet/model.onnx_data')!.byteLength);
  });
  it('a part that is not ONNX is a LatentPackError naming the file', async () => {
    const files = loadFiles(join(PACKS, 'ortweb-fp32'));
    const info = await readLatentPack(filesReader(files));
    files.set('vae_decoder/model.onnx', new Uint8Array([0x0f, 0, 0]));
    expect(() => packWeights(info, files)).toThrow(LatentPackError);
    expect(() => packWeights(info, files)).toThrow(/vae_decoder\/model.onnx/);
  });
});
