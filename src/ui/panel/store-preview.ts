// The store's rules for the live preview: its status and picture, and — when it ran at the job's
// working size (WebGPU) — the result it can be applied as, kept into the results like a run's.
import type { UiError } from './errors';
import { MAX_HISTORY, type HistoryEntry, type State } from './store';

/** A preview made at the job's working size: everything a results entry needs. */
export type PreviewResult = Omit<HistoryEntry, 'id' | 'runId' | 'applied'>;

export interface PreviewState {
  /** 'stopped': the last preview was cut short (Escape, Generate) and shows nothing newer. */
  status: 'idle' | 'running' | 'failed' | 'stopped';
  png: Uint8Array | null;
  t0: number | null;
  /** Preview runs started so far (after the debounce). */
  started: number;
  /** the shown preview as a result that can be applied as it is (null: a small, quick one) */
  applicable: PreviewResult | null;
}

export type PreviewAction =
  | { type: 'preview-start' }
  | { type: 'preview-result'; png: Uint8Array; t0: number; applicable: PreviewResult | null }
  | { type: 'preview-failed'; error: UiError }
  | { type: 'preview-clear' }
  /** the preview in flight was aborted and no newer one follows */
  | { type: 'preview-stopped' }
  /** the shown working-size preview becomes a results entry (the newest), shown in the gallery */
  | { type: 'preview-keep' };

/** Results entries made from previews carry this run id (no Generate made them). */
export const PREVIEW_RUN_ID = 0;

export function previewReducer(state: State, action: PreviewAction): State {
  const preview = state.preview;
  switch (action.type) {
    case 'preview-start':
      return { ...state, preview: { ...preview, status: 'running', started: preview.started + 1 } };
    case 'preview-result':
      return { ...state, preview: { ...preview, status: 'idle', png: action.png, t0: action.t0, applicable: action.applicable } };
    case 'preview-failed':
      return { ...state, preview: { ...preview, status: 'failed' }, error: action.error };
    case 'preview-stopped':
      return preview.status === 'running' ? { ...state, preview: { ...preview, status: 'stopped' } } : state;
    case 'preview-clear':
      return { ...state, preview: { ...preview, status: 'idle', png: null, t0: null, applicable: null } };
    case 'preview-keep': {
      const kept = preview.applicable;
      if (!kept) return state;
      const entry: HistoryEntry = { ...kept, id: state.nextId, runId: PREVIEW_RUN_ID, applied: [] };
      // kept once: the preview's Apply goes with it, the results entry carries the apply
      return { ...state, history: [entry, ...state.history].slice(0, MAX_HISTORY), gallery: [entry.id], nextId: state.nextId + 1, preview: { ...preview, applicable: null } };
    }
  }
}
