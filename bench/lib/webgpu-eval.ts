// The evaluation harness (src/cli/eval: stroke guides of held-out scenes → SDEdit → L2 to the
// guide, KID to other real scenes) run on onnxruntime-web's WebGPU EP in Node (Dawn), once with
// the pack's fp32 UNet and once with its fp16 copy, same guides and seeds. This is how the fp16
// variant's quality is measured against fp32: it needs a GPU with `shader-f16` (the device
// machine); SwiftShader here has none, so here the fp16 pass reports that and only fp32 runs.
//
//   node bench/lib/webgpu-eval.mjs [--model DIR] [--size 256] [--steps 20] [--t0 0.3,0.5,0.7]
//        [--guides 8] [--precisions fp32,fp16] [--json-out F]
//
// bench/lib/webgpu-eval.mjs is the esbuild bundle of this file (built by `node bench/gpu-carry.mjs`
// or `node bench/lib/build-webgpu-eval.mjs`), so the GPU machine needs no TypeScript tooling.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseEvalArgs } from '../../src/cli/eval/main';
import { evaluate, type EvalReport } from '../../src/cli/eval/run';
import { parsePack, scheduleFromPack, unetFile, unetFp16File, type ModelPack } from '../../src/model/pack';
import { createWebSession, type WebOrt } from '../../src/model/web';
import type { LoadedPack } from '../../src/model/node';

interface Dawn {
  installWebGPU(): Promise<{ adapter: Record<string, string>; features: string[]; dawnFlags: string[] }>;
  loadOrtWebGPU(): Promise<unknown>;
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
}

async function loaded(ort: WebOrt, pack: ModelPack, dir: string, bytes: Uint8Array, fp16: Uint8Array | undefined): Promise<{ lp: LoadedPack; precision: string; backend: string; note?: string }> {
  const web = await createWebSession(ort, bytes, { preferWebGPU: true, numThreads: 1, fp16ModelBytes: fp16 });
  const denoiser = web.denoiser(pack);
  const lp = {
    dir,
    pack,
    schedule: scheduleFromPack(pack),
    denoiser,
    session: web.session,
    modelBytes: bytes,
    networkMs: () => denoiser.networkMs,
    release: () => web.release(),
  } as unknown as LoadedPack;
  return { lp, precision: web.precision, backend: web.backend, note: web.fp16FallbackReason ?? web.fallbackReason };
}

async function main(): Promise<void> {
  const root = process.cwd();
  const dawn = (await import(path.join(root, 'bench/lib/dawn.mjs'))) as Dawn;
  const { adapter, features, dawnFlags } = await dawn.installWebGPU();
  const ort = (await dawn.loadOrtWebGPU()) as WebOrt;
  const dir = path.resolve(arg('model', 'models/default'));
  const pack = parsePack(readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const fp32 = new Uint8Array(readFileSync(path.join(dir, unetFile(pack).name)));
  const f16Entry = unetFp16File(pack);
  const fp16 = f16Entry ? new Uint8Array(readFileSync(path.join(dir, f16Entry.name))) : undefined;
  // the evaluation's own defaults and checks (src/cli/eval/main.ts), DDIM only, no edits sheet
  const size = Number(arg('size', '256'));
  const steps = Number(arg('steps', '20'));
  const t0s = arg('t0', '0.3,0.5,0.7').split(',').map(Number);
  const guides = Number(arg('guides', '8'));
  const parsed = parseEvalArgs(['--heldout', path.resolve(arg('heldout', 'models/eval/heldout')), '--size', String(size), '--steps', String(steps), '--t0', t0s.join(','), '--scenes', String(guides), '--ddpm', 'none', '--batch', '1']);
  const cfg = { ...parsed.cfg, edits: false };
  const log = (s: string) => process.stderr.write(s + '\n');
  log(`webgpu-eval: adapter ${JSON.stringify(adapter)}; shader-f16 ${features.includes('shader-f16')}; Dawn flags ${JSON.stringify(dawnFlags)}`);
  const runs: { precision: string; backend: string; note?: string; report: EvalReport; wallMs: number }[] = [];
  // --precisions fp16: only the fp16 pass (its fp32 twin is deterministic: same guides, seeds, DDIM)
  const wanted = arg('precisions', 'fp32,fp16').split(',');
  for (const want of (['fp32', 'fp16'] as const).filter((p) => wanted.includes(p))) {
    if (want === 'fp16' && !fp16) {
      log('webgpu-eval: the pack has no fp16 file');
      break;
    }
    const l = await loaded(ort, pack, dir, fp32, want === 'fp16' ? fp16 : undefined);
    if (want === 'fp16' && l.precision !== 'fp16') {
      log(`webgpu-eval: fp16 not run: ${l.note ?? 'the adapter has no shader-f16'}`);
      await l.lp.release();
      break;
    }
    const t = performance.now();
    const report = await evaluate(l.lp, { ...cfg, log });
    runs.push({ precision: l.precision, backend: l.backend, note: l.note, report, wallMs: performance.now() - t });
    await l.lp.release();
  }
  const rows = runs.flatMap((r) =>
    r.report.rows.filter((x) => x.method === 'sdedit').map((x) => ({ precision: r.precision, t0: x.t0, l2: x.l2_mean, kid: x.kid, n: x.n })),
  );
  const table = ['| precision | t0 | L2 to guide | KID |', '| --- | --- | --- | --- |', ...rows.map((r) => `| ${r.precision} | ${r.t0} | ${r.l2.toFixed(3)} | ${r.kid.toFixed(3)} |`)];
  const delta = t0s.map((t0) => {
    const a = rows.find((r) => r.precision === 'fp32' && r.t0 === t0);
    const b = rows.find((r) => r.precision === 'fp16' && r.t0 === t0);
    return a && b ? { t0, l2_rel: b.l2 / a.l2 - 1, kid_rel: b.kid / a.kid - 1 } : null;
  });
  console.log(table.join('\n'));
  const summary = {
    adapter,
    shader_f16: features.includes('shader-f16'),
    dawn_flags: dawnFlags,
    size,
    steps,
    guides,
    runs: runs.map((r) => ({ precision: r.precision, backend: r.backend, note: r.note, wall_ms: Math.round(r.wallMs), timing: r.report.timing })),
    rows,
    fp16_vs_fp32: delta,
  };
  const out = arg('json-out', '');
  if (out) writeFileSync(out, JSON.stringify(summary, null, 2) + '\n');
  console.log(JSON.stringify(summary));
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(`webgpu-eval: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
