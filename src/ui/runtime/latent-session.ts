// A latent pack (diffusers ONNX folder) in the panel: its files are bytes already in memory (a
// folder the user picked), its sessions are created one at a time from them on WASM, and a job
// runs as encode → the pack's own scheduler → decode, then the pixel composite at the guide's own
// size, so kept pixels are the guide's bytes. WASM only: on the iframe's main thread, because the
// blob worker serves the embedded pixel pack (WebGPU for latent packs comes later).
import { abortError, chwToRgba, maskCoverage, padToMultiple, rgbaToChw } from '../../core';
import { estimateLatentMemory, type MemoryEstimate } from '../../model/latent/memory';
import { latentSDEdit, staticPixelSize, usesCfgBatch } from '../../model/latent/pipeline';
import { readLatentPack, type LatentPackInfo, type PartName, PARTS } from '../../model/latent/folder';
import { filesReader, webLatentRuntime, type BytesOrt, type PackFiles } from '../../model/latent/web';
import type { LatentRuntime } from '../../model/latent/pipeline';
import type { RunParams } from '../../protocol';
import { EngineError, type LatentModelInfo, type ModelInfo, type RunProgress, type RunRequest, type RunResult } from './engine-api';
import { compositeOverGuide, decodePng, encodePng, resizeRgba } from './image';
import { prepareMasks, type PanelMasks } from './mask';
import { latentMemoryRefusal } from './memory-budget';

/** Live preview of a latent pack: at most this many scheduler steps. */
const PREVIEW_MAX_STEPS = 2;

/** Bytes of each part (graph + external data). */
export function partBytes(info: LatentPackInfo, files: PackFiles): Record<PartName, number> {
  const out = {} as Record<PartName, number>;
  for (const p of PARTS) {
    const { model, data } = info.files[p];
    out[p] = (files.get(model)?.byteLength ?? 0) + (data ? (files.get(data)?.byteLength ?? 0) : 0);
  }
  return out;
}

/** fp16 when the UNet's `sample` input is float16 (its own metadata), else fp32. */
async function unetPrecision(rt: LatentRuntime): Promise<'fp16' | 'fp32'> {
  const s = await rt.open('unet');
  try {
    const sample = s.inputMetadata.find((m) => m.name === 'sample') ?? s.inputMetadata[0];
    return sample?.type === 'float16' ? 'fp16' : 'fp32';
  } finally {
    await s.release().catch(() => undefined);
  }
}

export class LatentSession {
  private constructor(
    private readonly rt: LatentRuntime,
    private readonly pack: LatentPackInfo,
    private readonly bytes: Record<PartName, number>,
    private readonly fixed: number | null,
    readonly info: ModelInfo & { latent: LatentModelInfo },
  ) {}

  /** Read and check the pack, open the UNet once for its precision and the VAE encoder for a
   *  static size. Rejects with LatentPackError / PartMismatchError / WebRuntimeError. */
  static async load(ort: BytesOrt, name: string, files: PackFiles): Promise<LatentSession> {
    const pack = await readLatentPack(filesReader(files), name);
    const rt = webLatentRuntime(ort, files, pack, { backend: 'wasm' });
    const precision = await unetPrecision(rt);
    const fixed = await staticPixelSize(rt);
    if (fixed && fixed.H !== fixed.W) throw new EngineError('invalid-pack', `The pack "${pack.name}" has static shapes of ${fixed.W}×${fixed.H} px; only square static packs can run here.`);
    const bytes = partBytes(pack, files);
    const total = [...files.values()].reduce((n, b) => n + b.byteLength, 0);
    const factor = pack.vae.factor;
    const native = fixed ? fixed.H : (pack.unet.sampleSize ?? 64) * factor;
    const rows = usesCfgBatch(pack, pack.recommended.guidance) ? 2 : 1;
    const mem = estimateLatentMemory(bytes, pack.unet, native / factor, native / factor, rows, precision === 'fp16' ? 2 : 4);
    const latent: LatentModelInfo = {
      pipeline: pack.pipeline,
      scheduler: pack.betas.declaredClass,
      usesText: true,
      precision,
      backend: 'wasm',
      nativeSize: native,
      staticSize: fixed ? fixed.H : null,
      memoryBytes: mem.total,
      recommended: { ...pack.recommended },
      license: pack.sidecar?.license ?? null,
    };
    const info = { name: pack.name, bytes: total, source: 'folder', multiple: fixed ? factor : factor * pack.unet.multiple, sde: 'vp' as const, latent };
    return new LatentSession(rt, pack, bytes, fixed ? fixed.H : null, info);
  }

  /** The memory a run at `h × w` latents with `rows` batch rows needs. */
  estimate(h: number, w: number, rows: number): MemoryEstimate {
    return estimateLatentMemory(this.bytes, this.pack.unet, h, w, rows, this.info.latent.precision === 'fp16' ? 2 : 4);
  }

  async run(req: RunRequest, onProgress: (p: RunProgress) => void, signal: AbortSignal): Promise<RunResult> {
    const started = performance.now();
    const s = req.settings;
    const text = req.text ?? { prompt: '', negative: '', guidance: this.pack.recommended.guidance };
    const steps = req.preview ? Math.min(s.steps, PREVIEW_MAX_STEPS) : s.steps;
    const variations = req.preview ? 1 : s.variations;
    const repeats = req.preview ? 1 : s.repeats;
    const work = { width: req.workWidth, height: req.workHeight };
    const multiple = this.fixed ?? this.info.multiple;
    if (this.fixed && Math.max(work.width, work.height) > this.fixed) {
      throw new EngineError('invalid-run', `This pack runs only at ${this.fixed}×${this.fixed} px: choose a working size of ${this.fixed} px or less.`);
    }
    const guide = await decodePng(req.guidePng);
    const guideWork = resizeRgba(guide, work.width, work.height);
    const padded = padToMultiple(rgbaToChw(guideWork.data, work.width, work.height), 3, work.height, work.width, multiple);
    const f = this.pack.vae.factor;
    const rows = variations * (usesCfgBatch(this.pack, text.guidance) ? 2 : 1);
    const refusal = latentMemoryRefusal(this.estimate(padded.h / f, padded.w / f, rows), padded.w, padded.h);
    if (refusal) throw new EngineError('too-large', refusal);

    let masks: PanelMasks | null = null;
    if (req.maskPng && req.mode !== 'synthesis') {
      const m = await decodePng(req.maskPng, { width: guide.width, height: guide.height });
      masks = prepareMasks(m.data, guide, work, { silhouette: req.maskIsSilhouette, dilation: s.dilation, feather: s.feather });
      if (maskCoverage(masks.work) === 0) throw new EngineError('empty-mask', 'The mask is empty: nothing would change. Make the "Mask" layers (or the selected layers) cover part of the frame.');
    }
    if (signal.aborted) throw abortError();
    let lastStep = performance.now();
    const res = await latentSDEdit(this.rt, this.pack, padded.data, padded.h, padded.w, {
      prompt: text.prompt,
      negative: text.negative,
      guidance: text.guidance,
      t0: s.t0,
      steps,
      sampler: 'pack',
      seed: req.seed,
      variations,
      repeats,
      mask: masks ? padToMultiple(masks.work, 1, work.height, work.width, multiple).data : null,
      signal,
      onStep: (st) => {
        const now = performance.now();
        onProgress({ step: st.step, total: st.total, msPerStep: now - lastStep });
        lastStep = now;
      },
    });
    if (signal.aborted) throw abortError();
    const images = padded.crop(res.images, 3);
    const per = 3 * work.width * work.height;
    const pngs: Uint8Array[] = [];
    const params: RunParams[] = [];
    for (let i = 0; i < variations; i++) {
      const gen = resizeRgba({ width: work.width, height: work.height, data: chwToRgba(images.subarray(i * per, (i + 1) * per), work.width, work.height) }, guide.width, guide.height);
      pngs.push(await encodePng(compositeOverGuide(guide, gen, masks ? masks.full : null)));
      params.push({ t0: res.t0, steps, sampler: s.sampler, repeats, seed: req.seed + i, size: Math.max(work.width, work.height), model: this.info.name, mode: req.mode });
    }
    // a latent preview runs at the working size too (fewer steps), so it can be applied as it is
    return { jobId: req.jobId, pngs, width: guide.width, height: guide.height, params, backend: 'wasm', timings: { totalMs: performance.now() - started, networkMs: res.unetMs }, atWorkingSize: true };
  }
}
