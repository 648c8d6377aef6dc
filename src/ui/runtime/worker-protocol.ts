// Messages between the engine (iframe main thread) and the WASM worker (worker.ts).
import type { ComputeJob, ComputeOutput, ComputeStep } from './compute';
import type { ModelInfo } from './engine-api';

export type ToWorker =
  | { type: 'init'; wasmBinary: ArrayBuffer; manifestText: string; name: string; files: [string, Uint8Array][]; numThreads: number }
  | { type: 'run'; id: number; job: ComputeJob }
  | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'ready'; info: ModelInfo }
  | { type: 'init-error'; message: string }
  | { type: 'step'; id: number; step: ComputeStep }
  | { type: 'done'; id: number; result: ComputeOutput }
  /** `code`: the error's code when it has one (WebRuntimeError), for the engine's EngineError */
  | { type: 'error'; id: number; name: string; message: string; code?: string };
