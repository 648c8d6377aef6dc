// The contract between the panel (src/ui/panel) and the in-iframe runtime (src/ui/runtime).
// The panel never sees tensors or ONNX; the runtime never renders UI.
import type { WebErrorCode } from '../../model/web';
import type { BetaConfig, SchedulerConfig } from '../../core';
import type { JobInput, JobMode, RunParams, Settings } from '../../protocol';

export type Backend = 'webgpu' | 'wasm';

export interface ModelInfo {
  name: string;
  /** bytes of the ONNX file(s) */
  bytes: number;
  /** where the pack comes from, for the panel: "embedded" or the https URL */
  source: string;
  /** model's spatial multiple: the network runs at multiples of it (the engine pads to it) */
  multiple: number;
  /** schedule kind, to show the signal kept at t0 */
  sde: 'vp' | 've';
  /** present for a latent pack (a diffusers ONNX folder): what the panel shows before a run */
  latent?: LatentModelInfo;
}

/** A latent pack as the panel describes it. */
export interface LatentModelInfo {
  /** model_index.json `_class_name` */
  pipeline: string;
  /** the scheduler class; its strength is the panel's t0 */
  scheduler: string;
  /** the pack's training schedule and its scheduler (null when not reproduced), for the signal kept at t0 */
  schedule: LatentSchedule;
  /** the pack has a text encoder: prompt, negative prompt and guidance apply */
  usesText: boolean;
  /** from the UNet session's own input types */
  precision: 'fp16' | 'fp32';
  /** where it runs, from the device check (device-check.ts); WASM after a WebGPU failure */
  backend: Backend;
  /** why it does not run on WebGPU (null when it does) */
  whyNotGpu: string | null;
  /** warnings from the device check (a software adapter, little memory reported) */
  deviceNotes: string[];
  /** the largest single tensor of the pack, in bytes (what one GPU buffer must hold) */
  largestTensorBytes: number;
  /** the pixel size the pack was trained at (its static size when it has one) */
  nativeSize: number;
  staticSize: number | null;
  /** estimateLatentMemory at the native size, one image (doubled rows with a CFG batch) */
  memoryBytes: number;
  recommended: { steps: number; t0: number; guidance: number };
  /** from the pack's sidecar (model.json), null without one */
  license: { id: string; url?: string; commercial?: boolean } | null;
}

/** A latent pack's schedule as its scheduler_config.json gives it. */
export interface LatentSchedule {
  betas: BetaConfig;
  scheduler: SchedulerConfig | null;
}

/** Why the panel offers no Auto t0 for latent packs (a latent run asked for one is refused with it). */
export const LATENT_AUTO_T0_UNAVAILABLE =
  "Auto t0 compares the guide with the pack's own table of denoising errors on real images (model.json noise_level_error); latent packs come without one, so choose t0 by hand here.";

/** The text a latent pack's run is conditioned on. */
export interface RunText {
  prompt: string;
  negative: string;
  guidance: number;
}

/** Which pack the engine runs: the embedded default, or a folder's files read into memory
 *  (paths inside the pack, 'unet/model.onnx'). */
export type PackSource =
  | { kind: 'embedded' }
  /** files in memory: a folder the user picked, or a download (`origin` says where from, for the
   *  pack info: 'folder' when absent, else e.g. "huggingface.co/owner/name") */
  | { kind: 'folder'; name: string; files: ReadonlyMap<string, Uint8Array>; origin?: string };

export interface RunRequest {
  jobId: string;
  mode: JobMode;
  guidePng: Uint8Array;
  maskPng: Uint8Array | null;
  /** JobInput.maskIsSilhouette, as the sandbox decided it: the mask is the raw silhouette of the
   *  selected layers and the runtime dilates and feathers it (Settings.dilation / feather). */
  maskIsSilhouette: boolean;
  /** JobInput.workWidth / workHeight: the working size the sandbox decided. */
  workWidth: number;
  workHeight: number;
  settings: Settings;
  /** seed of the first variation; variation i uses seed + i */
  seed: number;
  /** true for the cheap live preview (lower size, fewer steps, fixed seed) */
  preview: boolean;
  /** choose t0 from the guide (core's suggestT0) instead of settings.t0 and run at it; the
   *  result's params[i].t0 holds the choice */
  autoT0?: boolean;
  /** a latent pack's prompt (ignored by the embedded pixel pack) */
  text?: RunText;
}

/** The request for one job: everything the sandbox decided about it is forwarded as it is. */
export function runRequest(job: JobInput, settings: Settings, seed: number, preview: boolean): RunRequest {
  return {
    jobId: job.jobId,
    mode: job.mode,
    guidePng: job.guidePng,
    maskPng: job.maskPng,
    maskIsSilhouette: job.maskIsSilhouette,
    workWidth: job.workWidth,
    workHeight: job.workHeight,
    settings,
    seed,
    preview,
  };
}

export interface RunProgress {
  step: number;
  total: number;
  msPerStep: number;
  /** x̂0 preview of the first variation as PNG, every few steps */
  previewPng?: Uint8Array;
}

export interface RunResult {
  jobId: string;
  /** one PNG per variation, at the guide's pixel size */
  pngs: Uint8Array[];
  width: number;
  height: number;
  params: RunParams[];
  backend: Backend;
  timings: { totalMs: number; networkMs: number };
  /** made at the job's working size (every Generate; a live preview on WebGPU), so it can be
   *  applied as it is; false for a live preview shrunk to PREVIEW_SIZE */
  atWorkingSize: boolean;
}

/** A user-facing notice from the runtime (e.g. "WebGPU was lost, continuing on WASM"). */
export interface RuntimeNotice {
  level: 'info' | 'warning' | 'error';
  message: string;
}

/**
 * What stopped a load or a run, for the panel to put in words: the model runtime's codes
 * (src/model/web.ts) and the engine's own. 'invalid-pack': the model pack's manifest or a file's
 * size or sha256 is wrong; 'invalid-png': the guide or mask could not be decoded; 'empty-mask':
 * the mask selects nothing; 'invalid-run': a parameter outside protocol's LIMITS; 'too-large': the
 * run would not fit in the panel's memory (src/ui/runtime/memory-budget.ts); 'device-unfit': the
 * pack cannot run on this device at all (src/ui/runtime/device-check.ts; the message says what would).
 */
export type EngineErrorCode = WebErrorCode | 'invalid-pack' | 'invalid-png' | 'empty-mask' | 'invalid-run' | 'too-large' | 'device-unfit';

/** Every code once (the Record makes the compiler insist on each). */
const ENGINE_ERROR_CODES: Record<EngineErrorCode, true> = {
  'no-webgpu': true,
  'no-adapter': true,
  'device-lost': true,
  'out-of-memory': true,
  'csp-wasm': true,
  'invalid-model': true,
  'invalid-output': true,
  unknown: true,
  'invalid-pack': true,
  'invalid-png': true,
  'empty-mask': true,
  'invalid-run': true,
  'too-large': true,
  'device-unfit': true,
};

export function isEngineErrorCode(v: unknown): v is EngineErrorCode {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(ENGINE_ERROR_CODES, v);
}

/** How the engine rejects (except on cancel, which rejects with an Error named 'AbortError'). */
export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface Engine {
  /** Load the model and pick a backend (WebGPU when an adapter exists, else WASM). Rejects with
   *  an EngineError. */
  load(): Promise<{ backend: Backend; model: ModelInfo }>;
  /** Run one job. Rejects with an Error named 'AbortError' when `signal` aborts (within one step),
   *  else with an EngineError. */
  run(req: RunRequest, onProgress: (p: RunProgress) => void, signal: AbortSignal): Promise<RunResult>;
  onNotice(listener: (n: RuntimeNotice) => void): void;
  /** Switch packs: later runs use it. Rejects with an EngineError ('invalid-pack' for a folder
   *  that is not a usable pack); the previous pack stays active then. */
  usePack(source: PackSource): Promise<{ backend: Backend; model: ModelInfo }>;
}
