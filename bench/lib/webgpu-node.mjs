// onnxruntime-web's WebGPU EP in Node, on whatever adapter Dawn (the `webgpu` package) finds: a
// real GPU on a GPU machine, SwiftShader's Vulkan (a CPU) here. Prints the adapter, per-call UNet
// latency, and a whole masked DDIM edit with the GPU-resident loop (src/ui/runtime/resident.ts)
// against the readback-per-step loop (core's sdedit over a session with CPU outputs, what the
// plugin ran before), then one JSON line.
//
//   node bench/lib/webgpu-node.mjs --build            # here: bundle the TS it needs into
//                                                     #   bench/out/resident.bundle.mjs (esbuild)
//   node bench/lib/webgpu-node.mjs [--quick] [--model DIR] [--json-out FILE]
//        [--sizes 64,256,512] [--batches 1,4] [--edit-size 256] [--edit-steps 20] [--no-edit]
//        [--precision fp32|fp16|both] [--swiftshader] [--liftoff] [--reps R] [--warmup W] [--edit-reps R]
//
// Every precision the pack has (its fp32 UNet and its unet_fp16 copy) is measured unless
// --precision picks one; a model whose ONNX has float16 inputs/outputs is fed float16.
//
// Needs only node_modules/onnxruntime-web (dist/ort.webgpu.mjs + the asyncify wasm) and
// node_modules/webgpu (dist/linux-x64/dawn.node) beside the repo root, plus the bundle made by
// --build (bench/out/ is git-ignored: carry bench/out/resident.bundle.mjs, or bench/out/carry/,
// where --build also copies it when that folder exists; --bundle FILE names another place).
// No TypeScript, npm or esbuild on the GPU machine.
// Vulkan: with no VK_ICD_FILENAMES / VK_DRIVER_FILES set, NVIDIA's ICD is used when its json is at
// the device machine's usual place, else SwiftShader's (Chromium's) when there is no /dev/nvidia0.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stats } from './stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILT = join(root, 'bench/out/resident.bundle.mjs');
// the device machine gets bench/out/carry (bench/gpu-carry.mjs); --build puts a copy there too
const CARRIED = join(root, 'bench/out/carry/resident.bundle.mjs');
const argv = process.argv.slice(2);
const has = (n) => argv.includes(n);
const opt = (n, d) => (has(n) && argv[argv.indexOf(n) + 1] !== undefined ? argv[argv.indexOf(n) + 1] : d);
const list = (n, d) => opt(n, d).split(',').map(Number).filter((v) => v > 0);

// ---- --build: bundle the resident loop, core and the pack parser into one plain ESM file -------
if (has('--build')) {
  const esbuild = await import('esbuild');
  mkdirSync(dirname(BUILT), { recursive: true });
  await esbuild.build({
    stdin: {
      contents: [
        "export { ResidentSampler, toHalf } from './src/ui/runtime/resident.ts';",
        "export { sdedit } from './src/core/index.ts';",
        "export { parsePack, scheduleFromPack, unetFile, unetFp16File } from './src/model/pack.ts';",
        "export { networkTime } from './src/model/adapter.ts';",
      ].join('\n'),
      resolveDir: root,
      sourcefile: 'resident-entry.ts',
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    outfile: BUILT,
    logLevel: 'warning',
  });
  console.log(`webgpu-node: wrote ${BUILT}`);
  if (existsSync(dirname(CARRIED))) {
    copyFileSync(BUILT, CARRIED);
    console.log(`webgpu-node: and ${CARRIED}`);
  }
  if (!has('--run')) process.exit(0);
}
const BUNDLE = [opt('--bundle', ''), BUILT, CARRIED].find((f) => f && existsSync(f));
if (!BUNDLE) {
  console.error(`webgpu-node: ${BUILT} is missing: run \`node bench/lib/webgpu-node.mjs --build\` where esbuild is installed`);
  process.exit(2);
}

// ---- WebGPU in Node (bench/lib/dawn.mjs: Vulkan ICD choice, Dawn, the shared-memory copy) ------
const dawn = await import(pathToFileURL(join(root, 'bench/lib/dawn.mjs')).href);
if (has('--swiftshader') && !process.env.VK_ICD_FILENAMES) process.env.VK_ICD_FILENAMES = dawn.SWIFTSHADER_ICD;

const started = performance.now();
const result = { bench: 'webgpu-node', node: process.version, adapter: null, rows: [] };
const out = opt('--json-out', null);
const finish = (code = 0) => {
  result.totalS = +((performance.now() - started) / 1000).toFixed(1);
  if (out) writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result));
  process.exit(code);
};

let adapter;
try {
  const got = await dawn.installWebGPU();
  adapter = got.rawAdapter;
  result.dawnFlags = got.dawnFlags;
} catch (e) {
  result.error = String(e?.message ?? e);
  console.log(`webgpu-node: SKIP: ${result.error} (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? ''} VK_DRIVER_FILES=${process.env.VK_DRIVER_FILES ?? ''})`);
  finish(0);
}
{
  const i = adapter.info ?? {};
  result.adapter = {
    vendor: i.vendor,
    architecture: i.architecture,
    device: i.device,
    description: i.description,
    isFallbackAdapter: adapter.isFallbackAdapter ?? i.isFallbackAdapter ?? null,
    f16: adapter.features.has('shader-f16'),
  };
  const cpu = /swiftshader|llvmpipe|lavapipe/i.test(`${i.description} ${i.device} ${i.architecture}`) || result.adapter.isFallbackAdapter === true;
  result.adapter.cpuFallback = cpu;
  console.log(`webgpu-node: adapter ${JSON.stringify(result.adapter)}${cpu ? '  (a CPU rasteriser: not a GPU figure)' : ''}`);
  // V8 tiers ORT's 26 MB wasm up with TurboFan in the background; on a busy 2-core machine that
  // stalled the event loop for minutes. On a CPU rasteriser (or with --liftoff) keep the baseline
  // compiler only: the WebGPU EP's wasm only dispatches kernels. Set before the wasm compiles.
  result.wasmTier = cpu || has('--liftoff') ? 'liftoff-only' : 'tier-up';
  if (result.wasmTier === 'liftoff-only') v8.setFlagsFromString('--liftoff-only');
}

const B = await import(pathToFileURL(BUNDLE).href);
const ort = await dawn.loadOrtWebGPU();

// ---- the model pack ------------------------------------------------------------------------------
const dir = resolve(root, opt('--model', 'models/default'));
const pack = B.parsePack(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')));
const schedule = B.scheduleFromPack(pack);
// the pack's fp32 UNet, and its fp16 copy (role unet_fp16) when it has one
const wanted = opt('--precision', 'both');
const variants = [];
if (wanted !== 'fp16') variants.push({ precision: 'fp32', file: B.unetFile(pack) });
const f16 = B.unetFp16File(pack);
if (f16 && wanted !== 'fp32') variants.push({ precision: 'fp16', file: f16 });
result.model = { dir: opt('--model', 'models/default'), files: variants.map((v) => ({ precision: v.precision, name: v.file.name, bytes: v.file.bytes })) };
result.edits = [];

const fmt = (s) => `${s.median.toFixed(1)} ms (${s.min.toFixed(1)}–${s.max.toFixed(1)}, ${s.reps} runs)`;
const errText = (e) => String(e?.message ?? e).split('\n')[0].slice(0, 300);

const fromHalf = (h) => {
  const outF = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const v = h[i];
    const sg = v & 0x8000 ? -1 : 1;
    const e = (v >> 10) & 0x1f;
    const m = v & 0x3ff;
    outF[i] = e === 0 ? sg * m * 2 ** -24 : e === 31 ? (m ? NaN : sg * Infinity) : sg * (1 + m / 1024) * 2 ** (e - 15);
  }
  return outF;
};
const asF32 = (o) => (o.type === 'float16' ? fromHalf(o.data instanceof Uint16Array ? o.data : new Uint16Array(o.data.buffer, o.data.byteOffset, o.data.length)) : new Float32Array(o.data));

const quick = has('--quick');
const sizes = list('--sizes', quick ? '64,256' : '64,256,512');
const batches = list('--batches', quick ? '1' : '1,4');
const repsFor = (px) => Number(opt('--reps', px <= 64 * 64 * 4 ? 10 : px <= 256 * 256 * 4 ? 5 : 3));
const warmup = Number(opt('--warmup', 2));
const tNet = B.networkTime(schedule, pack.time_input, new Float32Array([0.5]))[0];

async function measure({ precision, file }) {
  const tag = `[${precision}]`;
  const bytes = new Uint8Array(readFileSync(join(dir, file.name)));
  let session;
  try {
    const t0 = performance.now();
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
    result.createMs = { ...result.createMs, [precision]: +(performance.now() - t0).toFixed(1) };
  } catch (e) {
    result.rows.push({ precision, error: `session: ${errText(e)}` });
    console.log(`webgpu-node: ${tag} ${file.name}: the session could not start: ${errText(e)}`);
    return;
  }
  const typeOf = (name) => session.inputMetadata?.find((m) => m.name === name)?.type ?? 'float32';
  const xType = typeOf(pack.inputs.x);
  const tType = typeOf(pack.inputs.t);
  const tensor = (type, f32, dims) => (type === 'float16' ? new ort.Tensor('float16', B.toHalf(f32), dims) : new ort.Tensor('float32', f32, dims));
  console.log(`webgpu-node: ${tag} ${result.model.dir}/${file.name} (${(bytes.length / 1048576).toFixed(2)} MB, x ${xType}, t ${tType}), session ${result.createMs[precision]} ms`);

  // ---- per call (CPU in, CPU out: what one network call costs the readback loop) ----
  for (const size of sizes) {
    for (const n of batches) {
      const x = new Float32Array(n * 3 * size * size);
      for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.001) * 0.8;
      const feeds = { [pack.inputs.x]: tensor(xType, x, [n, 3, size, size]), [pack.inputs.t]: tensor(tType, new Float32Array(n).fill(tNet), [n]) };
      const times = [];
      try {
        for (let i = 0; i < warmup + repsFor(n * size * size); i++) {
          const t0 = performance.now();
          const r = await session.run(feeds);
          const o = r[pack.outputs.out];
          if (o.data.length !== x.length) throw new Error(`output has ${o.data.length} values`);
          if (i >= warmup) times.push(performance.now() - t0);
        }
        const s = stats(times);
        result.rows.push({ precision, io: xType, size, n, ...s });
        console.log(`webgpu-node: ${tag} UNet ${n} × ${size}²  ${fmt(s)}`);
      } catch (e) {
        result.rows.push({ precision, size, n, error: errText(e) });
        console.log(`webgpu-node: ${tag} UNet ${n} × ${size}² failed: ${errText(e)}`);
      }
    }
  }

  // ---- a whole masked DDIM edit: GPU-resident vs readback per step ----
  if (!has('--no-edit')) {
    const size = Number(opt('--edit-size', 256));
    const steps = Number(opt('--edit-steps', 20));
    const editReps = Number(opt('--edit-reps', 3));
    const HW = size * size;
    const guide = new Float32Array(3 * HW);
    for (let c = 0; c < 3; c++) for (let p = 0; p < HW; p++) guide[c * HW + p] = Math.sin((p % size) * 0.07 + c) * Math.cos(Math.floor(p / size) * 0.05) * 0.8;
    const mask = new Float32Array(HW);
    for (let p = 0; p < HW; p++) mask[p] = p % size < size / 2 ? 1 : 0;
    const edit = { precision, size, steps, sampler: 'ddim', t0: 0.5, mask: 'left half' };
    result.edits.push(edit);
    // readback per step: core's loop over the plain session (x uploaded, ε read back every call)
    const denoiser = {
      kind: 'eps',
      async predict(x, shape, t) {
        const r = await session.run({ [pack.inputs.x]: tensor(xType, x, shape), [pack.inputs.t]: tensor(tType, B.networkTime(schedule, pack.time_input, t), [shape[0]]) });
        return asF32(r[pack.outputs.out]);
      },
    };
    let resident;
    try {
      const t0 = performance.now();
      resident = await B.ResidentSampler.create(ort, bytes, pack, schedule, { where: 'gpu' });
      await resident.warmUp({ sampler: 'ddim', mask, eta: 0 });
      edit.residentCreateMs = +(performance.now() - t0).toFixed(1);
    } catch (e) {
      edit.error = `resident: ${errText(e)}`;
    }
    if (resident) {
      try {
        const job = { guide, shape: [3, size, size], mask, sampler: 'ddim', t0: 0.5, steps, repeats: 1, seed: 1, batch: 1, previewEvery: 0 };
        const opts = { sampler: 'ddim', t0: 0.5, steps, repeats: 1, mask, seed: 1, batch: 1 };
        const a = [];
        const b = [];
        let outR;
        let outC;
        // one warm-up each, then alternate so that drift hits both alike
        for (let i = 0; i <= editReps; i++) {
          let t0 = performance.now();
          const r = await resident.run(job, null);
          if (i > 0) a.push(performance.now() - t0);
          outR = r.out;
          edit.readbackBytes = r.readbackBytes;
          t0 = performance.now();
          outC = await B.sdedit(denoiser, guide, [3, size, size], schedule, opts);
          if (i > 0) b.push(performance.now() - t0);
        }
        let maxDiff = 0;
        for (let i = 0; i < outR.length; i++) maxDiff = Math.max(maxDiff, Math.abs(outR[i] - outC[i]));
        edit.resident = stats(a);
        edit.readback = stats(b);
        edit.ratio = +(edit.readback.median / edit.resident.median).toFixed(3);
        edit.maxAbsDiff = +maxDiff.toExponential(2);
        console.log(
          `webgpu-node: ${tag} ${size}² ${steps}-step masked DDIM edit: resident ${fmt(edit.resident)}, readback per step ${fmt(edit.readback)}, ` +
            `readback/resident ${edit.ratio}×, max |Δ| ${edit.maxAbsDiff}`,
        );
      } catch (e) {
        edit.error = `edit: ${errText(e)}`;
      }
      await resident.release();
    }
    if (edit.error) console.log(`webgpu-node: ${tag} edit failed: ${edit.error}`);
  }
  await session.release();
}

for (const v of variants) await measure(v);
const fp32Edit = result.edits.find((e) => e.precision === 'fp32' && e.ratio);
if (fp32Edit) result.resident_speedup = fp32Edit.ratio;
finish(0);
