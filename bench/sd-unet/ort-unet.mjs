// One pack's UNet alone on onnxruntime-node CPU, with the session options the CLI uses
// (src/model/latent/node.ts): load time, then per-call times at a latent size; one JSON line.
//
//   node bench/sd-unet/ort-unet.mjs --pack DIR [--latent 64] [--threads 2] [--warmup 1] [--calls 3] [--check]
//
// --check first runs the inputs of DIR/check.json (written by sd_unet.py export) and compares the
// output with PyTorch's: the export is the same network, not only the same shape.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { benchArgs } from '../lib/args.mjs';

const argv = process.argv.slice(2);
const { opt } = benchArgs(argv);
const pack = opt('--pack', null);
if (!pack) throw new Error('--pack DIR is required');
const latent = Number(opt('--latent', '64'));
const threads = Number(opt('--threads', '2'));
const warmup = Number(opt('--warmup', '1'));
const calls = Number(opt('--calls', '3'));

const file = join(pack, 'unet', 'model.onnx');
let t = performance.now();
const session = await ort.InferenceSession.create(file, {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  interOpNumThreads: 1,
  intraOpNumThreads: threads,
});
const loadMs = performance.now() - t;
const hidden = JSON.parse(readFileSync(join(pack, 'unet', 'config.json'), 'utf8')).cross_attention_dim;

const feeds = (side, sample, ehs, timestep) => ({
  sample: new ort.Tensor('float32', sample, [1, 4, side, side]),
  timestep: new ort.Tensor('int64', BigInt64Array.from([BigInt(timestep)]), [1]),
  encoder_hidden_states: new ort.Tensor('float32', ehs, [1, 77, hidden]),
});

let check = null;
const checkFile = join(pack, 'check.json');
if (argv.includes('--check')) {
  if (!existsSync(checkFile)) throw new Error(`${checkFile} is missing (sd_unet.py export writes it)`);
  const c = JSON.parse(readFileSync(checkFile, 'utf8'));
  const res = await session.run(feeds(c.latent, Float32Array.from(c.sample), Float32Array.from(c.encoder_hidden_states), c.timestep));
  const got = res.out_sample.data;
  let maxDiff = 0;
  let sq = 0;
  for (let i = 0; i < got.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - c.out_sample[i]));
    sq += c.out_sample[i] ** 2;
  }
  const rms = Math.sqrt(sq / got.length);
  check = { latent: c.latent, max_abs_diff: maxDiff, reference_rms: rms, relative: maxDiff / rms, shape: res.out_sample.dims };
  if (!(maxDiff / rms < 1e-3)) throw new Error(`ONNX output differs from PyTorch's: ${JSON.stringify(check)}`);
}

// Inputs of unit size, as the CLI feeds them (x/√(σ²+1) and a text encoding).
let seed = 12345;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648 - 0.5;
};
const sample = Float32Array.from({ length: 4 * latent * latent }, () => 2 * rand());
const ehs = Float32Array.from({ length: 77 * hidden }, () => 2 * rand());
const times = [];
let out = null;
for (let i = 0; i < warmup + calls; i++) {
  t = performance.now();
  out = (await session.run(feeds(latent, sample, ehs, 499))).out_sample;
  if (i >= warmup) times.push(Math.round((performance.now() - t) * 10) / 10);
}
if (!out.data.every(Number.isFinite)) throw new Error('non-finite out_sample');
console.log(JSON.stringify({ runtime: 'onnxruntime-node-cpu', file, latent, threads, load_ms: Math.round(loadMs), warmup, calls_ms: times, out_dims: out.dims, check }));
