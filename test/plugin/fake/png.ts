// PNG bytes for the Figma fake and its tests (pngjs): what exportAsync returns, flat test images,
// and decoding for assertions.
import { PNG } from 'pngjs';

/** 8-bit RGBA → PNG bytes (unfiltered, fast deflate: the fake's exports are many and small). */
export function encodePng(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const png = new PNG({ width, height });
  png.data.set(rgba);
  return new Uint8Array(PNG.sync.write(png, { filterType: 0, deflateLevel: 1 }));
}

/** Decodes PNG bytes (for assertions). */
export function decodePng(bytes: Uint8Array): { width: number; height: number; data: Uint8Array } {
  const png = PNG.sync.read(Buffer.from(bytes));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
}

/** Valid PNG bytes of a flat colour. */
export function makePng(width: number, height: number, rgba: [number, number, number, number] = [200, 100, 50, 255]): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set(rgba, 4 * i);
  return encodePng(data, width, height);
}
