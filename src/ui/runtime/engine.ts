// The in-iframe runtime behind the panel: decode the guide and mask, pick a backend, run the
// SDEdit loop (worker or main thread), stream progress and x̂0 previews, and return PNGs at the
// guide's own size with kept pixels untouched.
import * as ort from 'onnxruntime-web/webgpu';
import type { RunParams } from '../../protocol';
import { dilateMask, featherMask } from '../../core';
import { ASSET_IDS, hasAsset, readAsset, readAssetText, readEmbeddedPack } from './assets';
import { abortError, isAbort, verifyPack, yieldToEventLoop, type ComputeJob, type ComputeStep, type PackBytes } from './compute';
import type { Backend, Engine, ModelInfo, RunProgress, RunRequest, RunResult, RuntimeNotice } from './engine-api';
import { chwToRgba, compositeOverGuide, decodePng, encodePng, resizeRgba, rgbaToChw, rgbaToMask, type Rgba } from './image';
import { maskCoverage, resizeMask, snapMask } from './mask';
import { MainThreadRunner, WorkerRunner, type Runner } from './runners';
import { record } from './trace';

/** Live preview: working size and step cap. */
export const PREVIEW_SIZE = 64;
export const PREVIEW_MAX_STEPS = 8;

export class EmptyMaskError extends Error {
  override name = 'EmptyMaskError';
  readonly code = 'empty-mask';
}

/** Working size: longest side `size` rounded to the model's multiple; aspect kept. */
export function workingSize(width: number, height: number, size: number, multiple: number): { width: number; height: number } {
  const round = (v: number) => Math.max(multiple, Math.round(v / multiple) * multiple);
  const long = Math.max(width, height);
  const scale = round(size) / long;
  return { width: round(width * scale), height: round(height * scale) };
}

interface Loaded {
  runner: Runner;
  pack: PackBytes;
  wasm: Uint8Array;
}

function numThreads(): number {
  return globalThis.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
}

async function webgpuAdapterAvailable(): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) != null;
  } catch {
    return false;
  }
}

export class RuntimeEngine implements Engine {
  private readonly listeners: ((n: RuntimeNotice) => void)[] = [];
  private loading: Promise<Loaded> | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  onNotice(listener: (n: RuntimeNotice) => void): void {
    this.listeners.push(listener);
  }

  private notice(n: RuntimeNotice): void {
    record({ type: 'notice', ...n });
    for (const l of this.listeners) l(n);
  }

  async load(): Promise<{ backend: Backend; model: ModelInfo }> {
    this.loading ??= this.doLoad();
    this.loading.catch(() => (this.loading = null));
    const { runner } = await this.loading;
    return { backend: runner.backend, model: runner.info };
  }

  private async doLoad(): Promise<Loaded> {
    const t = performance.now();
    const [pack, wasm] = await Promise.all([readEmbeddedPack(), readAsset(ASSET_IDS.wasm)]);
    await verifyPack(pack);
    let runner: Runner | null = null;
    if (await webgpuAdapterAvailable()) {
      try {
        const r = await MainThreadRunner.create(ort, pack, { verified: true, preferWebGPU: true, wasmBinary: wasm, numThreads: numThreads() });
        if (r.backend === 'webgpu') runner = r;
        else {
          if (r.fallbackReason) this.notice({ level: 'warning', message: r.fallbackReason });
          await r.dispose();
        }
      } catch (e) {
        this.notice({ level: 'warning', message: `WebGPU could not start (${(e as Error).message}); using WASM instead.` });
      }
    }
    runner ??= await this.wasmRunner(pack, wasm);
    record({ type: 'load', backend: runner.backend, where: runner.where, ms: performance.now() - t });
    return { runner, pack, wasm };
  }

  private async wasmRunner(pack: PackBytes, wasm: Uint8Array): Promise<Runner> {
    if (hasAsset(ASSET_IDS.worker)) {
      try {
        const script = await readAssetText(ASSET_IDS.worker);
        return await WorkerRunner.create(script, pack, wasm, numThreads());
      } catch (e) {
        this.notice({
          level: 'info',
          message: `Running on the panel's thread (the worker could not start: ${(e as Error).message}). The panel may be slower to respond during a run.`,
        });
      }
    }
    return MainThreadRunner.create(ort, pack, { verified: true, preferWebGPU: false, wasmBinary: wasm, numThreads: numThreads() });
  }

  run(req: RunRequest, onProgress: (p: RunProgress) => void, signal: AbortSignal): Promise<RunResult> {
    // One run at a time: a new run waits for the previous one to finish or honour its cancel.
    const p = this.queue.then(() => this.runNow(req, onProgress, signal));
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async runNow(req: RunRequest, onProgress: (p: RunProgress) => void, signal: AbortSignal): Promise<RunResult> {
    const started = performance.now();
    if (signal.aborted) throw abortError();
    const loaded = await (this.loading ??= this.doLoad());
    const info = loaded.runner.info;
    const s = req.settings;

    const guide = await decodePng(req.guidePng);
    const size = req.preview ? Math.min(PREVIEW_SIZE, s.size) : s.size;
    const work = workingSize(guide.width, guide.height, size, info.multiple);
    const steps = req.preview ? Math.min(s.steps, PREVIEW_MAX_STEPS) : s.steps;
    const variations = req.preview ? 1 : Math.max(1, Math.min(4, s.variations));
    const repeats = req.preview ? 1 : Math.max(1, s.repeats);

    // Mask: full resolution (for the final composite) and working resolution (for the sampler).
    let maskFull: Float32Array | null = null;
    let maskWork: Float32Array | null = null;
    if (req.maskPng && req.mode !== 'synthesis') {
      const m = await decodePng(req.maskPng, { width: guide.width, height: guide.height });
      maskFull = rgbaToMask(m);
      maskWork = snapMask(resizeMask(maskFull, guide.width, guide.height, work.width, work.height));
      if (req.maskIsSilhouette ?? req.mode === 'composite') {
        // Silhouettes of the selected layers: grow and soften them so the new content blends in.
        if (s.dilation > 0) maskWork = dilateMask(maskWork, work.width, work.height, s.dilation);
        if (s.feather > 0) maskWork = featherMask(maskWork, work.width, work.height, s.feather);
        maskWork = snapMask(maskWork);
        const up = snapMask(resizeMask(maskWork, work.width, work.height, guide.width, guide.height));
        for (let i = 0; i < up.length; i++) up[i] = Math.max(up[i], maskFull[i]);
        maskFull = up;
      }
      if (maskCoverage(maskWork) === 0) {
        throw new EmptyMaskError(
          'The mask is empty: nothing would change. Make the "Mask" layers (or the selected layers) cover part of the frame, or select the whole frame to re-synthesise it.',
        );
      }
    }
    if (signal.aborted) throw abortError();

    const guideWork = resizeRgba(guide, work.width, work.height);
    const job: ComputeJob = {
      guide: rgbaToChw(guideWork),
      channels: 3,
      height: work.height,
      width: work.width,
      mask: maskWork,
      t0: s.t0,
      steps,
      sampler: s.sampler,
      repeats,
      seed: req.seed,
      variations,
      // a designer wants to see the picture form: every sixth of the run, but at least every 5 steps
      previewEvery: req.preview ? 2 : Math.max(1, Math.min(5, Math.round(steps / 6))),
      ...(req.autoT0 ? { autoT0: true } : {}),
    };
    record({
      type: 'run-start',
      jobId: req.jobId,
      preview: req.preview,
      mode: req.mode,
      width: work.width,
      height: work.height,
      steps,
      variations,
      seed: req.seed,
      maskCoverage: maskWork ? maskCoverage(maskWork) : 1,
    });

    // Progress is delivered in order; preview PNGs are encoded on the way.
    let delivery: Promise<void> = Promise.resolve();
    const onStep = (st: ComputeStep) => {
      delivery = delivery.then(async () => {
        const previewPng = st.x0 ? await encodePng(chwToRgba(st.x0, work.width, work.height)) : undefined;
        record({ type: 'progress', jobId: req.jobId, step: st.step, total: st.total, msPerStep: st.msPerStep, preview: !!previewPng });
        onProgress({ step: st.step, total: st.total, msPerStep: st.msPerStep, ...(previewPng ? { previewPng } : {}) });
      });
    };

    let runner = loaded.runner;
    let output;
    try {
      try {
        output = await runner.run(job, onStep, signal);
      } catch (e) {
        if (isAbort(e) || runner.backend !== 'webgpu') throw e;
        // WebGPU failed (device lost, out of memory, …): continue on WASM, same job.
        this.notice({ level: 'warning', message: `WebGPU failed (${(e as Error).message}). Continuing on WASM (slower); the run is retried.` });
        await runner.dispose().catch(() => undefined);
        runner = await this.wasmRunner(loaded.pack, loaded.wasm);
        loaded.runner = runner;
        output = await runner.run(job, onStep, signal);
      }
      await delivery;
    } catch (e) {
      record({ type: 'run-end', jobId: req.jobId, status: isAbort(e) ? 'aborted' : 'error', ms: performance.now() - started, message: (e as Error).message });
      throw e;
    }
    await yieldToEventLoop();

    const pngs: Uint8Array[] = [];
    const params: RunParams[] = [];
    for (let i = 0; i < variations; i++) {
      const gen: Rgba = resizeRgba(chwToRgba(output.out, work.width, work.height, i), guide.width, guide.height);
      pngs.push(await encodePng(compositeOverGuide(guide, gen, maskFull)));
      params.push({ t0: output.t0 ?? s.t0, steps, sampler: s.sampler, repeats, seed: req.seed + i, size: Math.max(work.width, work.height), model: info.name, mode: req.mode });
    }
    const totalMs = performance.now() - started;
    record({ type: 'run-end', jobId: req.jobId, status: 'done', ms: totalMs, networkMs: output.networkMs, backend: runner.backend });
    return {
      jobId: req.jobId,
      pngs,
      width: guide.width,
      height: guide.height,
      params,
      backend: runner.backend,
      timings: { totalMs, networkMs: output.networkMs },
    };
  }
}
