// A cheap PNG sanity check for the sandbox, which cannot afford to decode images: the 8-byte
// signature, a well-formed IHDR chunk (length 13, valid CRC, sane fields) and an IEND chunk at
// the end (so truncated bytes are refused too). Anything else is refused before
// figma.createImage sees it.

export interface PngInfo {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const IEND_TRAILER = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];
/** Allowed bit depths per colour type (PNG spec, table 11.1). */
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

let crcTable: Uint32Array | null = null;

function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function u32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}

/** Width, height and format of PNG bytes, or null when they are not a complete, sane PNG. */
export function readPngInfo(bytes: unknown): PngInfo | null {
  if (!(bytes instanceof Uint8Array)) return null;
  // signature (8) + IHDR chunk (4 + 4 + 13 + 4) + IEND chunk (12)
  if (bytes.length < 8 + 25 + 12) return null;
  for (let i = 0; i < 8; i++) if (bytes[i] !== SIGNATURE[i]) return null;
  if (u32(bytes, 8) !== 13) return null;
  if (bytes[12] !== 0x49 || bytes[13] !== 0x48 || bytes[14] !== 0x44 || bytes[15] !== 0x52) return null;
  if (crc32(bytes, 12, 29) !== u32(bytes, 29)) return null;
  const width = u32(bytes, 16);
  const height = u32(bytes, 20);
  const bitDepth = bytes[24];
  const colorType = bytes[25];
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) return null;
  if (!DEPTHS[colorType] || !DEPTHS[colorType].includes(bitDepth)) return null;
  if (bytes[26] !== 0 || bytes[27] !== 0 || bytes[28] > 1) return null;
  const tail = bytes.length - 12;
  for (let i = 0; i < 12; i++) if (bytes[tail + i] !== IEND_TRAILER[i]) return null;
  return { width, height, bitDepth, colorType };
}
