// The `sdedit` command: the engine (src/core) and a model pack (src/model, onnxruntime-node) on
// PNG files. bin/sdedit.js runs the bundle of this file (dist/cli.cjs, see build-cli.mjs).
import type { SamplerName } from '../core';
import { chwToRgba, maskFromRgba, networkCalls, padToMultiple, paddedSize, resizeChw, resizeMask, rgbaToChw, sdedit, signalAt } from '../core';
import { largestSideThatFits, planBatches } from '../model/memory';
import { loadPackFromDir } from '../model/node';
import { isLatentPackDir } from '../model/latent/node';
import { workingSize } from '../protocol';
import { autoT0, describeAutoT0 } from './auto-t0';
import { ArgError, USAGE, type CliOptions, outputPaths, parseArgs } from './args';
import { CliError, describeDimensionError } from './errors';
import { availableMemoryBytes } from './memory';
import { type OutputFs, checkOutputs, nodeOutputFs, writeAll } from './outputs';
import { type RgbaImage, encodePng, readPngFile } from './png';
import { latentMain } from './latent';
import { modelFlag } from './latent-args';
import { packMain } from './pack-describe';
import { progressReporter } from './progress';

export { CliError } from './errors';

export interface CliIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
}

/** What the command uses of the machine besides stdout/stderr. */
export interface CliHost {
  /** where outputs are written */
  fs: OutputFs;
  /** bytes of memory the run may take */
  availableMemory(): number;
  /** milliseconds, for timings and progress */
  now(): number;
}

export const nodeHost: CliHost = { fs: nodeOutputFs, availableMemory: availableMemoryBytes, now: () => performance.now() };

/** Share of the available memory a run may plan to use (the rest is for everything else). */
export const MEMORY_HEADROOM = 0.9;

/**
 * A mask of another size than the guide is scaled to it: said on stderr when the aspect ratios
 * agree (within a pixel of rounding), refused when they do not (it would not line up).
 */
function checkMaskSize(guide: RgbaImage, mask: RgbaImage, opts: CliOptions, io: CliIO): void {
  const { width: gw, height: gh } = guide;
  const { width: mw, height: mh } = mask;
  if (gw === mw && gh === mh) return;
  const sizes = `the mask ${opts.mask} is ${mw}×${mh} px and the guide ${opts.guide} ${gw}×${gh} px`;
  if (Math.abs(mw * gh - mh * gw) > (gw + gh + mw + mh) / 2) {
    throw new CliError(`${sizes}: their aspect ratios differ (${(mw / mh).toFixed(3)} and ${(gw / gh).toFixed(3)}), so the mask would not line up; make the mask the guide's size`);
  }
  io.stderr.write(`sdedit: warning: ${sizes}; the mask is scaled to the guide\n`);
}

const GB = 1e9;
const gb = (bytes: number): string => `${(bytes / GB).toFixed(1)} GB`;

/** Run one edit. Returns the JSON report. */
export async function run(opts: CliOptions, io: CliIO, host: CliHost = nodeHost): Promise<Record<string, unknown>> {
  const now = host.now;
  const start = now();
  const guide = readPngFile(opts.guide, 'guide');
  const maskImg = opts.mask ? readPngFile(opts.mask, 'mask') : null;
  if (maskImg) checkMaskSize(guide, maskImg, opts, io);
  const outputs = outputPaths(opts.out, opts.variations);
  const inputs = [{ what: 'the guide', file: opts.guide }, ...(opts.mask ? [{ what: 'the mask', file: opts.mask }] : [])];
  await checkOutputs(outputs, inputs, opts.out, host.fs);

  const loadStart = now();
  const loaded = await loadPackFromDir(opts.model, { threads: opts.threads });
  const loadMs = now() - loadStart;
  try {
    const { pack, schedule, denoiser } = loaded;
    const work = workingSize(guide.width, guide.height, opts.size, pack.multiple);
    if (!work.ok) throw new CliError(`the guide cannot be edited: ${work.reason}`);
    const { width, height } = work;
    // before any image of the working size is made: the network's padded size (as padToMultiple pads)
    const { w: padW, h: padH } = paddedSize(height, width, pack.multiple);
    const available = host.availableMemory();
    const plan = planBatches({ width: padW, height: padH, modelBytes: loaded.modelBytes.length }, opts.variations, available * MEMORY_HEADROOM);
    if (!plan.ok) {
      const side = largestSideThatFits(plan.maxPixels, padW, padH, pack.multiple);
      const change = side >= pack.multiple ? `use --size ${side} or less` : 'free some memory or use a machine with more';
      throw new CliError(`--size ${opts.size} (${width}×${height} px) needs about ${gb(plan.peakBytes)} of memory for one image, and ${gb(available)} is available: ${change}`);
    }
    if (plan.batches.length > 1) {
      io.stderr.write(
        `sdedit: ${opts.variations} variations at ${width}×${height} px need more than the ${gb(available)} of memory available at once: running them in ${plan.batches.length} batches of at most ${plan.batches[0]}\n`,
      );
    }

    const guideChw = resizeChw(rgbaToChw(guide.rgba, guide.width, guide.height), 3, guide.height, guide.width, height, width);
    const padded = padToMultiple(guideChw, 3, height, width, pack.multiple);
    let mask: Float32Array | null = null;
    let unpaddedMask: Float32Array | null = null;
    if (maskImg) {
      const m = resizeMask(maskFromRgba(maskImg.rgba, maskImg.width, maskImg.height), maskImg.height, maskImg.width, height, width);
      let any = false;
      for (let i = 0; i < m.length && !any; i++) any = m[i] > 0;
      if (!any) throw new CliError(`the mask selects nothing (${opts.mask} is black everywhere; white = edit)`);
      unpaddedMask = m;
      mask = padToMultiple(m, 1, height, width, pack.multiple).data;
    }

    const auto = opts.t0 === 'auto' ? await autoT0(loaded, guideChw, height, width, unpaddedMask) : null;
    if (auto) io.stderr.write(`sdedit: ${describeAutoT0(auto)}\n`);
    const t0 = auto ? auto.t0 : (opts.t0 as number);
    const sampler: SamplerName = opts.sampler ?? (schedule.type === 've' ? 've' : 'ddpm');
    const steps = opts.steps === 0 && sampler !== 'ddpm' ? Math.max(1, Math.round(t0 * 1000)) : opts.steps;
    const sdOpts = { sampler, t0, steps, eta: opts.eta, repeats: opts.repeats, seed: opts.seed, ...(opts.grid ? { grid: opts.grid } : {}) };
    let callsPerBatch: number;
    try {
      // checks the sampler against the schedule (every sampler's planner)
      callsPerBatch = networkCalls(schedule, sdOpts);
    } catch (e) {
      throw new CliError(`${(e as Error).message.replace(/^sdedit: /, '')} (model ${pack.name})`);
    }

    const progress = progressReporter(io.stderr, now);
    const netBefore = loaded.networkMs();
    const runStart = now();
    const per = 3 * width * height;
    const images: Uint8Array[] = [];
    let offset = 0;
    for (const [index, batch] of plan.batches.entries()) {
      progress.batch(index, plan.batches.length);
      let result: Float32Array;
      try {
        // item b of a batch is the run with seed + b, so batches of any size give the same images
        result = await sdedit(denoiser, padded.data, [3, padded.h, padded.w], schedule, {
          ...sdOpts,
          seed: opts.seed + offset,
          batch,
          mask,
          onStep: (info) => progress.step(info),
        });
      } catch (e) {
        const dims = describeDimensionError(e, pack.name, padded.w, padded.h);
        throw dims ? new CliError(dims) : e;
      }
      const cropped = padded.crop(result, 3);
      for (let b = 0; b < batch; b++) images.push(encodePng(chwToRgba(cropped.subarray(b * per, (b + 1) * per), width, height), width, height));
      offset += batch;
    }
    progress.done();
    const runMs = now() - runStart;
    const networkMs = loaded.networkMs() - netBefore;

    await writeAll(
      outputs.map((file, b) => ({ file, bytes: images[b] })),
      host.fs,
    );
    const totalMs = now() - start;
    return {
      params: {
        guide: opts.guide,
        mask: opts.mask,
        model: opts.model,
        t0,
        ...(auto ? { t0_auto: { source: auto.source, reason: auto.reason, network_evaluations: auto.evaluations } } : {}),
        signal_kept: signalAt(schedule, t0),
        sampler,
        steps,
        ...(opts.grid ? { grid: opts.grid } : {}),
        eta: opts.eta,
        repeats: opts.repeats,
        seed: opts.seed,
        size: opts.size,
        variations: opts.variations,
        threads: opts.threads,
      },
      t0,
      model: { name: pack.name, prediction: pack.prediction, sde: pack.sde.type, multiple: pack.multiple, bytes: loaded.modelBytes.length },
      guide_size: [guide.width, guide.height],
      width,
      height,
      padded: [padded.w, padded.h],
      network_calls: callsPerBatch * plan.batches.length,
      batches: plan.batches,
      memory: { estimated_peak_bytes: plan.peakBytes, available_bytes: available },
      backend: 'onnxruntime-node cpu',
      timings: {
        total_ms: round1(totalMs),
        network_ms: round1(networkMs),
        other_ms: round1(totalMs - networkMs),
        load_ms: round1(loadMs),
        sdedit_ms: round1(runMs),
      },
      outputs,
    };
  } finally {
    await loaded.release().catch(() => undefined);
  }
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();

/** The command. Returns the exit code: 0 ok, 2 bad arguments, 1 bad input or failure. */
export async function main(argv: readonly string[], io: CliIO = process, host: CliHost = nodeHost): Promise<number> {
  // latent packs (a diffusers folder with model_index.json) have their own flags: src/cli/latent.ts
  if (argv[0] === 'pack') return packMain(argv.slice(1), io);
  const model = modelFlag(argv);
  if (model !== null && isLatentPackDir(model)) return latentMain(argv, io);
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    io.stderr.write(`sdedit: ${oneLine((e as Error).message)}\n`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(USAGE + '\n');
    return 0;
  }
  try {
    const report = await run(parsed.options, io, host);
    if (parsed.options.json) io.stdout.write(JSON.stringify(report) + '\n');
    else {
      const t = report.timings as { total_ms: number; network_ms: number };
      io.stderr.write(`sdedit: wrote ${(report.outputs as string[]).join(', ')} (${report.width}×${report.height}, ${(t.total_ms / 1000).toFixed(1)} s, network ${(t.network_ms / 1000).toFixed(1)} s)\n`);
    }
    return 0;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr.write(`sdedit: ${oneLine(msg)}\n`);
    return e instanceof ArgError ? 2 : 1;
  }
}
