// Model packs and ONNX Runtime sessions, browser-safe part (node.ts is imported directly by
// node callers: it pulls in onnxruntime-node and fs).
export type { Digest, FileRole, ModelPack, PackFile, PackKind, Prediction, TimeInput, VESde, VPSde } from './pack';
export { NETWORK_ROLES, PackError, parsePack, scheduleFromPack, unetFile, unetFp16File, verifyFile, verifyPackFiles, webDigest } from './pack';
export { adaptOutput, engineKind, networkTime } from './adapter';
export type { OnnxDenoiserOptions, SessionLike, TensorCtor, TensorLike } from './onnx-denoiser';
export { ModelMismatchError, ModelOutputError, OnnxDenoiser, checkSessionNames, firstNonFinite } from './onnx-denoiser';
export type { GpuLike, WebBackend, WebErrorCode, WebGpuProbe, WebOrt, WebSession, WebSessionOptions } from './web';
export { WebRuntimeError, classifyWebError, createWebSession, probeWebGPU, wasmThreads } from './web';
