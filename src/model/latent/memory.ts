// What a latent-pack edit needs in memory before anything is loaded: sessions are created one at
// a time, so the weights term is the largest part (graph + external data); the activations term
// is dominated by the UNet's self-attention at its highest resolution, whose scores and softmax
// are rows × heads × (h·w)² values each (rows = variations, doubled by a CFG batch), unless the
// first down block has no attention. A rough upper bound, not a measurement: it exists to refuse a
// --size that cannot fit before minutes of loading, with numbers in the message.
import type { PartName } from './folder';

export interface MemoryEstimate {
  /** the largest part and its bytes on disk */
  part: PartName;
  weights: number;
  activations: number;
  total: number;
}

/** Working margin for ONNX Runtime itself, the tensors around the attention and the JS heap:
 *  set so that the one real-sized measurement stays under the estimate. SD-Turbo's UNet
 *  architecture (random weights, 3.46 GB fp32 external data, bench/sd-unet) in a whole 2-step CLI
 *  edit at 512² peaked at 4.87 GB RSS (bench/RESULTS.md §8), where weights + attention are 4.13 GB;
 *  with this margin the estimate is 4.94 GB. */
export const LATENT_MEMORY_MARGIN_BYTES = 768 * 2 ** 20;

export function estimateLatentMemory(
  partBytes: Record<PartName, number>,
  unet: { attentionHeads: number | null },
  latentH: number,
  latentW: number,
  rows: number,
  bytesPerValue: 2 | 4 = 4,
): MemoryEstimate {
  let part: PartName = 'unet';
  for (const p of Object.keys(partBytes) as PartName[]) if (partBytes[p] > partBytes[part]) part = p;
  const hw = latentH * latentW;
  const activations = unet.attentionHeads ? 2 * rows * unet.attentionHeads * hw * hw * bytesPerValue : 0;
  const weights = partBytes[part];
  return { part, weights, activations, total: weights + activations + LATENT_MEMORY_MARGIN_BYTES };
}
