// The Figma fake's crude rasterizer (what exportAsync draws): boxes and ellipses with solid fills
// (image fills as grey), clipping frames and alpha masks, composited in premultiplied float RGBA.
import type { FakeNode } from './node';

type Layer = Float32Array;
interface Ctx {
  w: number;
  h: number;
  ox: number;
  oy: number;
  sx: number;
  sy: number;
}
interface Clip {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function pixelRect(n: FakeNode, c: Ctx): Clip {
  const t = n.absoluteTransform;
  return { x0: (t[0][2] - c.ox) * c.sx, y0: (t[1][2] - c.oy) * c.sy, x1: (t[0][2] + n.width - c.ox) * c.sx, y1: (t[1][2] + n.height - c.oy) * c.sy };
}

function over(dst: Layer, i: number, r: number, g: number, b: number, a: number): void {
  const k = 1 - a;
  dst[i] = r * a + dst[i] * k;
  dst[i + 1] = g * a + dst[i + 1] * k;
  dst[i + 2] = b * a + dst[i + 2] * k;
  dst[i + 3] = a + dst[i + 3] * k;
}

function fillShape(n: FakeNode, layer: Layer, c: Ctx, clip: Clip, opacity: number): void {
  const fill = n.fills.find((f) => f.visible !== false);
  if (!fill) return;
  const color = fill.type === 'SOLID' && fill.color ? fill.color : { r: 0.5, g: 0.5, b: 0.5 };
  const a = (fill.opacity ?? 1) * opacity;
  const r = pixelRect(n, c);
  const x0 = Math.max(0, Math.floor(Math.max(r.x0, clip.x0)));
  const x1 = Math.min(c.w, Math.ceil(Math.min(r.x1, clip.x1)));
  const y0 = Math.max(0, Math.floor(Math.max(r.y0, clip.y0)));
  const y1 = Math.min(c.h, Math.ceil(Math.min(r.y1, clip.y1)));
  const cx = (r.x0 + r.x1) / 2;
  const cy = (r.y0 + r.y1) / 2;
  const rx = (r.x1 - r.x0) / 2;
  const ry = (r.y1 - r.y0) / 2;
  for (let y = y0; y < y1; y++) {
    const py = y + 0.5;
    if (py < r.y0 || py > r.y1 || py < clip.y0 || py > clip.y1) continue;
    for (let x = x0; x < x1; x++) {
      const px = x + 0.5;
      if (px < r.x0 || px > r.x1 || px < clip.x0 || px > clip.x1) continue;
      if (n.type === 'ELLIPSE' && ((px - cx) / rx) ** 2 + ((py - cy) / ry) ** 2 > 1) continue;
      over(layer, 4 * (y * c.w + x), color.r, color.g, color.b, a);
    }
  }
}

function paintNode(n: FakeNode, layer: Layer, c: Ctx, clip: Clip, opacity: number): void {
  if (!n.visible || n.removed) return;
  const op = opacity * n.opacity;
  if (n.type !== 'GROUP') fillShape(n, layer, c, clip, op);
  if (!n.children.length) return;
  let inner = clip;
  if (n.clipsContent) {
    const r = pixelRect(n, c);
    inner = { x0: Math.max(clip.x0, r.x0), y0: Math.max(clip.y0, r.y0), x1: Math.min(clip.x1, r.x1), y1: Math.min(clip.y1, r.y1) };
  }
  paintChildren(n.children, layer, c, inner, op);
}

function paintChildren(children: FakeNode[], layer: Layer, c: Ctx, clip: Clip, opacity: number): void {
  for (let i = 0; i < children.length; i++) {
    const child = children[i];
    if (child.isMask && child.visible) {
      // documented: a mask masks all of its subsequent siblings (alpha mask)
      const mask = new Float32Array(layer.length);
      paintNode(child, mask, c, clip, 1);
      const content = new Float32Array(layer.length);
      paintChildren(children.slice(i + 1), content, c, clip, opacity);
      for (let p = 0; p < layer.length; p += 4) {
        const m = mask[p + 3];
        if (content[p + 3] > 0) {
          const a = content[p + 3] * m;
          const s = content[p + 3] ? 1 / content[p + 3] : 0;
          over(layer, p, content[p] * s, content[p + 1] * s, content[p + 2] * s, a);
        }
      }
      return;
    }
    paintNode(child, layer, c, clip, opacity);
  }
}

/** The node and its subtree as straight (not premultiplied) 8-bit RGBA, width × height. */
export function renderNode(root: FakeNode, width: number, height: number): Uint8Array {
  const t = root.absoluteTransform;
  const c: Ctx = { w: width, h: height, ox: t[0][2], oy: t[1][2], sx: width / root.width, sy: height / root.height };
  const layer = new Float32Array(width * height * 4);
  const clip = { x0: 0, y0: 0, x1: width, y1: height };
  // the exported node itself always renders (hidden nodes export as if visible in Figma too)
  if (!root.removed) {
    if (root.type !== 'GROUP') fillShape(root, layer, c, clip, root.opacity);
    paintChildren(root.children, layer, c, clip, root.opacity);
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < layer.length; p += 4) {
    const a = layer[p + 3];
    const s = a > 0 ? 1 / a : 0;
    rgba[p] = Math.round(Math.min(1, layer[p] * s) * 255);
    rgba[p + 1] = Math.round(Math.min(1, layer[p + 1] * s) * 255);
    rgba[p + 2] = Math.round(Math.min(1, layer[p + 2] * s) * 255);
    rgba[p + 3] = Math.round(Math.min(1, a) * 255);
  }
  return rgba;
}
