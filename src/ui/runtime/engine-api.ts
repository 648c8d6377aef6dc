// The contract between the panel (src/ui/panel) and the in-iframe runtime (src/ui/runtime).
// The panel never sees tensors or ONNX; the runtime never renders UI.
import type { JobMode, RunParams, Settings } from '../../protocol';

export type Backend = 'webgpu' | 'wasm';

export interface ModelInfo {
  name: string;
  /** bytes of the ONNX file(s) */
  bytes: number;
  /** where the pack comes from, for the panel: "embedded" or the https URL */
  source: string;
  /** model's spatial multiple (working sizes are rounded to it) */
  multiple: number;
  /** schedule kind, to show the signal kept at t0 */
  sde: 'vp' | 've';
}

export interface RunRequest {
  jobId: string;
  mode: JobMode;
  guidePng: Uint8Array;
  maskPng: Uint8Array | null;
  settings: Settings;
  /** seed of the first variation; variation i uses seed + i */
  seed: number;
  /** true for the cheap live preview (lower size, fewer steps, fixed seed) */
  preview: boolean;
  /**
   * JobInput.maskIsSilhouette: the mask is the raw silhouette of the selected layers and the
   * runtime dilates and feathers it (Settings.dilation / feather). Absent: true in 'composite'.
   */
  maskIsSilhouette?: boolean;
  /** choose t0 from the guide (core's suggestT0) instead of settings.t0 and run at it; the
   *  result's params[i].t0 holds the choice */
  autoT0?: boolean;
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
}

/** A user-facing notice from the runtime (e.g. "WebGPU was lost, continuing on WASM"). */
export interface RuntimeNotice {
  level: 'info' | 'warning' | 'error';
  message: string;
}

export interface Engine {
  /** Load the model and pick a backend (WebGPU when an adapter exists, else WASM). */
  load(): Promise<{ backend: Backend; model: ModelInfo }>;
  /** Run one job. Rejects with an Error named 'AbortError' when `signal` aborts (within one step). */
  run(req: RunRequest, onProgress: (p: RunProgress) => void, signal: AbortSignal): Promise<RunResult>;
  onNotice(listener: (n: RuntimeNotice) => void): void;
}
