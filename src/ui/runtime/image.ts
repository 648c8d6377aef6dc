// PNG ↔ pixels with the browser's canvas APIs (main thread of the iframe), and the final
// composite over the guide. Colour management is switched off so PNG bytes map 1:1 to pixels.
// Tensor ↔ pixel conversions are core's (rgbaToChw, chwToRgba, maskFromRgba).

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

/** Decode PNG bytes to RGBA, optionally resampled to width × height. */
export async function decodePng(png: Uint8Array, size?: { width: number; height: number }): Promise<Rgba> {
  const bmp = await bitmapFrom(png);
  try {
    const width = size?.width ?? bmp.width;
    const height = size?.height ?? bmp.height;
    const canvas = makeCanvas(width, height);
    const ctx = context(canvas);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bmp, 0, 0, width, height);
    return { width, height, data: ctx.getImageData(0, 0, width, height).data };
  } finally {
    bmp.close();
  }
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

/** Encode RGBA pixels as PNG bytes. */
export async function encodePng(img: Rgba): Promise<Uint8Array> {
  const canvas = makeCanvas(img.width, img.height);
  context(canvas).putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
  let blob: Blob | null;
  if ('convertToBlob' in canvas) blob = await canvas.convertToBlob({ type: 'image/png' });
  else blob = await new Promise<Blob | null>((resolve) => (canvas as HTMLCanvasElement).toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('The result could not be encoded as PNG.');
  return new Uint8Array(await blob.arrayBuffer());
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
