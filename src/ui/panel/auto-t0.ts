// The t0 control's "Auto": ask the runtime for the t0 the model suggests for the first selected
// job (core's suggestT0, run as part of a cheap preview-size run), move the slider there and
// remember the suggestion so the control can mark it. A new selection forgets it.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { JobInput, Settings } from '../../protocol';
import { type Engine, runRequest } from '../runtime/engine-api';

export interface AutoT0 {
  /** the suggestion for the current selection, or null */
  autoT0: number | null;
  busy: boolean;
  onAuto: () => void;
}

export function useAutoT0(
  engine: Engine,
  current: () => { job: JobInput | null; settings: Settings; ready: Promise<unknown> | null },
  apply: (t0: number) => void,
  selectionVersion: number,
  onError: (e: unknown) => void,
): AutoT0 {
  const [autoT0, setAutoT0] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const version = useRef(selectionVersion);
  useEffect(() => {
    version.current = selectionVersion;
    setAutoT0(null);
  }, [selectionVersion]);
  const onAuto = useCallback(() => {
    const { job, settings, ready } = current();
    if (!job) return;
    const asked = version.current;
    setBusy(true);
    void (async () => {
      try {
        if (ready) await ready;
        const res = await engine.run(
          { ...runRequest(job, settings, settings.seed, true), autoT0: true },
          () => undefined,
          new AbortController().signal,
        );
        const t0 = res.params[0]?.t0;
        // a suggestion for a selection that has changed since is dropped
        if (t0 !== undefined && version.current === asked) {
          setAutoT0(t0);
          apply(t0);
        }
      } catch (e) {
        onError(e);
      } finally {
        setBusy(false);
      }
    })();
  }, [engine, current, apply, onError]);
  return { autoT0, busy, onAuto };
}
