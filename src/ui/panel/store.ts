// The panel's single store: one immutable State and a pure reducer. This is the only place in
// the project that holds mutable application state (App keeps it with useReducer). The rules it
// applies live beside it: settings.ts (limits, t0), errors.ts (words), labels.ts (selection).
import {
  DEFAULT_SETTINGS,
  type JobInput,
  type Placement,
  type PluginToUi,
  type Problem,
  type RunParams,
  type Settings,
  type StoredRun,
} from '../../protocol';
import type { Backend, ModelInfo, RunProgress, RuntimeNotice } from '../runtime/engine-api';
import type { UiError } from './errors';
import { sanitizeSettings } from './settings';
import { applyReducer, type ApplyAction } from './store-apply';
import { previewReducer, type PreviewAction, type PreviewState } from './store-preview';
import { queueReducer, type QueueAction, type QueueItem } from './store-queue';

export type { QueueItem } from './store-queue';
export { isApplying } from './store-apply';
export type { PreviewState } from './store-preview';

export const MAX_HISTORY = 20;
export const MAX_NOTICES = 3;

export interface SelectionState {
  jobs: JobInput[];
  problems: Problem[];
  /** When the selection is a result made here: how it was made (jobs then hold its source). */
  rerun: Extract<PluginToUi, { type: 'selection' }>['rerun'];
  /** Bumped on every 'selection' message: the live preview follows it. */
  version: number;
}

export interface EngineState {
  status: 'loading' | 'ready' | 'failed';
  backend: Backend | null;
  model: ModelInfo | null;
  error: UiError | null;
}

export interface RunState {
  status: 'idle' | 'running' | 'cancelling';
  /** id of the current (or last) Generate; events of other runs are ignored */
  runId: number;
  jobIndex: number;
  jobCount: number;
  step: number;
  total: number;
  msPerStep: number;
  previewPng: Uint8Array | null;
  /** How the last run ended, for the status line. */
  last: 'done' | 'cancelled' | 'failed' | null;
}

export interface AppliedRecord {
  index: number;
  placement: Placement;
  nodeName: string | null;
}

export interface HistoryEntry {
  id: number;
  runId: number;
  job: JobInput;
  pngs: Uint8Array[];
  width: number;
  height: number;
  params: RunParams[];
  /** Settings the run was made with (seed = the first variation's seed). */
  settings: Settings;
  backend: Backend;
  totalMs: number;
  applied: AppliedRecord[];
}

export interface PendingApply {
  entryId: number;
  index: number;
  placement: Placement;
  jobId: string;
}


export interface NoticeItem extends RuntimeNotice {
  id: number;
}

export interface State {
  settings: Settings;
  /** false until the sandbox sent the stored settings: nothing is saved before that. */
  settingsLoaded: boolean;
  selection: SelectionState;
  engine: EngineState;
  run: RunState;
  preview: PreviewState;
  history: HistoryEntry[];
  /** History entry ids shown in the results gallery (the last Generate, or one picked). */
  gallery: number[];
  pendingApplies: PendingApply[];
  /** Generates waiting for the current run, in order. */
  queue: QueueItem[];
  /** The lasting history (clientStorage via the sandbox), newest first. */
  saved: StoredRun[];
  /** false until the sandbox sent the lasting history: nothing is saved before that. */
  savedLoaded: boolean;
  /** ids of the saved runs made in this session (the others are shown as earlier runs). */
  savedThisSession: string[];
  notices: NoticeItem[];
  /** Messages of every notice shown this session: each is shown once, even if dismissed. */
  noticesSeen: string[];
  error: UiError | null;
  /** Short confirmation such as "Added “Frame 1 · SDEdit …”". */
  status: string | null;
  nextId: number;
}

export function initialState(settings: Settings = DEFAULT_SETTINGS): State {
  return {
    settings: { ...settings },
    settingsLoaded: false,
    selection: { jobs: [], problems: [], rerun: null, version: 0 },
    engine: { status: 'loading', backend: null, model: null, error: null },
    run: {
      status: 'idle',
      runId: 0,
      jobIndex: 0,
      jobCount: 0,
      step: 0,
      total: 0,
      msPerStep: 0,
      previewPng: null,
      last: null,
    },
    preview: { status: 'idle', png: null, t0: null, started: 0, applicable: null },
    history: [],
    gallery: [],
    pendingApplies: [],
    queue: [],
    saved: [],
    savedLoaded: false,
    savedThisSession: [],
    notices: [],
    noticesSeen: [],
    error: null,
    status: null,
    nextId: 1,
  };
}

// ---- gallery -----------------------------------------------------------------------------

export interface GalleryItem {
  entry: HistoryEntry;
  index: number;
}

export function galleryItems(state: State): GalleryItem[] {
  const items: GalleryItem[] = [];
  for (const id of state.gallery) {
    const entry = state.history.find((h) => h.id === id);
    if (entry) entry.pngs.forEach((_, index) => items.push({ entry, index }));
  }
  return items;
}

/** The status line (a polite live region) when a run is done: screen readers hear it. */
function resultsReady(state: State): string {
  const n = galleryItems(state).length;
  return n === 1 ? '1 result ready: Apply places it on the canvas.' : `${n} results ready: Apply places one on the canvas.`;
}

// ---- actions -----------------------------------------------------------------------------

export type Action =
  | { type: 'settings-loaded'; settings: unknown }
  | { type: 'set'; patch: Partial<Settings> }
  | { type: 'selection'; jobs: JobInput[]; problems: Problem[]; rerun: SelectionState['rerun'] }
  | { type: 'use-rerun-params' }
  | { type: 'engine-ready'; backend: Backend; model: ModelInfo }
  | { type: 'engine-failed'; error: UiError }
  /** `queued`: started by the queue, right after another run: that run's results and error stay
   *  in view until this one has its own */
  | { type: 'run-start'; runId: number; jobCount: number; seed: number; queued?: boolean }
  | { type: 'run-job'; runId: number; jobIndex: number }
  | { type: 'run-progress'; runId: number; progress: RunProgress }
  | {
      type: 'run-result';
      runId: number;
      job: JobInput;
      result: {
        pngs: Uint8Array[];
        width: number;
        height: number;
        params: RunParams[];
        backend: Backend;
        totalMs: number;
      };
      settings: Settings;
    }
  | { type: 'run-cancel-requested'; runId: number }
  | { type: 'run-end'; runId: number; outcome: 'done' | 'cancelled' | 'failed'; error?: UiError }
  | PreviewAction
  | ApplyAction
  | { type: 'notice'; notice: RuntimeNotice }
  | { type: 'dismiss-notice'; id: number }
  | { type: 'dismiss-error' }
  | { type: 'show-entry'; id: number }
  | QueueAction;

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'settings-loaded':
      return { ...state, settings: sanitizeSettings(action.settings), settingsLoaded: true };

    case 'set': {
      const settings = sanitizeSettings({ ...state.settings, ...action.patch }, state.settings);
      return { ...state, settings };
    }

    case 'selection': {
      // Another frame: the old frame's preview must not sit beside the new guide. The same
      // frame exported again (an edit, a new working size) keeps it until the next preview.
      const before = state.selection.jobs[0]?.sourceNodeId;
      const after = action.jobs[0]?.sourceNodeId;
      const preview = before !== after ? { ...state.preview, status: 'idle' as const, png: null, t0: null, applicable: null } : state.preview;
      return {
        ...state,
        preview,
        selection: {
          jobs: action.jobs,
          problems: action.problems,
          rerun: action.rerun,
          version: state.selection.version + 1,
        },
      };
    }

    case 'use-rerun-params': {
      const rr = state.selection.rerun;
      if (!rr) return state;
      const p = rr.params;
      const settings = sanitizeSettings(
        { ...state.settings, t0: p.t0, steps: p.steps, sampler: p.sampler, repeats: p.repeats, seed: p.seed, size: p.size, model: p.model, seedMode: 'fixed' },
        state.settings,
      );
      return { ...state, settings, status: `Settings of the selected result loaded (seed ${p.seed}).` };
    }

    case 'engine-ready':
      return { ...state, engine: { status: 'ready', backend: action.backend, model: action.model, error: null } };

    case 'engine-failed':
      return { ...state, engine: { ...state.engine, status: 'failed', error: action.error } };

    case 'run-start': {
      const settings = state.settings.seedMode === 'random' ? { ...state.settings, seed: action.seed } : state.settings;
      return {
        ...state,
        settings,
        error: action.queued ? state.error : null,
        status: action.queued ? state.status : null,
        gallery: action.queued ? state.gallery : [],
        preview: state.preview.status === 'running' ? { ...state.preview, status: 'stopped' } : state.preview,
        run: {
          status: 'running',
          runId: action.runId,
          jobIndex: 0,
          jobCount: action.jobCount,
          step: 0,
          total: 0,
          msPerStep: 0,
          previewPng: null,
          last: null,
        },
      };
    }

    case 'run-job':
      if (action.runId !== state.run.runId || state.run.status === 'idle') return state;
      return { ...state, run: { ...state.run, jobIndex: action.jobIndex, step: 0, total: 0, previewPng: null } };

    case 'run-progress': {
      if (action.runId !== state.run.runId || state.run.status === 'idle') return state;
      const p = action.progress;
      return {
        ...state,
        run: {
          ...state.run,
          step: p.step,
          total: p.total,
          msPerStep: p.msPerStep > 0 ? p.msPerStep : state.run.msPerStep,
          previewPng: p.previewPng ?? state.run.previewPng,
        },
      };
    }

    case 'run-result': {
      if (action.runId !== state.run.runId) return state;
      const r = action.result;
      const entry: HistoryEntry = {
        id: state.nextId,
        runId: action.runId,
        job: action.job,
        pngs: r.pngs,
        width: r.width,
        height: r.height,
        params: r.params,
        settings: { ...action.settings, seed: r.params[0]?.seed ?? action.settings.seed },
        backend: r.backend,
        totalMs: r.totalMs,
        applied: [],
      };
      const history = [entry, ...state.history].slice(0, MAX_HISTORY);
      return {
        ...state,
        history,
        // this run's frames accumulate; a previous run's results (kept by a queued start) go
        gallery: [...state.gallery.filter((id) => history.some((h) => h.id === id && h.runId === action.runId)), entry.id],
        engine: { ...state.engine, backend: r.backend },
        nextId: state.nextId + 1,
      };
    }

    case 'run-cancel-requested':
      if (action.runId !== state.run.runId || state.run.status !== 'running') return state;
      return { ...state, run: { ...state.run, status: 'cancelling' } };

    case 'run-end': {
      if (action.runId !== state.run.runId) return state;
      return {
        ...state,
        run: { ...state.run, status: 'idle', last: action.outcome },
        error: action.outcome === 'failed' ? (action.error ?? state.error) : state.error,
        status:
          action.outcome === 'cancelled'
            ? 'Cancelled. Nothing was added to the canvas.'
            : action.outcome === 'done'
              ? resultsReady(state)
              : state.status,
      };
    }

    case 'preview-start':
    case 'preview-result':
    case 'preview-failed':
    case 'preview-stopped':
    case 'preview-clear':
    case 'preview-keep':
      return previewReducer(state, action);

    case 'apply-requested':
    case 'applied':
    case 'problem':
      return applyReducer(state, action);

    case 'notice': {
      // the runtime may report the same fallback from more than one place (or once per run)
      if (state.noticesSeen.includes(action.notice.message)) return state;
      const noticesSeen = [...state.noticesSeen, action.notice.message].slice(-50);
      const notices = [...state.notices, { ...action.notice, id: state.nextId }].slice(-MAX_NOTICES);
      return { ...state, notices, noticesSeen, nextId: state.nextId + 1 };
    }

    case 'dismiss-notice':
      return { ...state, notices: state.notices.filter((n) => n.id !== action.id) };

    case 'dismiss-error':
      return { ...state, error: null };

    case 'show-entry':
      if (!state.history.some((h) => h.id === action.id)) return state;
      return { ...state, gallery: [action.id] };

    case 'queue-add':
    case 'queue-remove':
    case 'history-loaded':
    case 'run-stored':
    case 'use-stored':
      return queueReducer(state, action);
  }
}
