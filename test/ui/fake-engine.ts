// A scripted Engine and Bridge for the panel's render tests.
import { abortError } from '../../src/core';
import type { PluginToUi, UiToPlugin } from '../../src/protocol';
import type { Bridge } from '../../src/ui/panel/bridge';
import type { Engine, ModelInfo, PackSource, RunProgress, RunRequest, RunResult, RuntimeNotice } from '../../src/ui/runtime/engine-api';

export const MODEL: ModelInfo = { name: 'default', bytes: 3.5 * 1024 * 1024, source: 'embedded', multiple: 8, sde: 'vp' };

export interface PendingRun {
  req: RunRequest;
  signal: AbortSignal;
  progress: (p: RunProgress) => void;
  resolve: (r?: Partial<RunResult>) => void;
  reject: (e: unknown) => void;
}

export class FakeEngine implements Engine {
  runs: PendingRun[] = [];
  noticeListeners: ((n: RuntimeNotice) => void)[] = [];
  loadResult: Promise<{ backend: 'webgpu' | 'wasm'; model: ModelInfo }> = Promise.resolve({ backend: 'wasm', model: MODEL });

  load() {
    return this.loadResult;
  }

  run(req: RunRequest, onProgress: (p: RunProgress) => void, signal: AbortSignal): Promise<RunResult> {
    return new Promise<RunResult>((resolve, reject) => {
      const n = req.preview ? 1 : req.settings.variations;
      const pending: PendingRun = {
        req,
        signal,
        progress: onProgress,
        resolve: (over = {}) =>
          resolve({
            jobId: req.jobId,
            pngs: Array.from({ length: n }, (_, i) => new Uint8Array([137, 80, 78, 71, req.seed + i])),
            width: 64,
            height: 48,
            params: Array.from({ length: n }, (_, i) => ({
              t0: req.settings.t0,
              steps: req.settings.steps,
              sampler: req.settings.sampler,
              repeats: req.settings.repeats,
              seed: req.seed + i,
              size: req.settings.size,
              model: req.settings.model,
              mode: req.mode,
            })),
            backend: 'wasm',
            timings: { totalMs: 1234, networkMs: 1000 },
            atWorkingSize: !req.preview,
            ...over,
          }),
        reject,
      };
      // rejects as the runtime does on a cancel (core's abortError)
      signal.addEventListener('abort', () => reject(abortError()));
      this.runs.push(pending);
    });
  }

  packs: PackSource[] = [];
  /** what usePack answers for a folder (the embedded pack answers loadResult) */
  packResult: (source: PackSource) => Promise<{ backend: 'webgpu' | 'wasm'; model: ModelInfo }> = () => this.loadResult;

  usePack(source: PackSource) {
    this.packs.push(source);
    return source.kind === 'embedded' ? this.loadResult : this.packResult(source);
  }

  onNotice(listener: (n: RuntimeNotice) => void) {
    this.noticeListeners.push(listener);
  }

  notice(n: RuntimeNotice) {
    for (const l of this.noticeListeners) l(n);
  }

  get fullRuns() {
    return this.runs.filter((r) => !r.req.preview);
  }

  get previewRuns() {
    return this.runs.filter((r) => r.req.preview);
  }
}

export class FakeBridge implements Bridge {
  sent: UiToPlugin[] = [];
  private listeners: ((m: PluginToUi) => void)[] = [];
  post(msg: UiToPlugin) {
    this.sent.push(msg);
  }
  listen(fn: (m: PluginToUi) => void) {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }
  emit(msg: PluginToUi) {
    for (const l of this.listeners) l(msg);
  }
  ofType<T extends UiToPlugin['type']>(type: T): Extract<UiToPlugin, { type: T }>[] {
    return this.sent.filter((m): m is Extract<UiToPlugin, { type: T }> => m.type === type);
  }
}
