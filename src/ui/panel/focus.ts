// Pressing Generate or Cancel disables the pressed button, and a disabled button drops focus to
// the page body, where keyboard and screen-reader users lose their place. A run starting moves
// focus to Cancel; a run ending moves it back to Generate (only when it was lost or on Cancel).
import { useEffect, useRef } from 'preact/hooks';
import type { RunState } from './store';

export function useRunFocus(runStatus: RunState['status']) {
  const generateRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const prevRunStatus = useRef(runStatus);
  useEffect(() => {
    if (prevRunStatus.current === runStatus) return;
    prevRunStatus.current = runStatus;
    const active = document.activeElement;
    const lost = !active || active === document.body || (active instanceof HTMLButtonElement && active.disabled);
    if (runStatus === 'running' && (lost || active === generateRef.current)) cancelRef.current?.focus();
    else if (runStatus === 'idle' && (lost || active === cancelRef.current)) {
      if (generateRef.current && !generateRef.current.disabled) generateRef.current.focus();
    }
  }, [runStatus]);
  return { generateRef, cancelRef };
}
