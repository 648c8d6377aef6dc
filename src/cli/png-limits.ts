// What a PNG may be before the command decodes it, read from its header alone: a small file can
// declare a huge image (a "PNG bomb": 140 KB declaring 12000×12000 decodes to 576 MB of RGBA and
// far more as floats), and a width or height of 0 decodes to nothing usable. Also the decoder's
// (pngjs) errors in plain words.

/** Most pixels a guide or mask may declare: 4096×4096 (16.8 Mpx), Figma's largest image. */
export const MAX_PNG_SIDE = 4096;
export const MAX_PNG_PIXELS = MAX_PNG_SIDE * MAX_PNG_SIDE;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const IHDR = [0x49, 0x48, 0x44, 0x52];

const mpx = (n: number): string => `${(n / 1e6).toFixed(1)} Mpx`;

/**
 * Why these bytes must not be decoded (a sentence to follow "<what> <file> "), or null when the
 * header is fine: not a PNG, no IHDR chunk first, a zero side, or more than MAX_PNG_PIXELS.
 */
export function pngHeaderProblem(bytes: Uint8Array): string | null {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) return 'is not a PNG file';
  if (bytes.length < 24 || IHDR.some((b, i) => bytes[12 + i] !== b)) return 'is cut short or damaged: it has no image header (IHDR chunk)';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width === 0 || height === 0) return `declares an image of ${width}×${height} px, which has no pixels`;
  const pixels = width * height;
  if (pixels > MAX_PNG_PIXELS) {
    return `declares ${width}×${height} px (${mpx(pixels)}), more than the ${MAX_PNG_SIDE}×${MAX_PNG_SIDE} px (${mpx(MAX_PNG_PIXELS)}) this command reads; scale it down first`;
  }
  return null;
}

/** A decoder error as a sentence to follow "<what> <file> ". */
export function describePngDecodeError(e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  if (/unrecognised content/i.test(raw)) return 'is damaged: its image data does not match the size its header declares';
  if (/finished stream|unexpected end|truncated/i.test(raw)) return 'is cut short: the file ends before its image data does';
  if (/crc/i.test(raw)) return 'is damaged: a checksum inside the file does not match its data';
  if (/incorrect header check|invalid (distance|block|stored|code)|zlib/i.test(raw)) return 'is damaged: its compressed image data cannot be unpacked';
  return `is damaged or uses a PNG feature the decoder does not support (${raw})`;
}
