// `sdedit --model DIR` for a latent pack (DIR has model_index.json): the guide PNG at the working
// size through src/model/latent's pipeline, the result scaled back to the guide's own size and
// composited there with the mask, so kept pixels are the guide's bytes at full resolution.
import { chwToRgba, maskFromRgba, padToMultiple, resizeChw, resizeMask, rgbaToChw } from '../core';
import { estimateLatentMemory } from '../model/latent/memory';
import { loadLatentPackFromDir, nodeRuntime, partBytes } from '../model/latent/node';
import { compositeKept, latentSDEdit, staticPixelSize, usesCfgBatch } from '../model/latent/pipeline';
import { workingSize } from '../protocol';
import { outputPaths } from './args';
import { round1, runCommand } from './command';
import { CliError } from './errors';
import { ArgError } from './flags';
import { type CliHost, type CliIO, MEMORY_HEADROOM, nodeHost } from './host';
import { checkMaskSelects, inputFiles, readInputs } from './inputs';
import { gb } from './memory';
import type { LatentCliOptions } from './latent-args';
import { LATENT_USAGE, parseLatentArgs } from './latent-args';
import { checkOutputs, writeAll } from './outputs';
import { encodePng } from './png';
import { progressReporter } from './progress';

/** Run one latent-pack edit; returns the JSON report. */
export async function runLatent(o: LatentCliOptions, io: CliIO, host: CliHost = nodeHost): Promise<Record<string, unknown>> {
  const start = host.now();
  const { guide, mask: maskImg } = readInputs(o, io);
  const outputs = outputPaths(o.out, o.variations);
  await checkOutputs(outputs, inputFiles(o), o.out, host.fs);
  const info = await loadLatentPackFromDir(o.model, o.verify);
  const rt = nodeRuntime(o.model, info, { threads: o.threads, provider: o.provider });
  const fixed = await staticPixelSize(rt);
  if (fixed && fixed.H !== fixed.W) throw new ArgError(`this pack has static shapes of ${fixed.W}×${fixed.H} px; only square static packs are supported`);
  if (fixed && o.size !== null && o.size !== fixed.H) throw new ArgError(`this pack has static shapes: it runs only at ${fixed.H}×${fixed.H} px (--size ${fixed.H})`);
  // a static pack pads every guide to its one size
  const multiple = fixed ? fixed.H : info.vae.factor * info.unet.multiple;
  const native = fixed ? fixed.H : info.unet.sampleSize ? info.unet.sampleSize * info.vae.factor : 512;
  const size = o.size ?? native;
  if (size % multiple !== 0) throw new ArgError(`--size must be a multiple of ${multiple} px for this pack (VAE ×${info.vae.factor} times the UNet's ×${info.unet.multiple}), got ${size}`);
  // a static pack's guide is sized on the latent grid (the VAE factor) and padded to its one size
  const work0 = workingSize(guide.width, guide.height, size, fixed ? info.vae.factor : multiple);
  if (!work0.ok) throw new CliError(`the guide cannot be edited: ${work0.reason}`);
  const { width, height } = work0;
  const full = rgbaToChw(guide.rgba, guide.width, guide.height);
  const work = resizeChw(full, 3, guide.height, guide.width, height, width);
  const padded = padToMultiple(work, 3, height, width, multiple);
  let fullMask: Float32Array | null = null;
  let mask: Float32Array | null = null;
  if (maskImg) {
    fullMask = resizeMask(maskFromRgba(maskImg.rgba, maskImg.width, maskImg.height), maskImg.height, maskImg.width, guide.height, guide.width);
    checkMaskSelects(fullMask, o.mask);
    mask = padToMultiple(resizeMask(fullMask, guide.height, guide.width, height, width), 1, height, width, multiple).data;
  }
  const rec = info.recommended;
  const cfgBatch = usesCfgBatch(info, o.guidance ?? rec.guidance) ? 2 : 1;
  const mem = estimateLatentMemory(await partBytes(o.model, info), info.unet, padded.h / info.vae.factor, padded.w / info.vae.factor, o.variations * cfgBatch);
  const available = host.availableMemory();
  if (mem.total > MEMORY_HEADROOM * available) {
    throw new CliError(
      `this edit needs about ${gb(mem.total)} (${mem.part} weights ${gb(mem.weights)}, attention at ${padded.w}×${padded.h} px with ${o.variations * cfgBatch} rows about ${gb(mem.activations)}), and ${gb(available)} is available: lower --size or --variations`,
    );
  }
  const steps = o.steps ?? (o.sampler === 'pack' ? rec.steps : 20);
  const t0 = o.t0 ?? rec.t0;
  const progress = progressReporter(io.stderr, host.now);
  const runStart = host.now();
  const res = await latentSDEdit(rt, info, padded.data, padded.h, padded.w, {
    prompt: o.prompt,
    negative: o.negative,
    guidance: o.guidance ?? undefined,
    t0,
    steps,
    sampler: o.sampler,
    eta: o.eta,
    seed: o.seed,
    variations: o.variations,
    repeats: o.repeats,
    mask,
    onStep: (s) => progress.step(s),
  });
  progress.done();
  const runMs = host.now() - runStart;

  const images = padded.crop(res.images, 3);
  const per = 3 * width * height;
  const files = outputs.map((file, b) => {
    const img = resizeChw(images.subarray(b * per, (b + 1) * per), 3, height, width, guide.height, guide.width);
    if (fullMask) compositeKept(img, full, fullMask, 1);
    return { file, bytes: encodePng(chwToRgba(img, guide.width, guide.height), guide.width, guide.height) };
  });
  await writeAll(files, host.fs);
  const sc = info.betas;
  return {
    params: {
      guide: o.guide,
      mask: o.mask,
      model: o.model,
      prompt: o.prompt,
      negative: o.negative,
      guidance: res.guidance,
      cfg: res.cfg,
      t0: res.t0,
      t0_means: o.sampler === 'pack' ? "diffusers' img2img strength" : 'SDE time of the engine sampler on the pack schedule',
      steps,
      sampler: o.sampler,
      eta: o.eta,
      repeats: o.repeats,
      seed: o.seed,
      size,
      variations: o.variations,
      threads: o.threads,
      provider: o.provider,
    },
    pack: {
      kind: 'latent',
      pipeline: info.pipeline,
      name: info.sidecar?.name ?? null,
      license: info.sidecar?.license ?? null,
      vae: info.vae,
      latent_size: [padded.w / info.vae.factor, padded.h / info.vae.factor],
    },
    scheduler: { class: sc.declaredClass, reproduced: info.scheduler !== null, ran: res.scheduler, timestep_spacing: sc.timestepSpacing, prediction_type: sc.predictionType, beta_schedule: sc.betaSchedule, steps_offset: sc.stepsOffset },
    timesteps: res.timesteps,
    network_calls: res.unetCalls,
    memory_estimate_bytes: mem.total,
    encode: res.encodeMode,
    ...(res.encodeMode === 'averaged' ? { warning: 'the VAE encoder samples inside its graph: the guide latent is the mean of 8 encodes, not bit-reproducible' } : {}),
    guide_size: [guide.width, guide.height],
    width: guide.width,
    height: guide.height,
    working_size: [width, height],
    padded: [padded.w, padded.h],
    backend: `onnxruntime-node ${o.provider}`,
    timings: { total_ms: round1(host.now() - start), sdedit_ms: round1(runMs), unet_ms: round1(res.unetMs) },
    outputs,
  };
}

/** `sdedit --model DIR …` for a latent pack. Exit code: 0 ok, 2 bad arguments, 1 failure. */
export function latentMain(argv: readonly string[], io: CliIO, host: CliHost = nodeHost): Promise<number> {
  return runCommand(argv, io, {
    parse: parseLatentArgs,
    usage: LATENT_USAGE,
    run: (options) => runLatent(options, io, host),
    summary: (report) => {
      const t = report.timings as { total_ms: number };
      return `wrote ${(report.outputs as string[]).join(', ')} (${report.width}×${report.height}, ${(t.total_ms / 1000).toFixed(1)} s, timesteps ${(report.timesteps as number[]).join(' ')})`;
    },
  });
}
