// Model packs and ONNX Runtime sessions, browser-safe part (node.ts is imported directly by
// node callers: it pulls in onnxruntime-node and fs).
export type { Digest, FileRole, ModelPack, PackFile, PackKind, Prediction, TimeInput, VESde, VPSde } from './pack';
export { PackError, parsePack, scheduleFromPack, unetFile, unetFp16File, verifyFile, webDigest } from './pack';
export { adaptOutput, engineKind, networkTime } from './adapter';
export type { OnnxDenoiserOptions, SessionLike, TensorCtor, TensorLike } from './onnx-denoiser';
export { ModelMismatchError, OnnxDenoiser, checkSessionNames } from './onnx-denoiser';
export type { GpuLike, WebBackend, WebErrorCode, WebOrt, WebSession, WebSessionOptions } from './web';
export { WebRuntimeError, classifyWebError, createWebSession } from './web';
