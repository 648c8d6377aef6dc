// Runs an exported ONNX UNet on onnxruntime-node and compares it with torch's output:
//   node models/train/v2/ort_check.mjs model.onnx io.json
// io.json: { n, h, w, t: [..], x: "<path of float32 LE x>", eps: "<path of float32 LE torch eps>" }
// Prints {"max_abs": …, "rms_ref": …} and exits 1 when the runtime fails.
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';

const [modelPath, ioPath] = process.argv.slice(2);
const io = JSON.parse(readFileSync(ioPath, 'utf8'));
const f32 = (p) => {
  const b = readFileSync(p);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const session = await ort.InferenceSession.create(readFileSync(modelPath), { executionProviders: ['cpu'], intraOpNumThreads: 1, logSeverityLevel: 3 });
const feeds = {
  x: new ort.Tensor('float32', f32(io.x), [io.n, 3, io.h, io.w]),
  t: new ort.Tensor('float32', new Float32Array(io.t), [io.n]),
};
const got = (await session.run(feeds))[session.outputNames[0]].data;
const ref = f32(io.eps);
if (got.length !== ref.length) {
  process.stderr.write(`output has ${got.length} values, torch ${ref.length}\n`);
  process.exit(1);
}
let maxAbs = 0;
let r2 = 0;
for (let i = 0; i < ref.length; i++) {
  maxAbs = Math.max(maxAbs, Math.abs(got[i] - ref[i]));
  r2 += ref[i] * ref[i];
}
process.stdout.write(JSON.stringify({ max_abs: maxAbs, rms_ref: Math.sqrt(r2 / ref.length) }) + '\n');
