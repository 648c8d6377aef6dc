// PNG files for the latent-pack command: read with a clear message, write atomically.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { PNG } from 'pngjs';

export class PngFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PngFileError';
  }
}

export interface RgbaImage {
  rgba: Uint8Array;
  width: number;
  height: number;
}

export async function readPngFile(file: string, what: string): Promise<RgbaImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PngFileError(code === 'ENOENT' ? `${what} not found: ${file}` : `cannot read ${what} ${file}: ${(e as Error).message}`);
  }
  if (bytes.length < 8 || bytes.readUInt32BE(0) !== 0x89504e47) throw new PngFileError(`${what} ${file} is not a PNG file`);
  try {
    const png = PNG.sync.read(bytes);
    return { rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length), width: png.width, height: png.height };
  } catch (e) {
    throw new PngFileError(`${what} ${file} is not a readable PNG: ${(e as Error).message}`);
  }
}

/** Write a PNG through a temporary file and a rename, so a reader never sees half a file. */
export async function writePngFile(file: string, rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): Promise<void> {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.length);
  const dir = path.dirname(path.resolve(file));
  await mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, PNG.sync.write(png));
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Write text (JSON) atomically. */
export async function writeTextFile(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}
