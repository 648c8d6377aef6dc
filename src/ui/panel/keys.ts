// The panel's keyboard: Escape cancels the run (or stops a live preview), Ctrl/Cmd+Enter generates.
import { useEffect, useRef } from 'preact/hooks';
import type { LatestRunner } from './debounce';

export function useRunKeys(
  runCtrl: { readonly current: AbortController | null },
  cancel: () => void,
  generate: () => Promise<void>,
  previewRunner: LatestRunner,
  onPreviewStopped: () => void,
): void {
  const stopped = useRef(onPreviewStopped);
  stopped.current = onPreviewStopped;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        if (runCtrl.current) {
          e.preventDefault();
          cancel();
        } else if (previewRunner.busy()) {
          void previewRunner.cancel().then(() => stopped.current());
        }
      } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void generate();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [runCtrl, cancel, generate, previewRunner]);
}
