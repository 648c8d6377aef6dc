// Latent packs (diffusers ONNX folders), browser-safe part: node.ts (files, onnxruntime-node) is
// imported directly by Node callers.
export type { LatentPackInfo, PackReader, PartName, VaeInfo } from './folder';
export { LatentPackError, PARTS, readLatentPack } from './folder';
export type { AnyTensor, AnyTensorCtor, ElemType, PartSession, Port, TensorMeta } from './io';
export { PartMismatchError } from './io';
export type { EncodeMode, TextEmbedding } from './parts';
export { decodeLatent, encodeImage, encodeText } from './parts';
export type { LatentEditOptions, LatentEditResult, LatentRuntime, LatentSampler } from './pipeline';
export { compositeKept, latentMask, latentSDEdit, staticPixelSize, usesCfgBatch } from './pipeline';
export type { MemoryEstimate } from './memory';
export { estimateLatentMemory } from './memory';
export type { Sidecar, SidecarFile } from './sidecar';
export { SidecarError, parseSidecar } from './sidecar';
export type { ClipTokenizer, TokenizerFiles } from './tokenizer';
export { TokenizerError, clipTokenizer } from './tokenizer';
export type { PredictionType, UnetConditioning } from './unet';
export { LatentUnet, guidanceEmbedding, timestepOf } from './unet';
export type { BytesOrt, PackFiles, WebLatentOptions } from './web';
export { filesReader, webLatentRuntime } from './web';
