// The panel's single store: one immutable State and a pure reducer. This is the only place in
// the project that holds mutable application state (App keeps it with useReducer).
import {
  DEFAULT_SETTINGS,
  SAMPLER_CHOICES,
  type JobInput,
  type JobMode,
  type Placement,
  type PluginToUi,
  type Problem,
  type RunParams,
  type SamplerChoice,
  type SeedMode,
  type Settings,
} from '../../protocol';
import type { Backend, ModelInfo, RunProgress, RuntimeNotice } from '../runtime/engine-api';

/** Working sizes offered in the panel; stored settings may hold another size in
 *  [MIN_SIZE, MAX_SIZE] (e.g. set by a script or test), which is then offered too. */
export const WORKING_SIZES = [128, 256, 384, 512] as const;
export const MIN_SIZE = 32;
export const MAX_SIZE = 1024;
export const MAX_VARIATIONS = 4;
export const MAX_STEPS = 1000;
export const MAX_REPEATS = 10;
export const MAX_SEED = 2 ** 31 - 1;
export const MAX_HISTORY = 20;
export const MAX_NOTICES = 3;
/** The paper's recommended t0 range for stroke-based editing. */
export const RECOMMENDED_T0: readonly [number, number] = [0.3, 0.6];
export const T0_MIN = 0.01;

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

/** An error in a designer's words: what happened, and what to do about it. */
export interface UiError {
  message: string;
  hint: string;
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

export interface PreviewState {
  status: 'idle' | 'running' | 'failed';
  png: Uint8Array | null;
  t0: number | null;
  /** Preview runs started so far (after the debounce). */
  started: number;
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
  notices: NoticeItem[];
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
    preview: { status: 'idle', png: null, t0: null, started: 0 },
    history: [],
    gallery: [],
    pendingApplies: [],
    notices: [],
    error: null,
    status: null,
    nextId: 1,
  };
}

// ---- settings validation -----------------------------------------------------------------

const SEED_MODES: readonly SeedMode[] = ['random', 'fixed', 'increment'];

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function clampInt(v: unknown, lo: number, hi: number, fallback: number): number {
  const n = num(v);
  if (n === null) return fallback;
  return Math.min(hi, Math.max(lo, Math.round(n)));
}

/** Round t0 to the slider's resolution and keep it in (0, 1]. */
export function clampT0(t: number): number {
  if (!Number.isFinite(t)) return DEFAULT_SETTINGS.t0;
  return Math.min(1, Math.max(T0_MIN, Math.round(t * 1000) / 1000));
}

/** A usable working size: a multiple of 8 in [MIN_SIZE, MAX_SIZE] (the sandbox then rounds it
 *  to the model's own multiple). */
export function validSize(v: number): number {
  return Math.min(MAX_SIZE, Math.max(MIN_SIZE, Math.round(v / 8) * 8));
}

/** Settings from storage or a patch are untrusted: every field is checked and clamped, and
 *  anything unusable falls back to the default. */
export function sanitizeSettings(raw: unknown, base: Settings = DEFAULT_SETTINGS): Settings {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const t0 = num(r.t0);
  const size = num(r.size);
  return {
    t0: t0 !== null && t0 > 0 ? clampT0(t0) : base.t0,
    steps: clampInt(r.steps, 1, MAX_STEPS, base.steps),
    sampler: SAMPLER_CHOICES.includes(r.sampler as SamplerChoice) ? (r.sampler as SamplerChoice) : base.sampler,
    repeats: clampInt(r.repeats, 1, MAX_REPEATS, base.repeats),
    seedMode: SEED_MODES.includes(r.seedMode as SeedMode) ? (r.seedMode as SeedMode) : base.seedMode,
    seed: clampInt(r.seed, 0, MAX_SEED, base.seed),
    size: size !== null && size > 0 ? validSize(size) : base.size,
    dilation: clampInt(r.dilation, 0, 64, base.dilation),
    feather: clampInt(r.feather, 0, 64, base.feather),
    variations: clampInt(r.variations, 1, MAX_VARIATIONS, base.variations),
    model: typeof r.model === 'string' && r.model.trim() !== '' ? r.model : base.model,
    livePreview: typeof r.livePreview === 'boolean' ? r.livePreview : base.livePreview,
  };
}

/** Parse what was typed into the t0 box: a number in (0, 1] ("0.45", ".45", "0,45"), else null. */
export function parseT0(text: string): number | null {
  const s = text.trim().replace(',', '.');
  if (!/^(\d+\.?\d*|\.\d+)$/.test(s)) return null;
  const v = Number(s);
  if (!(v > 0) || v > 1) return null;
  return clampT0(v);
}

/** The seed of the next Generate. Random mode draws one; the others use the stored seed. */
export function seedForRun(settings: Settings, random: () => number): number {
  if (settings.seedMode === 'random') return Math.floor(random() * MAX_SEED);
  return settings.seed;
}

// ---- selection ---------------------------------------------------------------------------

export const NOTHING_SELECTED_HINT =
  'Select a frame to re-imagine it, or select layers inside a frame to blend them in.';

export function selectionMode(sel: SelectionState): JobMode | null {
  return sel.jobs.length > 0 ? sel.jobs[0].mode : null;
}

export const MODE_LABEL: Record<JobMode, string> = {
  synthesis: 'Re-imagine frame',
  'mask-edit': 'Edit masked area',
  composite: 'Blend layers in',
};

export const MODE_DETAIL: Record<JobMode, string> = {
  synthesis: 'The whole frame is redrawn as a realistic image.',
  'mask-edit': 'Only the parts under layers named “Mask” change.',
  composite: 'The selected layers are blended into their frame.',
};

/** Problems worth showing: "nothing selected" is shown as guidance, not as a problem. */
export function visibleProblems(sel: SelectionState): Problem[] {
  return sel.problems.filter((p) => p.code !== 'nothing-selected');
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

// ---- actions -----------------------------------------------------------------------------

export type Action =
  | { type: 'settings-loaded'; settings: unknown }
  | { type: 'set'; patch: Partial<Settings> }
  | { type: 'selection'; jobs: JobInput[]; problems: Problem[]; rerun: SelectionState['rerun'] }
  | { type: 'use-rerun-params' }
  | { type: 'engine-ready'; backend: Backend; model: ModelInfo }
  | { type: 'engine-failed'; error: UiError }
  | { type: 'run-start'; runId: number; jobCount: number; seed: number }
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
  | { type: 'preview-start' }
  | { type: 'preview-result'; png: Uint8Array; t0: number }
  | { type: 'preview-failed'; error: UiError }
  | { type: 'preview-clear' }
  | { type: 'apply-requested'; entryId: number; index: number; placement: Placement }
  | { type: 'applied'; jobId: string; nodeName: string; placement: Placement }
  | { type: 'problem'; problem: Problem }
  | { type: 'notice'; notice: RuntimeNotice }
  | { type: 'dismiss-notice'; id: number }
  | { type: 'dismiss-error' }
  | { type: 'show-entry'; id: number };

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'settings-loaded':
      return { ...state, settings: sanitizeSettings(action.settings), settingsLoaded: true };

    case 'set': {
      const settings = sanitizeSettings({ ...state.settings, ...action.patch }, state.settings);
      return { ...state, settings };
    }

    case 'selection': {
      // A new selection clears a stale error about the old one, but not a run's error.
      return {
        ...state,
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
        error: null,
        status: null,
        gallery: [],
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
        gallery: [...state.gallery, entry.id].filter((id) => history.some((h) => h.id === id)),
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
        status: action.outcome === 'cancelled' ? 'Cancelled. Nothing was added to the canvas.' : state.status,
      };
    }

    case 'preview-start':
      return { ...state, preview: { ...state.preview, status: 'running', started: state.preview.started + 1 } };

    case 'preview-result':
      return { ...state, preview: { ...state.preview, status: 'idle', png: action.png, t0: action.t0 } };

    case 'preview-failed':
      return { ...state, preview: { ...state.preview, status: 'failed' }, error: action.error };

    case 'preview-clear':
      return { ...state, preview: { ...state.preview, status: 'idle', png: null, t0: null } };

    case 'apply-requested': {
      const entry = state.history.find((h) => h.id === action.entryId);
      if (!entry || !entry.pngs[action.index]) return state;
      const pending: PendingApply = { entryId: entry.id, index: action.index, placement: action.placement, jobId: entry.job.jobId };
      const s = state.settings;
      // "increment after apply": move past the seeds this run's variations used.
      const settings = s.seedMode === 'increment' ? { ...s, seed: Math.min(MAX_SEED, s.seed + Math.max(1, s.variations)) } : s;
      return { ...state, settings, pendingApplies: [...state.pendingApplies, pending], status: null };
    }

    case 'applied': {
      const i = state.pendingApplies.findIndex((p) => p.jobId === action.jobId);
      const pending = i >= 0 ? state.pendingApplies[i] : null;
      const pendingApplies = i >= 0 ? state.pendingApplies.filter((_, j) => j !== i) : state.pendingApplies;
      const history = pending
        ? state.history.map((h) =>
            h.id === pending.entryId
              ? { ...h, applied: [...h.applied, { index: pending.index, placement: action.placement, nodeName: action.nodeName }] }
              : h,
          )
        : state.history;
      const verb = action.placement === 'replace' ? 'Replaced with' : 'Added';
      return { ...state, pendingApplies, history, status: `${verb} “${action.nodeName}”.` };
    }

    case 'problem': {
      // An apply that failed is no longer pending.
      const pendingApplies = action.problem.code === 'apply-failed' ? state.pendingApplies.slice(1) : state.pendingApplies;
      return { ...state, pendingApplies, error: problemToError(action.problem), status: null };
    }

    case 'notice': {
      const notices = [...state.notices, { ...action.notice, id: state.nextId }].slice(-MAX_NOTICES);
      return { ...state, notices, nextId: state.nextId + 1 };
    }

    case 'dismiss-notice':
      return { ...state, notices: state.notices.filter((n) => n.id !== action.id) };

    case 'dismiss-error':
      return { ...state, error: null };

    case 'show-entry':
      if (!state.history.some((h) => h.id === action.id)) return state;
      return { ...state, gallery: [action.id] };
  }
}

/** A sandbox problem already says what happened and what to do; keep its words. */
export function problemToError(p: Problem): UiError {
  const hints: Partial<Record<Problem['code'], string>> = {
    'apply-failed': 'Try Apply again; if the frame was deleted, select it again or use Apply to add a new layer.',
    'source-missing': 'The original frame is gone. Select a frame and press Generate again.',
    'export-failed': 'Try selecting the frame again. Hidden or empty layers cannot be exported.',
  };
  return { message: p.message, hint: hints[p.code] ?? '' };
}

/** Turn an exception from the engine into a designer's words with what to do. */
export function errorToUi(e: unknown): UiError {
  const raw = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
  const text = raw.toLowerCase();
  if (/out of memory|\boom\b|allocat|memory/.test(text)) {
    return { message: 'The model ran out of memory.', hint: 'Choose a smaller working size or fewer variations, then press Generate again.' };
  }
  if (/\bpng\b|decode/.test(text)) {
    return { message: 'The selection could not be read as an image.', hint: 'Select the frame again; make sure it is visible and not empty.' };
  }
  if (/fetch|network|download|https?:/.test(text)) {
    return { message: 'The model could not be downloaded.', hint: 'Check your connection, or switch to the default model, which works offline.' };
  }
  if (/sha-?256|\bhash\b|\bshape\b|input name|model pack|\.onnx/.test(text)) {
    return { message: 'The model pack could not be loaded.', hint: 'Switch back to the default model. If this is the default model, reinstall the plugin.' };
  }
  return {
    message: raw ? `Something went wrong: ${raw}` : 'Something went wrong while generating.',
    hint: 'Press Generate to try again. If it keeps happening, try a smaller working size.',
  };
}
