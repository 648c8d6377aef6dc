// Small thumbnails for the lasting history: the first variation scaled to at most
// HISTORY_LIMITS.thumbSide px a side, re-encoded as PNG; null when it cannot be made or is too big.
import { HISTORY_LIMITS } from '../../protocol';
import { decodePng, encodePng } from '../runtime/image';

export type MakeThumbnail = (png: Uint8Array, width: number, height: number) => Promise<Uint8Array | null>;

export const makeThumbnail: MakeThumbnail = async (png, width, height) => {
  try {
    const scale = Math.min(1, HISTORY_LIMITS.thumbSide / Math.max(width, height, 1));
    const size = { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
    const out = encodePng(await decodePng(png, size));
    return out.byteLength <= HISTORY_LIMITS.thumbBytes ? out : null;
  } catch {
    return null; // a history entry without a picture is still worth keeping
  }
};
