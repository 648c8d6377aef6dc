// Output difference between two ONNX files on the same inputs (onnxruntime-node, 1 thread):
//   node bench/lib/compare.mjs a.onnx b.onnx  → {"max_abs":…, "rel_rms":…, "rms_out":…}
// Inputs: three 64² images (a smooth pattern and two seeded noise images) at t = 50, 250, 700.
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';

const [a, b] = process.argv.slice(2);
const opts = { executionProviders: ['cpu'], intraOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 };
const sa = await ort.InferenceSession.create(readFileSync(a), opts);
const sb = await ort.InferenceSession.create(readFileSync(b), opts);
const n = 3;
const size = 64;
const x = new Float32Array(n * 3 * size * size);
let st = 12345;
for (let i = 0; i < x.length; i++) {
  st = (Math.imul(st, 1664525) + 1013904223) >>> 0;
  x[i] = i < x.length / 3 ? Math.sin(i * 0.01) * 0.8 : (st / 4294967296) * 2 - 1;
}
const feeds = { x: new ort.Tensor('float32', x, [n, 3, size, size]), t: new ort.Tensor('float32', new Float32Array([50, 250, 700]), [n]) };
const oa = (await sa.run(feeds))[sa.outputNames[0]].data;
const ob = (await sb.run(feeds))[sb.outputNames[0]].data;
let maxAbs = 0;
let d2 = 0;
let o2 = 0;
for (let i = 0; i < oa.length; i++) {
  const d = Math.abs(oa[i] - ob[i]);
  if (d > maxAbs) maxAbs = d;
  d2 += d * d;
  o2 += oa[i] * oa[i];
}
process.stdout.write(JSON.stringify({ max_abs: maxAbs, rel_rms: Math.sqrt(d2 / o2), rms_out: Math.sqrt(o2 / oa.length) }) + '\n');
