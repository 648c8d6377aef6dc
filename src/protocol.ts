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
 *  calls of the former default DDIM-20, which lands 16% off DDPM's L2 (bench/RESULTS.md §4). */
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
   * true when `maskPng` is the raw, hard-edged silhouette of the selected layers ('composite'):
   * the UI dilates it by `Settings.dilation` and feathers it by `Settings.feather` (working-size
   * pixels) before use — the sandbox cannot process pixels. false when the mask is to be used as
   * drawn ('mask-edit') or there is none. Absent reads as false.
   */
  maskIsSilhouette?: boolean;
  /** Pixel size of guidePng (and maskPng), read back from the exported PNG. */
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
  | { type: 'applied'; jobId: string; nodeId: string; nodeName: string; placement: Placement }
  | { type: 'problem'; problem: Problem };

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
  | { type: 'resize'; width: number; height: number };

const PLUGIN_TO_UI_TYPES = ['settings', 'selection', 'applied', 'problem'] as const;
const UI_TO_PLUGIN_TYPES = ['ready', 'refresh-selection', 'save-settings', 'apply', 'notify', 'resize'] as const;

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
