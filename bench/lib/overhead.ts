// Sampler overhead: everything in a whole edit except the network calls (PNG decode of guide and
// mask, resize, RGBA→CHW, noising, sampler updates, mask re-noising, the x̂0 previews the UI asks
// for, the denoiser's tensor wrapping / output copy / adapter, CHW→RGBA, PNG encode), as a share
// of the edit. Two denoisers: a zero-cost one (returns a cached zero array: the edit is then
// nothing but overhead) and the real onnxruntime-node session (overhead = total − session.run).
// The zero-cost edits also report this process's CPU ms (the median), steadier than wall time
// when other work shares the machine.
//
// Bundled by bench/run.mjs to bench/out/overhead.cjs and run as
//   node bench/out/overhead.cjs '{"model": "models/default", "size": 256, "threads": 1, ...}'
// (any sampler name sdedit() takes: ddpm, ddim, dpmpp2m, dpmpp2m-sde; "zeroOnly": true skips the
// real-network edit). Prints one JSON line.
import { readFileSync } from 'node:fs';
import type { Denoiser, Shape4 } from '../../src/core';
import { loadPackFromDir } from '../../src/model/node';
import { cpuMs, gradientPng, rectMaskPng, timedEdit, timedEditParts, ZeroDenoiser, type EditSetup } from './edit-timing';

interface Config {
  model: string;
  /** a guide PNG; null = a synthetic 256² gradient */
  guide: string | null;
  size: number;
  threads: number;
  t0: number;
  /** [sampler, steps] pairs */
  runs: [string, number][];
  reps: number;
  /** only the zero-cost-denoiser edits (no real network run) */
  zeroOnly?: boolean;
  /** real-network edits (default 1); with more, the row reports the edit with the median sampler
   *  time and the min and max of that time (one edit's reading varies by ±30% on a shared machine) */
  realEdits?: number;
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2]) as Config;
  const loaded = await loadPackFromDir(cfg.model, { threads: cfg.threads });
  const setup: EditSetup = { schedule: loaded.schedule, guidePng: cfg.guide ? readFileSync(cfg.guide) : gradientPng(256, 256), maskPng: rectMaskPng(256, 256), size: cfg.size, t0: cfg.t0 };
  const zero = new ZeroDenoiser();
  // count calls of the real denoiser and the time inside session.run
  let calls = 0;
  const real: Denoiser = {
    kind: loaded.denoiser.kind,
    predict: (x: Float32Array, shape: Shape4, t: Float32Array) => {
      calls++;
      return loaded.denoiser.predict(x, shape, t);
    },
  };
  const rows = [];
  for (const [sampler, steps] of cfg.runs) {
    // zero-cost denoiser: the median of a few edits is the whole overhead
    await timedEdit(zero, setup, sampler, steps);
    const zeroMs: number[] = [];
    const zeroCpu: number[] = [];
    const zeroSampler: number[] = [];
    for (let i = 0; i < cfg.reps; i++) {
      const c0 = cpuMs();
      const parts = await timedEditParts(zero, setup, sampler, steps);
      zeroMs.push(parts.totalMs);
      zeroSampler.push(parts.sdeditMs);
      zeroCpu.push(cpuMs() - c0);
    }
    zeroMs.sort((a, b) => a - b);
    zeroCpu.sort((a, b) => a - b);
    zeroSampler.sort((a, b) => a - b);
    // the sampler's own work (inside sdedit(): noising, updates, step draws, mask re-noising, x̂0
    // previews), without the PNG decode/encode, resizes and colour conversions of the edit
    const samplerZero = zeroSampler[Math.floor(zeroSampler.length / 2)];
    const overheadZero = zeroMs[Math.floor(zeroMs.length / 2)];
    const overheadZeroCpu = zeroCpu[Math.floor(zeroCpu.length / 2)];
    if (cfg.zeroOnly) {
      rows.push({ sampler, steps, size: cfg.size, zero_denoiser_edit_ms: overheadZero, zero_denoiser_edit_ms_min: zeroMs[0], zero_denoiser_edit_ms_max: zeroMs[zeroMs.length - 1], zero_denoiser_edit_cpu_ms: overheadZeroCpu, zero_denoiser_sampler_ms: samplerZero, reps: cfg.reps });
      continue;
    }
    // the real network: overhead = total − time inside session.run
    const edits: { total: number; sdeditMs: number; network: number; sampler: number }[] = [];
    for (let e = 0; e < (cfg.realEdits ?? 1); e++) {
      calls = 0;
      const net0 = loaded.networkMs();
      const { totalMs, sdeditMs: inSdedit } = await timedEditParts(real, setup, sampler, steps);
      const net = loaded.networkMs() - net0;
      edits.push({ total: totalMs, sdeditMs: inSdedit, network: net, sampler: inSdedit - net });
    }
    edits.sort((a, b) => a.sampler - b.sampler);
    const { total, sdeditMs, network } = edits[Math.floor(edits.length / 2)];
    rows.push({
      real_edits: edits.length,
      real_sampler_ms_min: edits[0].sampler,
      real_sampler_ms_max: edits[edits.length - 1].sampler,
      sampler,
      steps,
      calls,
      size: cfg.size,
      zero_denoiser_edit_ms: overheadZero,
      zero_denoiser_edit_ms_min: zeroMs[0],
      zero_denoiser_edit_cpu_ms: overheadZeroCpu,
      real_total_ms: total,
      real_network_ms: network,
      real_overhead_ms: total - network,
      share_real: (total - network) / total,
      share_zero_vs_real_network: overheadZero / (overheadZero + network),
      zero_denoiser_sampler_ms: samplerZero,
      real_sampler_ms: sdeditMs - network,
      // the sampler's own share of the edit (its work inside sdedit() over the whole edit)
      share_sampler_real: (sdeditMs - network) / total,
    });
  }
  await loaded.release();
  process.stdout.write(JSON.stringify({ rows }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`overhead: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
