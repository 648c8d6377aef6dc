// The panel's mask pipeline: the sandbox's mask image (decoded at the guide's pixel size) → the
// mask the sampler uses at the working size and the one the final composite uses at the guide's
// own size. Pure arithmetic over core's mask helpers, so it runs under test without a canvas.
import { dilateMask, featherMask, maskFromRgba, resizeMask, snapMask } from '../../core';

export interface PanelMasks {
  /** at the guide's pixel size: decides which pixels of the result are the guide's bytes */
  full: Float32Array;
  /** at the working size: what the sampler keeps and edits */
  work: Float32Array;
}

export interface MaskEdges {
  /** JobInput.maskIsSilhouette: grow and soften the mask (composite mode) */
  silhouette: boolean;
  /** Settings.dilation, in working-size pixels */
  dilation: number;
  /** Settings.feather, in working-size pixels */
  feather: number;
}

/**
 * Both masks from the mask image's RGBA at guide × guide pixels. A silhouette is dilated and
 * feathered at the working size (where Settings' pixel amounts are meant), and the full-size
 * mask takes the grown edge too, so the composite keeps exactly what the sampler kept.
 */
export function prepareMasks(
  rgba: Uint8Array | Uint8ClampedArray,
  guide: { width: number; height: number },
  work: { width: number; height: number },
  edges: MaskEdges,
): PanelMasks {
  let full = maskFromRgba(rgba, guide.width, guide.height);
  let small = snapMask(resizeMask(full, guide.height, guide.width, work.height, work.width));
  if (edges.silhouette) {
    if (edges.dilation > 0) small = dilateMask(small, work.width, work.height, edges.dilation);
    if (edges.feather > 0) small = featherMask(small, work.width, work.height, edges.feather);
    small = snapMask(small);
    const up = snapMask(resizeMask(small, work.height, work.width, guide.height, guide.width));
    for (let i = 0; i < up.length; i++) up[i] = Math.max(up[i], full[i]);
    full = up;
  }
  return { full, work: small };
}
