// A latent pack (diffusers ONNX folder) in the panel: its files are bytes already in memory (a
// folder the user picked), its sessions are created one at a time from them, and a job runs as
// encode → the pack's own scheduler → decode, then the pixel composite at the guide's own size, so
// kept pixels are the guide's bytes. Where it runs is decided before any session exists
// (device-check.ts): WebGPU at the pack's precision, else WASM, else a refusal. Both run on the
// iframe's main thread: a blob worker has no navigator.gpu, and the worker serves the embedded
// pixel pack. WebGPU failing (a session that cannot be created, a device lost, GPU memory that
// runs out) continues on WASM with a notice.
import { abortError, chwToRgba, maskCoverage, padToMultiple, rgbaToChw } from '../../core';
import { estimateLatentMemory, type MemoryEstimate } from '../../model/latent/memory';
import { latentSDEdit, staticPixelSize, usesCfgBatch, type LatentRuntime } from '../../model/latent/pipeline';
import { readLatentPack, type LatentPackInfo, type PartName } from '../../model/latent/folder';
import { packWeights } from '../../model/latent/pack-weights';
import { filesReader, webLatentRuntime, type BytesOrt, type PackFiles } from '../../model/latent/web';
import { classifyWebError } from '../../model/web';
import type { RunParams } from '../../protocol';
import { decideLatentDevice, type DeviceFacts } from './device-check';
import { EngineError, LATENT_AUTO_T0_UNAVAILABLE, type Backend, type LatentModelInfo, type ModelInfo, type RunProgress, type RunRequest, type RunResult } from './engine-api';
import { compositeOverGuide, decodePng, resizeRgba } from './image';
import type { PngEncoder } from './png-encoder';
import { prepareMasks, type PanelMasks } from './mask';
import { latentMemoryRefusal } from './memory-budget';

/** Live preview of a latent pack: at most this many scheduler steps. */
const PREVIEW_MAX_STEPS = 2;

export interface LatentLoadOptions {
  /** what the browser tells about this device (readDeviceFacts) */
  device: DeviceFacts;
  /** a warning for the panel: WebGPU failed and the pack continues on WASM */
  notice?: (message: string) => void;
  /** where the files came from, for the pack info ('folder' when not given) */
  origin?: string;
}

/** A WebGPU failure that WASM would meet too (a CSP block, a broken graph): not worth a retry. */
function failsOnWasmToo(e: unknown): boolean {
  const code = classifyWebError(e).code;
  return code === 'csp-wasm' || code === 'invalid-model' || code === 'invalid-output';
}

export class LatentSession {
  private constructor(
    private readonly ort: BytesOrt,
    private readonly files: PackFiles,
    private rt: LatentRuntime,
    private readonly pack: LatentPackInfo,
    private readonly bytes: Record<PartName, number>,
    private readonly fixed: number | null,
    readonly info: ModelInfo & { latent: LatentModelInfo },
    private readonly notice: (message: string) => void,
  ) {}

  /** Read and check the pack, decide where it runs, and open the VAE encoder there once for a
   *  static size. Rejects with LatentPackError / PartMismatchError / WebRuntimeError, or an
   *  EngineError 'device-unfit' whose message says what would make the pack run. */
  static async load(ort: BytesOrt, name: string, files: PackFiles, opts: LatentLoadOptions): Promise<LatentSession> {
    const pack = await readLatentPack(filesReader(files), name);
    const weights = packWeights(pack, files);
    const decision = decideLatentDevice(pack.name, weights, opts.device);
    if (decision.run === 'refuse') throw new EngineError('device-unfit', decision.message);
    let backend: Backend = decision.run;
    let whyNotGpu = decision.whyNotGpu;
    let rt = webLatentRuntime(ort, files, pack, { backend });
    let fixed: { H: number; W: number } | null;
    try {
      fixed = await staticPixelSize(rt);
    } catch (e) {
      if (backend !== 'webgpu' || failsOnWasmToo(e)) throw e;
      whyNotGpu = `WebGPU could not start this pack (${classifyWebError(e).message})`;
      backend = 'wasm';
      rt = webLatentRuntime(ort, files, pack, { backend });
      fixed = await staticPixelSize(rt);
    }
    if (fixed && fixed.H !== fixed.W) throw new EngineError('invalid-pack', `The pack "${pack.name}" has static shapes of ${fixed.W}×${fixed.H} px; only square static packs can run here.`);
    const bytes = weights.partBytes;
    const factor = pack.vae.factor;
    const native = fixed ? fixed.H : (pack.unet.sampleSize ?? 64) * factor;
    const rows = usesCfgBatch(pack, pack.recommended.guidance) ? 2 : 1;
    const precision = weights.precision;
    const mem = estimateLatentMemory(bytes, pack.unet, native / factor, native / factor, rows, precision === 'fp16' ? 2 : 4);
    const latent: LatentModelInfo = {
      pipeline: pack.pipeline,
      scheduler: pack.betas.declaredClass,
      schedule: { betas: pack.betas, scheduler: pack.scheduler },
      usesText: true,
      precision,
      backend,
      whyNotGpu,
      deviceNotes: decision.notes,
      largestTensorBytes: weights.largestTensor.bytes,
      nativeSize: native,
      staticSize: fixed ? fixed.H : null,
      memoryBytes: mem.total,
      recommended: { ...pack.recommended },
      license: pack.sidecar?.license ?? null,
    };
    const info = { name: pack.name, bytes: weights.totalBytes, source: opts.origin ?? 'folder', multiple: fixed ? factor : factor * pack.unet.multiple, sde: 'vp' as const, latent };
    return new LatentSession(ort, files, rt, pack, bytes, fixed ? fixed.H : null, info, opts.notice ?? (() => undefined));
  }

  /** Where the pack runs now. */
  get backend(): Backend {
    return this.info.latent.backend;
  }

  /** The memory a run at `h × w` latents with `rows` batch rows needs. */
  estimate(h: number, w: number, rows: number): MemoryEstimate {
    return estimateLatentMemory(this.bytes, this.pack.unet, h, w, rows, this.info.latent.precision === 'fp16' ? 2 : 4);
  }

  /** `png` encodes the results (the engine's, off the main thread where it can). */
  async run(req: RunRequest, onProgress: (p: RunProgress) => void, signal: AbortSignal, png: PngEncoder): Promise<RunResult> {
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
    if (req.autoT0) throw new EngineError('invalid-run', LATENT_AUTO_T0_UNAVAILABLE);
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
    const edit = (rt: LatentRuntime) => latentSDEdit(rt, this.pack, padded.data, padded.h, padded.w, {
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
    let res: Awaited<ReturnType<typeof edit>>;
    try {
      res = await edit(this.rt);
    } catch (e) {
      if (signal.aborted || this.backend !== 'webgpu' || failsOnWasmToo(e) || (e as Error).name === 'AbortError') throw e;
      // WebGPU failed (device lost, GPU memory, …): the pack continues on WASM, and this run is retried there
      this.notice(`WebGPU failed (${classifyWebError(e).message}). “${this.pack.name}” continues on WASM (slower); the run is retried.`);
      this.rt = webLatentRuntime(this.ort, this.files, this.pack, { backend: 'wasm' });
      this.info.latent.backend = 'wasm';
      this.info.latent.whyNotGpu = 'WebGPU failed during a run';
      lastStep = performance.now();
      res = await edit(this.rt);
    }
    if (signal.aborted) throw abortError();
    const images = padded.crop(res.images, 3);
    const per = 3 * work.width * work.height;
    const pngs: Uint8Array[] = [];
    const params: RunParams[] = [];
    for (let i = 0; i < variations; i++) {
      const gen = resizeRgba({ width: work.width, height: work.height, data: chwToRgba(images.subarray(i * per, (i + 1) * per), work.width, work.height) }, guide.width, guide.height);
      pngs.push(await png.encode(compositeOverGuide(guide, gen, masks ? masks.full : null)));
      params.push({ t0: res.t0, steps, sampler: s.sampler, repeats, seed: req.seed + i, size: Math.max(work.width, work.height), model: this.info.name, mode: req.mode });
    }
    // a latent preview runs at the working size too (fewer steps), so it can be applied as it is
    return { jobId: req.jobId, pngs, width: guide.width, height: guide.height, params, backend: this.backend, timings: { totalMs: performance.now() - started, networkMs: res.unetMs }, atWorkingSize: true };
  }
}
