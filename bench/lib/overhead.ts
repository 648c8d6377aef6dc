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
import { PNG } from 'pngjs';
import type { Denoiser, SDEditOptions, Shape4, StepInfo } from '../../src/core';
import { chwToRgba, maskFromRgba, resizeChw, resizeMask, rgbaToChw, sdedit } from '../../src/core';
import { loadPackFromDir } from '../../src/model/node';

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
}

const now = (): number => performance.now();

function encode(rgba: Uint8ClampedArray | Uint8Array, w: number, h: number): Buffer {
  const png = new PNG({ width: w, height: h });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.length);
  return PNG.sync.write(png);
}

function rectMaskPng(w: number, h: number): Buffer {
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = 4 * (y * w + x);
      const on = x > w / 4 && x < (3 * w) / 4 && y > h / 3 ? 255 : 0;
      rgba[o] = rgba[o + 1] = rgba[o + 2] = on;
      rgba[o + 3] = 255;
    }
  }
  return encode(rgba, w, h);
}

function gradientPng(w: number, h: number): Buffer {
  const rgba = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    rgba[4 * i] = (i % w) & 255;
    rgba[4 * i + 1] = Math.floor(i / w) & 255;
    rgba[4 * i + 2] = 128;
    rgba[4 * i + 3] = 255;
  }
  return encode(rgba, w, h);
}

class ZeroDenoiser implements Denoiser {
  readonly kind = 'eps' as const;
  private zeros = new Float32Array(0);
  async predict(x: Float32Array): Promise<Float32Array> {
    if (this.zeros.length !== x.length) this.zeros = new Float32Array(x.length);
    return this.zeros;
  }
}

/** CPU ms this process has used (user + system): steadier than wall time on a shared machine. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One whole edit, PNG bytes in, PNG bytes out. Returns total ms. */
async function edit(den: Denoiser, schedule: Parameters<typeof sdedit>[3], guidePng: Buffer, maskPng: Buffer, cfg: Config, sampler: string, steps: number): Promise<number> {
  const start = now();
  const g = PNG.sync.read(guidePng);
  const m = PNG.sync.read(maskPng);
  const S = cfg.size;
  const guide = resizeChw(rgbaToChw(g.data, g.width, g.height), 3, g.height, g.width, S, S);
  const mask = resizeMask(maskFromRgba(m.data, m.width, m.height), m.height, m.width, S, S);
  const opts: SDEditOptions = {
    sampler: sampler as SDEditOptions['sampler'],
    t0: cfg.t0,
    steps,
    seed: 1,
    mask,
    // the UI takes an x̂0 preview of the first item every few steps: a copy, like compute.ts
    onStep: (info: StepInfo) => {
      if (info.step % 4 === 0) info.x0.slice(0, 3 * S * S);
    },
  };
  const out = await sdedit(den, guide, [3, S, S], schedule, opts);
  encode(chwToRgba(out, S, S), S, S);
  return now() - start;
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2]) as Config;
  const loaded = await loadPackFromDir(cfg.model, { threads: cfg.threads });
  const guidePng = cfg.guide ? readFileSync(cfg.guide) : gradientPng(256, 256);
  const maskPng = rectMaskPng(256, 256);
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
    await edit(zero, loaded.schedule, guidePng, maskPng, cfg, sampler, steps);
    const zeroMs: number[] = [];
    const zeroCpu: number[] = [];
    for (let i = 0; i < cfg.reps; i++) {
      const c0 = cpuMs();
      zeroMs.push(await edit(zero, loaded.schedule, guidePng, maskPng, cfg, sampler, steps));
      zeroCpu.push(cpuMs() - c0);
    }
    zeroMs.sort((a, b) => a - b);
    zeroCpu.sort((a, b) => a - b);
    const overheadZero = zeroMs[Math.floor(zeroMs.length / 2)];
    const overheadZeroCpu = zeroCpu[Math.floor(zeroCpu.length / 2)];
    if (cfg.zeroOnly) {
      rows.push({ sampler, steps, size: cfg.size, zero_denoiser_edit_ms: overheadZero, zero_denoiser_edit_ms_min: zeroMs[0], zero_denoiser_edit_ms_max: zeroMs[zeroMs.length - 1], zero_denoiser_edit_cpu_ms: overheadZeroCpu, reps: cfg.reps });
      continue;
    }
    // the real network: overhead = total − time inside session.run
    calls = 0;
    const net0 = loaded.networkMs();
    const total = await edit(real, loaded.schedule, guidePng, maskPng, cfg, sampler, steps);
    const network = loaded.networkMs() - net0;
    rows.push({
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
    });
  }
  await loaded.release();
  process.stdout.write(JSON.stringify({ rows }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`overhead: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
