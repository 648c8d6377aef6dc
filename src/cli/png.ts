// PNG files ↔ RGBA bytes for the command line tools (sdedit, sdedit-eval), over pngjs. Reads say
// clearly what is wrong with a file; writes are atomic (a temporary file renamed into place), so
// a failed or interrupted run never leaves half an image under the output's name.
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { writeFileAtomic } from './atomic-write';
import { describePngDecodeError, pngHeaderProblem } from './png-limits';

export interface RgbaImage {
  rgba: Uint8Array;
  width: number;
  height: number;
}

/** A PNG file that is missing, unreadable or not a PNG; the message names the file and its role. */
export class PngFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PngFileError';
  }
}

/** Read a PNG as 8-bit RGBA. `what` names the file's role in messages ("guide", "mask"). */
export function readPngFile(file: string, what = 'image'): RgbaImage {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PngFileError(code === 'ENOENT' ? `${what} not found: ${file}` : `cannot read ${what} ${file}: ${(e as Error).message}`);
  }
  // the header first: a small file can declare a huge image, or one with no pixels
  const problem = pngHeaderProblem(bytes);
  if (problem) throw new PngFileError(`${what} ${file} ${problem}`);
  try {
    const png = PNG.sync.read(bytes);
    return { rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length), width: png.width, height: png.height };
  } catch (e) {
    throw new PngFileError(`${what} ${file} ${describePngDecodeError(e)}`);
  }
}

/** 8-bit RGBA (width × height × 4 bytes) as PNG file bytes. */
export function encodePng(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): Uint8Array {
  if (rgba.length !== width * height * 4) throw new Error(`encodePng: ${rgba.length} bytes for ${width}×${height} RGBA (needs ${width * height * 4})`);
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.length);
  return PNG.sync.write(png);
}

/** Write 8-bit RGBA as a PNG, creating the folder; atomic. */
export function writePngFile(file: string, rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): void {
  writeFileAtomic(file, encodePng(rgba, width, height));
}
