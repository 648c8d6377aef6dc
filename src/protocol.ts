// The only contract between the Figma sandbox (src/plugin) and the plugin UI iframe (src/ui).
// Messages are plain objects; images travel as PNG bytes in Uint8Array (Figma's postMessage
// carries Uint8Array, not ArrayBuffer or ImageData). This file imports nothing.

/** How the selection is turned into a job. Derived from the selection, never asked for. */
export type JobMode =
  /** A frame (group, component, instance) with no mask: the whole frame is re-synthesised. */
  | 'synthesis'
  /** A frame containing layers named "Mask": only their opaque pixels are edited. */
  | 'mask-edit'
  /** Layers selected inside a frame: their silhouettes (dilated, feathered) are blended in. */
  | 'composite';

/**
 * The reverse sampler. 'ddpm': the paper's ancestral sampler (stochastic; many steps).
 * 'ddim': deterministic DDIM. 'dpmpp2m': DPM-Solver++(2M), deterministic, second order: reaches
 * DDIM's many-step result in few steps. 'dpmpp2m-sde': its stochastic variant, which lands where
 * the paper's DDPM does in few steps. The few-step solvers run on a log-SNR time grid.
 */
export type SamplerChoice = 'ddpm' | 'ddim' | 'dpmpp2m' | 'dpmpp2m-sde';
/** Every sampler the panel offers, in its menu order; both sides validate against this list. */
export const SAMPLER_CHOICES: readonly SamplerChoice[] = ['dpmpp2m-sde', 'dpmpp2m', 'ddim', 'ddpm'];
export type SeedMode = 'random' | 'fixed' | 'increment';
/**
 * Where an applied result goes. 'new-node': a new rectangle beside the source (same size, same
 * parent, image fill with scaleMode FILL). 'replace': the source's fills become the image fill and
 * its children are hidden (not deleted) so the result shows; groups, text and lines cannot take it.
 * Either way one apply is one undo step.
 */
export type Placement = 'new-node' | 'replace';

/** Everything the user tunes in the panel; persisted in figma.clientStorage by the sandbox. */
export interface Settings {
  t0: number;
  steps: number;
  sampler: SamplerChoice;
  repeats: number;
  seedMode: SeedMode;
  seed: number;
  /** Working size: the longest side of the guide in pixels, rounded to the model's multiple. */
  size: number;
  /** Composite mode: dilation of the selected layers' silhouettes, in working-size pixels. */
  dilation: number;
  /** Composite mode: feather width of the mask edge, in working-size pixels. */
  feather: number;
  variations: number;
  /** Model pack name (e.g. "default"). */
  model: string;
  /** Live preview on t0 / selection changes. */
  livePreview: boolean;
}

/** Default sampler: SDE-DPM-Solver++(2M), 10 steps on the log-SNR grid: within the noise of the
 *  paper's every-step DDPM (500 calls at t0 0.5) on both L2 to the guide and KID, with half the
 *  calls of DDIM-20, which lands 16% off DDPM's L2 (bench/RESULTS.md §4). */
export const DEFAULT_SETTINGS: Settings = {
  t0: 0.5,
  steps: 10,
  sampler: 'dpmpp2m-sde',
  repeats: 1,
  seedMode: 'increment',
  seed: 1,
  size: 256,
  dilation: 4,
  feather: 6,
  variations: 1,
  model: 'default',
  livePreview: true,
};

// ---- parameter limits -------------------------------------------------------------------------

/** Figma's createImage takes at most this many pixels per side. */
export const MAX_IMAGE_SIDE = 4096;

/** The allowed values of one numeric parameter: `min` (excluded when `minExclusive`) to `max`,
 *  whole numbers only when `integer`. */
export interface Limit {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  readonly minExclusive?: boolean;
}

/**
 * The one table of parameter limits. The CLI refuses values outside it, the panel's store clamps
 * into it, the sandbox falls back to the default for them (stored settings, plugin data) and the
 * engine refuses them.
 */
export const LIMITS = {
  /** SDE time the guide is noised to: the paper's t0 ∈ (0, 1] */
  t0: { min: 0, minExclusive: true, max: 1, integer: false },
  /** reverse steps; 1000 is the default schedule's every step (the CLI also takes 0 = every step) */
  steps: { min: 1, max: 1000, integer: true },
  /** noise–denoise cycles (the paper's K); each costs a whole run */
  repeats: { min: 1, max: 10, integer: true },
  /** results of one run, sampled as one batch: memory grows with it and the gallery shows 4 */
  variations: { min: 1, max: 4, integer: true },
  /** seed of the first variation (variation i uses seed + i): 31 bits stay exact everywhere */
  seed: { min: 0, max: 2 ** 31 - 1, integer: true },
  /** working size: the longest side in pixels, at most what Figma can place */
  size: { min: 8, max: MAX_IMAGE_SIDE, integer: true },
  /** composite mode: silhouette growth and edge softening, in working-size pixels */
  dilation: { min: 0, max: 64, integer: true },
  feather: { min: 0, max: 64, integer: true },
  /** DDIM's eta (CLI only): 0 = deterministic, 1 = DDPM's amount of fresh noise */
  eta: { min: 0, max: Infinity, integer: false },
} as const satisfies Record<string, Limit>;

export type LimitName = keyof typeof LIMITS;

/** true when `value` is an allowed value of the parameter. */
export function isWithinLimit(name: LimitName, value: unknown): value is number {
  const l: Limit = LIMITS[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (l.integer && !Number.isInteger(value)) return false;
  return (l.minExclusive ? value > l.min : value >= l.min) && value <= l.max;
}

/** The allowed values in words: "an integer from 1 to 4", "in (0, 1]", "≥ 0". */
export function describeLimit(name: LimitName): string {
  const l: Limit = LIMITS[name];
  if (l.integer) return `an integer from ${l.min} to ${l.max}`;
  if (l.max === Infinity) return `${l.minExclusive ? '>' : '≥'} ${l.min}`;
  return `in ${l.minExclusive ? '(' : '['}${l.min}, ${l.max}]`;
}

/** The validator: why `value` is not an allowed `name` ("variations must be an integer from 1
 *  to 4, got 5"), or null when it is. `label` names it in the sentence (e.g. "--variations"). */
export function limitError(name: LimitName, value: unknown, label: string = name): string | null {
  return isWithinLimit(name, value) ? null : `${label} must be ${describeLimit(name)}, got ${String(value)}`;
}

/** The nearest allowed value (integers rounded first); null for a non-number, or for one at or
 *  below an excluded minimum, which has no nearest allowed value. */
export function clampToLimit(name: LimitName, value: unknown): number | null {
  const l: Limit = LIMITS[name];
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  if (l.minExclusive && value <= l.min) return null;
  const v = l.integer ? Math.round(value) : value;
  return Math.min(l.max, Math.max(l.min, v));
}

// ---- working size -----------------------------------------------------------------------------

/** The spatial multiple assumed until the model has said its own. */
export const DEFAULT_MULTIPLE = 8;

function validMultiple(multiple: number): number {
  return Number.isInteger(multiple) && multiple >= 1 && multiple <= 256 ? multiple : DEFAULT_MULTIPLE;
}

/**
 * The requested working size rounded to the nearest multiple of the model's spatial multiple,
 * kept within LIMITS.size (at least one multiple). Non-numbers give the default size.
 */
export function roundWorkingSize(size: number, multiple = DEFAULT_MULTIPLE): number {
  const m = validMultiple(multiple);
  const lo = Math.max(m, Math.ceil(LIMITS.size.min / m) * m);
  const hi = Math.floor(LIMITS.size.max / m) * m;
  const s = Number.isFinite(size) ? size : DEFAULT_SETTINGS.size;
  return Math.min(hi, Math.max(lo, Math.round(s / m) * m));
}

export type WorkingSize =
  | { ok: true; width: number; height: number }
  | { ok: false; code: 'zero-size' | 'too-large'; reason: string };

/**
 * The working size of an image of `width × height` (Figma units or pixels): the one rule the
 * sandbox, the engine (live preview) and the CLI share.
 * - The longest side becomes `roundWorkingSize(size, multiple)`; the other keeps the aspect
 *   ratio, rounded to the nearest pixel. The network gets it padded to the multiple.
 * - The short side is at least one multiple (a thinner strip would be mostly padding); if that
 *   pushes the long side past MAX_IMAGE_SIDE, the image is refused as 'too-large'.
 * - A side of zero (or not a number) is 'zero-size'.
 */
export function workingSize(width: number, height: number, size: number, multiple = DEFAULT_MULTIPLE): WorkingSize {
  const fmt = (v: number) => (Number.isFinite(v) ? String(Math.round(v * 100) / 100) : String(v));
  if (!(width > 0) || !(height > 0) || !Number.isFinite(width) || !Number.isFinite(height)) {
    return { ok: false, code: 'zero-size', reason: `it is ${fmt(width)}×${fmt(height)}` };
  }
  const m = validMultiple(multiple);
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  let scale = roundWorkingSize(size, m) / long;
  if (short * scale < m) scale = m / short;
  const longPx = Math.round(long * scale);
  const shortPx = Math.max(1, Math.round(short * scale));
  if (longPx > MAX_IMAGE_SIDE) {
    return {
      ok: false,
      code: 'too-large',
      reason:
        `it is ${fmt(width)}×${fmt(height)}: to keep its short side at ${m} px the image would be ` +
        `${longPx} px long, past Figma's ${MAX_IMAGE_SIDE} px image limit`,
    };
  }
  return width >= height ? { ok: true, width: longPx, height: shortPx } : { ok: true, width: shortPx, height: longPx };
}

/** The parameters a result was made with; stored as plugin data on the result node. */
export interface RunParams {
  t0: number;
  steps: number;
  sampler: SamplerChoice;
  repeats: number;
  seed: number;
  size: number;
  model: string;
  mode: JobMode;
}

/** One guide (and optional mask) to edit, exported by the sandbox. */
export interface JobInput {
  jobId: string;
  mode: JobMode;
  sourceNodeId: string;
  sourceName: string;
  /** Guide render, PNG bytes, width × height pixels. */
  guidePng: Uint8Array;
  /**
   * Edit mask, PNG bytes of the same pixel size as the guide, or null for synthesis. Read it as
   * luminance × alpha (white = edit, black or transparent = keep, grey = blend). The sandbox
   * renders it as white where the mask layers (or, in composite mode, the selected layers) have
   * opaque pixels and transparent elsewhere, so luminance × alpha equals their coverage.
   */
  maskPng: Uint8Array | null;
  /**
   * Decided by the sandbox, which knows where the mask came from: true when `maskPng` is the raw,
   * hard-edged silhouette of the selected layers ('composite'); the engine then dilates it by
   * `Settings.dilation` and feathers it by `Settings.feather` (working-size pixels) before use —
   * the sandbox cannot process pixels. false when the mask is to be used as drawn ('mask-edit')
   * or there is none ('synthesis').
   */
  maskIsSilhouette: boolean;
  /**
   * The working size, decided once by the sandbox with `workingSize` (node size, Settings.size,
   * the model's multiple): the pixel size the sampler runs at (the engine pads it to the model's
   * multiple and crops back). The guide is exported at this size.
   */
  workWidth: number;
  workHeight: number;
  /** Pixel size of guidePng (and maskPng), read back from the exported PNG (Figma may round the
   *  export by a pixel, so it can differ from the working size). */
  width: number;
  height: number;
  /** Size of the source node on the canvas, in Figma units. */
  nodeWidth: number;
  nodeHeight: number;
}

/** A user-facing problem: `code` is stable for tests, `message` says what happened and what to do. */
export interface Problem {
  code:
    | 'nothing-selected'
    | 'unsupported-node'
    | 'zero-size'
    | 'too-large'
    | 'empty-mask'
    | 'source-missing'
    | 'invalid-png'
    | 'export-failed'
    | 'apply-failed'
    | 'no-parent-frame'
    /** figma.clientStorage refused the settings (e.g. its 5 MB quota is full). */
    | 'settings-failed';
  message: string;
}

/** One finished run as the history keeps it across sessions (figma.clientStorage, 5 MB in all):
 *  how it was made and a small thumbnail, not the full images. */
export interface StoredRun {
  /** unique within the history */
  id: string;
  /** Date.now() when the run finished */
  createdAt: number;
  sourceName: string;
  sourceNodeId: string;
  /** one per variation */
  params: RunParams[];
  backend: string;
  totalMs: number;
  /** PNG of the first variation, at most HISTORY_LIMITS.thumbSide px a side, or null */
  thumbPng: Uint8Array | null;
}

/** What the lasting history may hold: well inside clientStorage's 5 MB, next to the settings. */
export const HISTORY_LIMITS = { runs: 20, thumbSide: 64, thumbBytes: 32 * 1024, totalBytes: 1024 * 1024 } as const;

/** The panel's pack choice and prompt history, kept in figma.clientStorage (small: a name and a
 *  few short strings, never pack files). */
export interface PackPrefs {
  /** the last pack the user chose: "default" or a folder's pack name */
  pack: string;
  /** recent prompts, newest first */
  prompts: string[];
  /** pack names whose non-commercial licence the user accepted */
  accepted: string[];
}

export const PACK_PREFS_LIMITS = { prompts: 10, promptChars: 500, accepted: 20, nameChars: 200 } as const;

export const DEFAULT_PACK_PREFS: PackPrefs = { pack: 'default', prompts: [], accepted: [] };

// ---- sandbox → UI ----------------------------------------------------------------------------

export type PluginToUi =
  | { type: 'settings'; settings: Settings }
  | {
      type: 'selection';
      /** One job per selected frame; empty when the selection cannot be used. */
      jobs: JobInput[];
      /** Why the selection gives no (or fewer) jobs. */
      problems: Problem[];
      /**
       * When the selection is one result made by this plugin: how it was made. `jobs` then holds
       * the job for its source (not for the result), ready to re-run with another seed or t0.
       */
      rerun: { params: RunParams; sourceNodeId: string; resultNodeId: string } | null;
    }
  /** `existing`: this result was already on the canvas (Apply pressed again): nothing new was placed. */
  | { type: 'applied'; jobId: string; nodeId: string; nodeName: string; placement: Placement; existing?: boolean }
  /** `jobId`: the job whose apply failed, so the panel knows which pending apply ended; null
   *  for a problem not tied to an apply. */
  | { type: 'problem'; problem: Problem; jobId: string | null }
  /** The lasting history (newest first), the answer to 'load-history'. */
  | { type: 'history'; runs: StoredRun[] }
  /** The pack choice and prompt history, the answer to 'load-pack-prefs'. */
  | { type: 'pack-prefs'; prefs: PackPrefs };

// ---- UI → sandbox ----------------------------------------------------------------------------

export type UiToPlugin =
  | { type: 'ready' }
  /**
   * Export the selection again (e.g. after the working size or dilation changed). `multiple`:
   * the loaded model's spatial multiple, the working size is rounded to it (default 8).
   */
  | { type: 'refresh-selection'; size: number; dilation: number; feather: number; multiple?: number }
  | { type: 'save-settings'; settings: Settings }
  | {
      type: 'apply';
      jobId: string;
      sourceNodeId: string;
      png: Uint8Array;
      width: number;
      height: number;
      params: RunParams;
      placement: Placement;
    }
  | { type: 'notify'; message: string; error: boolean }
  /** Ask for the lasting history ('history' answers). */
  | { type: 'load-history' }
  /** Replace the lasting history (newest first); the sandbox trims it to HISTORY_LIMITS. */
  | { type: 'save-history'; runs: StoredRun[] }
  /** `persist`: the user finished resizing; the sandbox remembers the size for the next start. */
  | { type: 'resize'; width: number; height: number; persist?: boolean }
  /** Ask for the pack choice and prompt history ('pack-prefs' answers). */
  | { type: 'load-pack-prefs' }
  /** Replace them; the sandbox trims them to PACK_PREFS_LIMITS. */
  | { type: 'save-pack-prefs'; prefs: PackPrefs };

const PLUGIN_TO_UI_TYPES = ['settings', 'selection', 'applied', 'problem', 'history', 'pack-prefs'] as const;
const UI_TO_PLUGIN_TYPES = ['ready', 'refresh-selection', 'save-settings', 'apply', 'notify', 'resize', 'load-history', 'save-history', 'load-pack-prefs', 'save-pack-prefs'] as const;

function hasType(value: unknown, types: readonly string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    types.includes((value as { type: string }).type)
  );
}

/** Guards for messages crossing the boundary: anything else is ignored, never trusted. */
export function isPluginToUi(value: unknown): value is PluginToUi {
  return hasType(value, PLUGIN_TO_UI_TYPES);
}

export function isUiToPlugin(value: unknown): value is UiToPlugin {
  return hasType(value, UI_TO_PLUGIN_TYPES);
}

/** Name for a result layer: says how it was made, so the layers panel is self-explanatory. */
export function resultNodeName(sourceName: string, p: RunParams): string {
  return `${sourceName} · SDEdit t0=${p.t0.toFixed(2)} seed=${p.seed} ${p.model}`;
}

/** Key under which RunParams (JSON) and the source node id are stored as plugin data. */
export const PLUGIN_DATA_PARAMS = 'sdedit-params';
export const PLUGIN_DATA_SOURCE = 'sdedit-source';

/** Hosted mode: the query parameter of the hosted page's URL that carries the plugin's id, which
 *  the page must name in every message it posts (Figma's rule for iframes with a real origin). */
export const HOSTED_PLUGIN_ID_PARAM = 'pluginId';
/** Hosted mode: the query parameter with Figma's theme ("light" or "dark") as the first, inline
 *  document saw it; Figma's theme colours do not follow the iframe to the hosted page. */
export const HOSTED_THEME_PARAM = 'theme';
