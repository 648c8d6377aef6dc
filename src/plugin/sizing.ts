// Working size of an export: pure arithmetic, no Figma.
//
// The longest side of the node is scaled to the working size (a setting, rounded to the model's
// spatial multiple), the aspect ratio is kept, and nothing ever passes Figma's 4096 px image limit
// (figma.createImage refuses bigger images, so a result that large could never be placed).

/** figma.createImage accepts at most this many pixels per side. */
export const MAX_IMAGE_SIDE = 4096;
/** Default spatial multiple of the model when the UI has not said otherwise. */
export const DEFAULT_MULTIPLE = 8;

export interface ExportConstraint {
  type: 'WIDTH' | 'HEIGHT';
  value: number;
}

export type WorkingSize =
  | { ok: true; width: number; height: number; constraint: ExportConstraint }
  | { ok: false; code: 'zero-size' | 'too-large'; reason: string };

function validMultiple(multiple: number): number {
  return Number.isInteger(multiple) && multiple >= 1 && multiple <= 256 ? multiple : DEFAULT_MULTIPLE;
}

/**
 * Rounds a requested working size to the model's multiple, at least one multiple and at most the
 * largest multiple that fits in 4096. Non-numbers fall back to 256.
 */
export function roundWorkingSize(size: number, multiple = DEFAULT_MULTIPLE): number {
  const m = validMultiple(multiple);
  const max = Math.floor(MAX_IMAGE_SIDE / m) * m;
  const s = Number.isFinite(size) ? size : 256;
  const rounded = Math.round(s / m) * m;
  return Math.min(max, Math.max(m, rounded));
}

/**
 * Pixel size of the export of a node of `nodeWidth × nodeHeight` Figma units.
 * - The longest side becomes the (rounded) working size; the other keeps the aspect ratio.
 * - The short side is at least one model multiple; if that pushes the long side past 4096 (an
 *   absurdly long, thin node), the node is refused as 'too-large'.
 * - A side of zero (or not a number) is 'zero-size'.
 */
export function workingSize(nodeWidth: number, nodeHeight: number, size: number, multiple = DEFAULT_MULTIPLE): WorkingSize {
  if (!(nodeWidth > 0) || !(nodeHeight > 0) || !Number.isFinite(nodeWidth) || !Number.isFinite(nodeHeight)) {
    return { ok: false, code: 'zero-size', reason: `it is ${fmt(nodeWidth)}×${fmt(nodeHeight)}` };
  }
  const m = validMultiple(multiple);
  const target = roundWorkingSize(size, m);
  const long = Math.max(nodeWidth, nodeHeight);
  const short = Math.min(nodeWidth, nodeHeight);
  let scale = target / long;
  if (short * scale < m) scale = m / short;
  const longPx = Math.round(long * scale);
  const shortPx = Math.max(1, Math.round(short * scale));
  if (longPx > MAX_IMAGE_SIDE) {
    return {
      ok: false,
      code: 'too-large',
      reason:
        `it is ${fmt(nodeWidth)}×${fmt(nodeHeight)}: to keep its short side at ${m} px the export would be ` +
        `${longPx} px long, past Figma's ${MAX_IMAGE_SIDE} px image limit`,
    };
  }
  const wide = nodeWidth >= nodeHeight;
  return {
    ok: true,
    width: wide ? longPx : shortPx,
    height: wide ? shortPx : longPx,
    constraint: wide ? { type: 'WIDTH', value: longPx } : { type: 'HEIGHT', value: longPx },
  };
}

function fmt(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 100) / 100) : String(v);
}
