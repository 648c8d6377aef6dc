// The `sdedit` command: the engine (src/core) and a model pack (src/model, onnxruntime-node) on
// PNG files. bin/sdedit.js runs the bundle of this file (dist/cli.cjs, see build-cli.mjs).
import type { SamplerName } from '../core';
import { chwToRgba, fewStepGrid, maskFromRgba, networkCalls, padToMultiple, paddedSize, resizeChw, resizeMask, rgbaToChw, sdedit, signalAt } from '../core';
import { largestSideThatFits, planBatches } from '../model/memory';
import { loadPackFromDir } from '../model/node';
import { isLatentPackDir } from '../model/latent/node';
import { workingSize } from '../protocol';
import { autoT0, describeAutoT0 } from './auto-t0';
import { USAGE, type CliOptions, outputPaths, parseArgs } from './args';
import { round1, runCommand } from './command';
import { CliError, describeDimensionError } from './errors';
import { modelFlag } from './flags';
import { type CliHost, type CliIO, MEMORY_HEADROOM, nodeHost } from './host';
import { checkMaskSelects, inputFiles, readInputs } from './inputs';
import { gb } from './memory';
import { checkOutputs, writeAll } from './outputs';
import { encodePng } from './png';
import { latentMain } from './latent';
import { packMain } from './pack-describe';
import { progressReporter } from './progress';

export { CliError } from './errors';

export type { CliHost, CliIO } from './host';
export { MEMORY_HEADROOM, nodeHost } from './host';

/** Run one edit. Returns the JSON report. */
export async function run(opts: CliOptions, io: CliIO, host: CliHost = nodeHost): Promise<Record<string, unknown>> {
  const now = host.now;
  const start = now();
  const { guide, mask: maskImg } = readInputs(opts, io);
  const outputs = outputPaths(opts.out, opts.variations);
  await checkOutputs(outputs, inputFiles(opts), opts.out, host.fs);

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
      checkMaskSelects(m, opts.mask);
      unpaddedMask = m;
      mask = padToMultiple(m, 1, height, width, pack.multiple).data;
    }

    const auto = opts.t0 === 'auto' ? await autoT0(loaded, guideChw, height, width, unpaddedMask) : null;
    if (auto) io.stderr.write(`sdedit: ${describeAutoT0(auto)}\n`);
    const t0 = auto ? auto.t0 : (opts.t0 as number);
    const sampler: SamplerName = opts.sampler ?? (schedule.type === 've' ? 've' : 'ddpm');
    const steps = opts.steps === 0 && sampler !== 'ddpm' ? Math.max(1, Math.round(t0 * 1000)) : opts.steps;
    const grid = opts.grid ?? fewStepGrid(sampler); // the panel's grid unless --grid says otherwise
    const sdOpts = { sampler, t0, steps, eta: opts.eta, repeats: opts.repeats, seed: opts.seed, ...(grid ? { grid } : {}) };
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
        ...(grid ? { grid } : {}),
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

/** The command. Returns the exit code: 0 ok, 2 bad arguments, 1 bad input or failure. */
export async function main(argv: readonly string[], io: CliIO = process, host: CliHost = nodeHost): Promise<number> {
  // latent packs (a diffusers folder with model_index.json) have their own flags: src/cli/latent.ts
  if (argv[0] === 'pack') return packMain(argv.slice(1), io);
  const model = modelFlag(argv);
  if (model !== null && isLatentPackDir(model)) return latentMain(argv, io, host);
  return runCommand(argv, io, {
    parse: parseArgs,
    usage: USAGE,
    run: (options) => run(options, io, host),
    summary: (report) => {
      const t = report.timings as { total_ms: number; network_ms: number };
      return `wrote ${(report.outputs as string[]).join(', ')} (${report.width}×${report.height}, ${(t.total_ms / 1000).toFixed(1)} s, network ${(t.network_ms / 1000).toFixed(1)} s)`;
    },
  });
}
