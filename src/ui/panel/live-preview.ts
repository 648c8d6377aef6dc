// The live preview's runner: latest-wins, debounced, only while no run goes and something is
// selected. The engine makes it at the working size on WebGPU (then it can be applied as it is)
// and shrunk on WASM.
import { useMemo } from 'preact/hooks';
import { runRequest, type Backend, type Engine, type ModelInfo } from '../runtime/engine-api';
import { createLatestRunner, type Clock, type LatestRunner } from './debounce';
import { errorToUi } from './errors';
import type { Action, State } from './store';
import type { PreviewResult } from './store-preview';
import type { PackControl } from './use-pack';

export function useLivePreview(
  engine: Engine,
  clock: Clock,
  stateRef: { current: State },
  loadRef: { current: Promise<{ backend: Backend; model: ModelInfo }> | null },
  dispatch: (a: Action) => void,
  delayMs: number,
  /** the prompt of a text-conditioned pack (not remembered in the prompt history: a preview) */
  runText: PackControl['runText'],
): LatestRunner {
  return useMemo(
    () =>
      createLatestRunner<{ png: Uint8Array; t0: number; applicable: PreviewResult | null }>({
        delayMs,
        clock,
        enabled: () => {
          const s = stateRef.current;
          return s.settings.livePreview && s.run.status === 'idle' && s.selection.jobs.length > 0;
        },
        onStart: () => dispatch({ type: 'preview-start' }),
        run: async (signal) => {
          const s = stateRef.current;
          const job = s.selection.jobs[0];
          const settings = s.settings;
          if (loadRef.current) await loadRef.current;
          const text = runText(s.engine.model, false);
          const res = await engine.run({ ...runRequest(job, settings, settings.seed, true), ...(text ? { text } : {}) }, () => undefined, signal);
          const applicable: PreviewResult | null = res.atWorkingSize
            ? { job, pngs: res.pngs, width: res.width, height: res.height, params: res.params, settings, backend: res.backend, totalMs: res.timings.totalMs }
            : null;
          return { png: res.pngs[0], t0: res.params[0]?.t0 ?? settings.t0, applicable };
        },
        onResult: (r) => dispatch({ type: 'preview-result', png: r.png, t0: r.t0, applicable: r.applicable }),
        onError: (e) => dispatch({ type: 'preview-failed', error: errorToUi(e) }),
      }),
    [engine, clock, stateRef, loadRef, dispatch, delayMs, runText],
  );
}
