// How much of the panel's memory a run may plan for, and the plan for one run: the variations in
// batches that fit, or a refusal in a designer's words before anything big is allocated (a run
// that does not fit would otherwise hang or crash the plugin's iframe halfway through).
import type { MemoryEstimate } from '../../model/latent/memory';
import { type BatchPlan, largestSideThatFits, planBatches } from '../../model/memory';

/** onnxruntime-web's WASM heap is 32-bit, at most 4 GiB, and a plugin iframe shares its process
 *  with Figma's own page: plan for 3 GiB. (WebGPU buffers live elsewhere, but the guide, the
 *  previews and the results still pass through this heap.) */
export const PANEL_MEMORY_BYTES = 3 * 2 ** 30;

const GB = 1e9;
const gb = (bytes: number): string => `${(bytes / GB).toFixed(1)} GB`;

export type PanelRunPlan = { ok: true; batches: number[] } | { ok: false; message: string };

/**
 * Plan `variations` images at the network's padded width × height for a pack whose network files
 * are `modelBytes` long. `multiple` is the pack's spatial multiple (for the size to suggest).
 */
export function planPanelRun(
  size: { width: number; height: number; multiple: number },
  variations: number,
  modelBytes: number,
  budgetBytes = PANEL_MEMORY_BYTES,
): PanelRunPlan {
  const plan: BatchPlan = planBatches({ width: size.width, height: size.height, modelBytes }, variations, budgetBytes);
  if (plan.ok) return { ok: true, batches: plan.batches };
  const side = largestSideThatFits(plan.maxPixels, size.width, size.height, size.multiple);
  const what = side >= size.multiple ? `Choose a working size of ${side} px or less` : 'Use the sdedit command on a computer with more memory';
  return {
    ok: false,
    message: `A ${size.width}×${size.height} px run needs about ${gb(plan.peakBytes)} of memory for one image, more than the ${gb(budgetBytes)} the panel can use. ${what}.`,
  };
}

/** Why a latent-pack run at `width × height` px cannot fit in the panel, or null when it can. */
export function latentMemoryRefusal(mem: MemoryEstimate, width: number, height: number, budgetBytes = PANEL_MEMORY_BYTES): string | null {
  if (mem.total <= budgetBytes) return null;
  return (
    `A ${width}×${height} px run of this pack needs about ${gb(mem.total)} of memory (${mem.part} weights ${gb(mem.weights)}, attention ${gb(mem.activations)}), ` +
    `more than the ${gb(budgetBytes)} the panel can use. Choose a smaller working size or fewer variations, a smaller pack, or the sdedit command on a computer with more memory.`
  );
}
