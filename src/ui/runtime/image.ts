// PNG ↔ pixels (main thread of the iframe), and the final composite over the guide. Decoding and
// resampling use the browser's canvas APIs with colour management switched off, so PNG bytes map
// 1:1 to pixels; encoding on this thread uses fast-png (see encodePng for why not the canvas):
// the engine's previews and results go to png-encoder.ts first, the browser's encoder in a
// worker, and come back here only where that cannot be used.
// Tensor ↔ pixel conversions are core's (rgbaToChw, chwToRgba, maskFromRgba).
import { decode, encode } from 'fast-png';

export interface Rgba {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

type AnyCanvas = OffscreenCanvas | HTMLCanvasElement;
type Ctx2D = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

function makeCanvas(width: number, height: number): AnyCanvas {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  return c;
}

function context(canvas: AnyCanvas): Ctx2D {
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as Ctx2D | null;
  if (!ctx) throw new Error('This browser gives no 2D canvas: images cannot be decoded.');
  return ctx;
}

export class InvalidPngError extends Error {
  override name = 'InvalidPngError';
}

async function bitmapFrom(png: Uint8Array, resize?: { width: number; height: number }): Promise<ImageBitmap> {
  const blob = new Blob([png as BlobPart], { type: 'image/png' });
  try {
    return await createImageBitmap(blob, {
      premultiplyAlpha: 'none',
      colorSpaceConversion: 'none',
      ...(resize ? { resizeWidth: resize.width, resizeHeight: resize.height, resizeQuality: 'high' as const } : {}),
    });
  } catch (e) {
    throw new InvalidPngError(`The image from Figma could not be decoded (${(e as Error).message}).`);
  }
}

/** Whether every pixel is opaque (α = 255): only then is a canvas round trip byte-exact. */
export function isOpaque(data: Uint8ClampedArray): boolean {
  for (let i = 3, n = data.length; i < n; i += 4) if (data[i] !== 255) return false;
  return true;
}

/** Decode PNG bytes to RGBA, optionally resampled to width × height. Without a size (the guide,
 *  whose bytes the result keeps), an image with translucent pixels is decoded again by fast-png:
 *  a 2D canvas stores premultiplied alpha, so it gives such pixels' colours back rounded, and the
 *  result's kept pixels would then differ from the designer's. Opaque images (the usual frame)
 *  keep the canvas's fast decode, which is exact for them. An image asked for at a size (a mask,
 *  at the guide's size; a thumbnail) only goes through the canvas: no result keeps its bytes,
 *  so it is not decoded twice. */
export async function decodePng(png: Uint8Array, size?: { width: number; height: number }): Promise<Rgba> {
  const bmp = await bitmapFrom(png);
  let img: Rgba;
  try {
    const width = size?.width ?? bmp.width;
    const height = size?.height ?? bmp.height;
    const canvas = makeCanvas(width, height);
    const ctx = context(canvas);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bmp, 0, 0, width, height);
    img = { width, height, data: ctx.getImageData(0, 0, width, height).data };
  } finally {
    bmp.close();
  }
  return !size && !isOpaque(img.data) ? (exactRgba(png, img) ?? img) : img;
}

/** The PNG's own RGBA bytes, for 8-bit RGBA (what Figma exports); null for other formats, which
 *  keep the canvas's decode. */
function exactRgba(png: Uint8Array, like: Rgba): Rgba | null {
  let d;
  try {
    d = decode(png);
  } catch {
    return null;
  }
  if (d.width !== like.width || d.height !== like.height || d.depth !== 8 || d.channels !== 4 || d.palette) return null;
  return { width: d.width, height: d.height, data: new Uint8ClampedArray(d.data.buffer, d.data.byteOffset, d.data.length) };
}

/** Resample RGBA pixels with the canvas (high-quality smoothing). */
export function resizeRgba(src: Rgba, width: number, height: number): Rgba {
  if (src.width === width && src.height === height) return { width, height, data: new Uint8ClampedArray(src.data) };
  const a = makeCanvas(src.width, src.height);
  context(a).putImageData(new ImageData(new Uint8ClampedArray(src.data), src.width, src.height), 0, 0);
  const b = makeCanvas(width, height);
  const ctx = context(b);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(a as CanvasImageSource, 0, 0, width, height);
  return { width, height, data: ctx.getImageData(0, 0, width, height).data };
}

/** An image to encode must have 4 bytes a pixel (both encoders refuse it the same way). */
export function checkRgba(img: Rgba): void {
  if (img.data.length !== img.width * img.height * 4) throw new Error(`encodePng: ${img.data.length} bytes for ${img.width}×${img.height} RGBA`);
}

/** How hard encodePng compresses (zlib levels): 'result' for what goes to Figma, 'preview' for the
 *  panel's in-run x̂0 pictures (never stored). Level 3, not 6, for results: measured in Node on a
 *  smooth photo, 1920×1080 encodes in 256 ms at 3 (1.37 MB) against 391 ms at 6 (1.24 MB), and
 *  4096² in 1.3 s against 2.1 s — time the iframe's main thread is blocked at the end of a run. */
const PNG_LEVEL = { result: 3, preview: 1 } as const;
export type PngUse = keyof typeof PNG_LEVEL;

/**
 * Encode RGBA pixels as PNG bytes, synchronously, in JavaScript (fast-png over fflate's deflate).
 * Not with the canvas: Chromium (Figma's desktop app is Chromium) runs toBlob/convertToBlob as an
 * idle task that waits up to a second for an idle period — measured here at 1 003 ms for every
 * 256² encode in headless Chromium — so each preview lagged a second and the result waited behind
 * the last one. A 256² encode takes about 10 ms.
 */
export function encodePng(img: Rgba, use: PngUse = 'result'): Uint8Array {
  checkRgba(img);
  return encode({ width: img.width, height: img.height, data: img.data, channels: 4, depth: 8 }, { zlib: { level: PNG_LEVEL[use] } });
}

/**
 * Final composite at the guide's own resolution: kept pixels (mask 0) are the guide's bytes,
 * unchanged; edited pixels (mask 1) are the generated ones; grey blends.
 */
export function compositeOverGuide(guide: Rgba, generated: Rgba, mask: Float32Array | null): Rgba {
  if (!mask) return generated;
  const out = new Uint8ClampedArray(guide.data.length);
  const g = guide.data;
  const r = generated.data;
  for (let i = 0; i < mask.length; i++) {
    const m = mask[i];
    const o = 4 * i;
    if (m <= 0) {
      out[o] = g[o];
      out[o + 1] = g[o + 1];
      out[o + 2] = g[o + 2];
      out[o + 3] = g[o + 3];
    } else if (m >= 1) {
      out[o] = r[o];
      out[o + 1] = r[o + 1];
      out[o + 2] = r[o + 2];
      out[o + 3] = 255;
    } else {
      for (let c = 0; c < 3; c++) out[o + c] = Math.round(g[o + c] * (1 - m) + r[o + c] * m);
      out[o + 3] = Math.round(g[o + 3] * (1 - m) + 255 * m);
    }
  }
  return { width: guide.width, height: guide.height, data: out };
}
