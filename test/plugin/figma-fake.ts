// A hand-written fake of the parts of the Figma plugin API the sandbox uses, following the
// documented behaviour where it matters to us:
// - exportAsync renders real PNG bytes (pngjs) at the size the constraint asks for, with a crude
//   rasterizer (boxes and ellipses, solid fills, image fills as grey, clipping frames, alpha masks),
//   and records which layers were visible at export time;
// - createImage accepts PNG/JPEG/GIF only, refuses images over 4096 px per side;
// - figma.ui.postMessage accepts structured-clonable plain data whose binary is Uint8Array only;
// - clientStorage holds 5 MB in all (key length + JSON length, Uint8Array by byteLength);
// - getNodeById throws (the manifest asks for documentAccess "dynamic-page").
// Simplification: every node's x/y is relative to its parent, groups included, and rotation only
// shows in `rotation` (transforms are translations).
import { PNG } from 'pngjs';

type Listener = (...args: unknown[]) => void;
type Matrix = [[number, number, number], [number, number, number]];

export interface Fill {
  type: string;
  color?: { r: number; g: number; b: number };
  opacity?: number;
  visible?: boolean;
  imageHash?: string | null;
  scaleMode?: string;
}

export interface ExportRecord {
  nodeId: string;
  nodeName: string;
  settings: Record<string, unknown>;
  width: number;
  height: number;
  /** visibility of every node of the document at the time of the export */
  visible: Map<string, boolean>;
  /** names of the page's children at the time of the export */
  pageChildren: string[];
  png: Uint8Array;
}

const CONTAINERS = new Set(['DOCUMENT', 'PAGE', 'FRAME', 'GROUP', 'COMPONENT', 'COMPONENT_SET', 'INSTANCE', 'SECTION', 'BOOLEAN_OPERATION']);

export class FakeNode {
  id: string;
  type: string;
  name: string;
  parent: FakeNode | null = null;
  children: FakeNode[] = [];
  x = 0;
  y = 0;
  width = 100;
  height = 100;
  rotation = 0;
  visible = true;
  opacity = 1;
  isMask = false;
  maskType = 'ALPHA';
  clipsContent = false;
  removed = false;
  fills: Fill[] = [];
  /** make exportAsync of this node reject with this error */
  exportError: Error | null = null;
  private pluginData = new Map<string, string>();
  private _selection: FakeNode[] = [];

  constructor(
    readonly fake: FigmaFake,
    type: string,
    name?: string,
  ) {
    this.id = fake.nextId();
    this.type = type;
    this.name = name ?? type.charAt(0) + type.slice(1).toLowerCase();
    fake.register(this);
  }

  // ---- tree ----
  appendChild(child: FakeNode): void {
    this.insertChild(this.children.length, child);
  }

  insertChild(index: number, child: FakeNode): void {
    if (!CONTAINERS.has(this.type)) throw new Error(`${this.type} cannot have children`);
    if (child.removed) throw new Error('The node has been removed');
    if (child === this || isAncestor(child, this)) throw new Error('Cannot move a node into itself');
    if (child.parent) {
      const old = child.parent.children;
      const at = old.indexOf(child);
      old.splice(at, 1);
      if (child.parent === this && at < index) index -= 1;
      child.parent.pruneEmptyGroup();
    }
    this.children.splice(Math.max(0, Math.min(index, this.children.length)), 0, child);
    child.parent = this;
  }

  /** Figma deletes a group that loses its last child. */
  private pruneEmptyGroup(): void {
    if (this.type === 'GROUP' && this.children.length === 0 && !this.removed) this.remove();
  }

  remove(): void {
    if (this.removed) throw new Error('The node has already been removed');
    const parent = this.parent;
    if (parent) {
      parent.children.splice(parent.children.indexOf(this), 1);
      this.parent = null;
    }
    const mark = (n: FakeNode) => {
      n.removed = true;
      n.children.forEach(mark);
    };
    mark(this);
    this.fake.selectionDropRemoved();
    parent?.pruneEmptyGroup();
  }

  clone(): FakeNode {
    const copy = (n: FakeNode): FakeNode => {
      const c = new FakeNode(this.fake, n.type, n.name);
      Object.assign(c, {
        x: n.x,
        y: n.y,
        width: n.width,
        height: n.height,
        rotation: n.rotation,
        visible: n.visible,
        opacity: n.opacity,
        isMask: n.isMask,
        maskType: n.maskType,
        clipsContent: n.clipsContent,
        fills: n.fills.map((f) => ({ ...f })),
      });
      for (const [k, v] of n.pluginData) c.pluginData.set(k, v);
      for (const child of n.children) {
        const cc = copy(child);
        c.children.push(cc);
        cc.parent = c;
      }
      return c;
    };
    const c = copy(this);
    // documented: the duplicate's parent is figma.currentPage
    this.fake.currentPage.appendChild(c);
    this.fake.clones.push(c.id);
    return c;
  }

  // ---- geometry ----
  get absoluteTransform(): Matrix {
    let x = 0;
    let y = 0;
    for (const n of [this as FakeNode, ...ancestors(this)]) {
      if (n.type === 'PAGE' || n.type === 'DOCUMENT') break;
      x += n.x;
      y += n.y;
    }
    return [
      [1, 0, x],
      [0, 1, y],
    ];
  }

  get relativeTransform(): Matrix {
    return [
      [1, 0, this.x],
      [0, 1, this.y],
    ];
  }

  set relativeTransform(m: Matrix) {
    this.x = m[0][2];
    this.y = m[1][2];
  }

  get absoluteBoundingBox(): { x: number; y: number; width: number; height: number } {
    const t = this.absoluteTransform;
    return { x: t[0][2], y: t[1][2], width: this.width, height: this.height };
  }

  resize(width: number, height: number): void {
    if (!(width >= 0.01) || !(height >= 0.01)) throw new Error('Size must be at least 0.01');
    this.width = width;
    this.height = height;
  }

  // ---- plugin data ----
  getPluginData(key: string): string {
    return this.pluginData.get(key) ?? '';
  }

  setPluginData(key: string, value: string): void {
    if (typeof value !== 'string') throw new Error('Plugin data must be a string');
    if (key.length + value.length > 100_000) throw new Error('Plugin data entry over 100 kB');
    if (value === '') this.pluginData.delete(key);
    else this.pluginData.set(key, value);
  }

  getPluginDataKeys(): string[] {
    return [...this.pluginData.keys()];
  }

  // ---- page selection ----
  get selection(): FakeNode[] {
    if (this.type !== 'PAGE') throw new Error('selection is a page property');
    return [...this._selection];
  }

  set selection(nodes: FakeNode[]) {
    if (this.type !== 'PAGE') throw new Error('selection is a page property');
    for (const n of nodes) {
      if (n.removed) throw new Error('Cannot select a removed node');
      if (n.page !== this) throw new Error('Cannot select a node on another page');
    }
    this._selection = [...nodes];
    this.fake.emitSoon('selectionchange');
  }

  /** drop removed nodes from the selection (Figma does this silently) */
  pruneSelection(): void {
    const kept = this._selection.filter((n) => !n.removed);
    if (kept.length !== this._selection.length) {
      this._selection = kept;
      this.fake.emitSoon('selectionchange');
    }
  }

  get page(): FakeNode | null {
    if (this.type === 'PAGE') return this;
    return ancestors(this).find((n) => n.type === 'PAGE') ?? null;
  }

  // ---- export ----
  async exportAsync(settings: Record<string, unknown> = {}): Promise<Uint8Array> {
    if (this.removed) throw new Error('The node has been removed');
    const snapshot = new Map<string, boolean>();
    for (const [id, n] of this.fake.nodes) snapshot.set(id, n.visible);
    const pageChildren = this.fake.currentPage.children.map((c) => c.name);
    await Promise.resolve();
    if (this.fake.beforeExport) await this.fake.beforeExport(this);
    const error = this.exportError ?? this.fake.takeExportError();
    if (error) throw error;
    if (settings.format !== undefined && settings.format !== 'PNG') throw new Error('The fake exports PNG only');
    const { width, height } = exportSize(this, settings.constraint as { type: string; value: number } | undefined);
    const png = render(this, width, height);
    this.fake.exports.push({ nodeId: this.id, nodeName: this.name, settings, width, height, visible: snapshot, pageChildren, png });
    return png;
  }
}

function ancestors(node: FakeNode): FakeNode[] {
  const out: FakeNode[] = [];
  for (let p = node.parent; p; p = p.parent) out.push(p);
  return out;
}

function isAncestor(maybe: FakeNode, node: FakeNode): boolean {
  return ancestors(node).includes(maybe);
}

function exportSize(node: FakeNode, constraint?: { type: string; value: number }): { width: number; height: number } {
  let scale = 1;
  if (constraint?.type === 'WIDTH') scale = constraint.value / node.width;
  else if (constraint?.type === 'HEIGHT') scale = constraint.value / node.height;
  else if (constraint?.type === 'SCALE') scale = constraint.value;
  return { width: Math.max(1, Math.round(node.width * scale)), height: Math.max(1, Math.round(node.height * scale)) };
}

// ---- a crude rasterizer: premultiplied float RGBA layers ----

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

function render(root: FakeNode, width: number, height: number): Uint8Array {
  const t = root.absoluteTransform;
  const c: Ctx = { w: width, h: height, ox: t[0][2], oy: t[1][2], sx: width / root.width, sy: height / root.height };
  const layer = new Float32Array(width * height * 4);
  const clip = { x0: 0, y0: 0, x1: width, y1: height };
  // the exported node itself always renders (hidden nodes export as if visible in Figma too)
  if (!root.removed) {
    if (root.type !== 'GROUP') fillShape(root, layer, c, clip, root.opacity);
    paintChildren(root.children, layer, c, clip, root.opacity);
  }
  const png = new PNG({ width, height });
  for (let p = 0; p < layer.length; p += 4) {
    const a = layer[p + 3];
    const s = a > 0 ? 1 / a : 0;
    png.data[p] = Math.round(Math.min(1, layer[p] * s) * 255);
    png.data[p + 1] = Math.round(Math.min(1, layer[p + 1] * s) * 255);
    png.data[p + 2] = Math.round(Math.min(1, layer[p + 2] * s) * 255);
    png.data[p + 3] = Math.round(Math.min(1, a) * 255);
  }
  return new Uint8Array(PNG.sync.write(png, { filterType: 0, deflateLevel: 1 }));
}

/** Decodes PNG bytes (for assertions). */
export function decodePng(bytes: Uint8Array): { width: number; height: number; data: Uint8Array } {
  const png = PNG.sync.read(Buffer.from(bytes));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
}

/** Valid PNG bytes of a flat colour. */
export function makePng(width: number, height: number, rgba: [number, number, number, number] = [200, 100, 50, 255]): Uint8Array {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) png.data.set(rgba, 4 * i);
  return new Uint8Array(PNG.sync.write(png, { filterType: 0, deflateLevel: 1 }));
}

// ---- postMessage payload check ----

/** Throws like a failed structured clone, and for any binary other than Uint8Array. */
export function assertPostable(value: unknown, path = 'message'): void {
  if (value === null || value === undefined) return;
  const t = typeof value;
  if (t === 'string' || t === 'number' || t === 'boolean') return;
  if (t === 'function' || t === 'symbol' || t === 'bigint') throw new Error(`${path}: a ${t} cannot be posted`);
  if (value instanceof Date) return;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    if (Object.getPrototypeOf(value) === Uint8Array.prototype) return;
    throw new Error(`${path}: only Uint8Array crosses to the UI, not ${Object.prototype.toString.call(value)}`);
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertPostable(v, `${path}[${i}]`));
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new Error(`${path}: ${proto?.constructor?.name ?? 'object'} instances lose their prototype`);
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) assertPostable(v, `${path}.${k}`);
}

// ---- clientStorage ----

export const CLIENT_STORAGE_LIMIT = 5 * 1024 * 1024;

function storedSize(key: string, value: unknown): number {
  if (value instanceof Uint8Array) return key.length + value.byteLength;
  return key.length + (JSON.stringify(value)?.length ?? 0);
}

export class FakeClientStorage {
  readonly data = new Map<string, unknown>();
  sets = 0;
  total(): number {
    let sum = 0;
    for (const [k, v] of this.data) sum += storedSize(k, v);
    return sum;
  }
  async getAsync(key: string): Promise<unknown> {
    return this.data.has(key) ? structuredClone(this.data.get(key)) : undefined;
  }
  async setAsync(key: string, value: unknown): Promise<void> {
    const next = this.total() - (this.data.has(key) ? storedSize(key, this.data.get(key)) : 0) + storedSize(key, value);
    if (next > CLIENT_STORAGE_LIMIT) throw new Error('Client storage quota exceeded (5 MB)');
    this.data.set(key, structuredClone(value));
    this.sets++;
  }
  async deleteAsync(key: string): Promise<void> {
    this.data.delete(key);
  }
  async keysAsync(): Promise<string[]> {
    return [...this.data.keys()];
  }
}

// ---- images ----

function hashBytes(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return `${h.toString(16).padStart(8, '0')}${bytes.length.toString(16)}`;
}

export interface FakeImage {
  hash: string;
  width: number;
  height: number;
  bytes: Uint8Array;
  getBytesAsync(): Promise<Uint8Array>;
  getSizeAsync(): Promise<{ width: number; height: number }>;
}

// ---- the figma global ----

export class FigmaFake {
  readonly nodes = new Map<string, FakeNode>();
  readonly root: FakeNode;
  currentPage: FakeNode;
  readonly clientStorage = new FakeClientStorage();
  readonly images = new Map<string, FakeImage>();
  readonly exports: ExportRecord[] = [];
  readonly clones: string[] = [];
  readonly notifications: { message: string; error: boolean }[] = [];
  readonly posted: unknown[] = [];
  readonly scrolledTo: string[][] = [];
  undoCommits = 0;
  closed = false;
  /** runs inside every exportAsync, after the visibility snapshot: may throw, or never resolve */
  beforeExport: ((node: FakeNode) => void | Promise<void>) | null = null;
  showUIOptions: Record<string, unknown> | null = null;
  uiSize: { width: number; height: number } | null = null;
  readonly mixed = Symbol('mixed');
  private idCounter = 0;
  private listeners = new Map<string, Set<Listener>>();
  private exportErrors: Error[] = [];

  readonly ui = {
    onmessage: undefined as ((msg: unknown, props?: unknown) => void) | undefined,
    postMessage: (message: unknown) => {
      if (this.closed) throw new Error('The plugin is closed');
      if (!this.showUIOptions) throw new Error('postMessage before showUI');
      assertPostable(message);
      this.posted.push(structuredClone(message));
    },
    resize: (width: number, height: number) => {
      this.uiSize = { width, height };
    },
    show: () => undefined,
    hide: () => undefined,
    close: () => undefined,
  };

  readonly viewport = {
    scrollAndZoomIntoView: (nodes: FakeNode[]) => {
      this.scrolledTo.push(nodes.map((n) => n.id));
    },
    center: { x: 0, y: 0 },
    zoom: 1,
  };

  constructor() {
    this.root = new FakeNode(this, 'DOCUMENT', 'Document');
    this.currentPage = new FakeNode(this, 'PAGE', 'Page 1');
    this.root.appendChild(this.currentPage);
  }

  nextId(): string {
    this.idCounter += 1;
    return `${Math.floor(this.idCounter / 1000)}:${this.idCounter % 1000}`;
  }

  register(node: FakeNode): void {
    this.nodes.set(node.id, node);
  }

  /** Makes the next exportAsync (any node) reject. */
  failNextExport(error = new Error('Export failed')): void {
    this.exportErrors.push(error);
  }

  takeExportError(): Error | undefined {
    return this.exportErrors.shift();
  }

  selectionDropRemoved(): void {
    for (const page of this.root.children) page.pruneSelection();
  }

  // ---- API surface ----
  showUI(html: string, options: Record<string, unknown> = {}): void {
    if (typeof html !== 'string') throw new Error('showUI needs HTML');
    this.showUIOptions = options;
  }

  notify(message: string, options: { error?: boolean } = {}): { cancel(): void } {
    this.notifications.push({ message, error: options.error === true });
    return { cancel: () => undefined };
  }

  commitUndo(): void {
    this.undoCommits += 1;
  }

  closePlugin(): void {
    if (this.closed) return;
    this.emit('close');
    this.closed = true;
  }

  on(type: string, listener: Listener): void {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)?.add(listener);
  }

  once(type: string, listener: Listener): void {
    const wrap: Listener = (...args) => {
      this.off(type, wrap);
      listener(...args);
    };
    this.on(type, wrap);
  }

  off(type: string, listener: Listener): void {
    this.listeners.get(type)?.delete(listener);
  }

  emit(type: string, ...args: unknown[]): void {
    if (this.closed) return;
    for (const l of [...(this.listeners.get(type) ?? [])]) l(...args);
  }

  /** Figma delivers events asynchronously. */
  emitSoon(type: string): void {
    setTimeout(() => this.emit(type), 0);
  }

  getNodeById(): never {
    throw new Error('Cannot call getNodeById with documentAccess: dynamic-page. Use getNodeByIdAsync.');
  }

  async getNodeByIdAsync(id: string): Promise<FakeNode | null> {
    const node = this.nodes.get(id);
    return node && !node.removed ? node : null;
  }

  createImage(bytes: Uint8Array): FakeImage {
    if (!(bytes instanceof Uint8Array)) throw new Error('createImage expects a Uint8Array');
    let width = 0;
    let height = 0;
    const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
    const isGif = bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46;
    if (isJpeg || isGif) {
      width = 1;
      height = 1;
    } else {
      try {
        const png = PNG.sync.read(Buffer.from(bytes));
        width = png.width;
        height = png.height;
      } catch {
        throw new Error('Image type is unsupported');
      }
    }
    if (width > 4096 || height > 4096) throw new Error('Image is too large');
    const hash = hashBytes(bytes);
    const image: FakeImage = {
      hash,
      width,
      height,
      bytes: new Uint8Array(bytes),
      getBytesAsync: async () => new Uint8Array(bytes),
      getSizeAsync: async () => ({ width, height }),
    };
    this.images.set(hash, image);
    return image;
  }

  getImageByHash(hash: string): FakeImage | null {
    return this.images.get(hash) ?? null;
  }

  createRectangle(): FakeNode {
    const n = new FakeNode(this, 'RECTANGLE', 'Rectangle');
    n.fills = [{ type: 'SOLID', color: { r: 0.85, g: 0.85, b: 0.85 } }];
    this.currentPage.appendChild(n);
    return n;
  }

  createFrame(): FakeNode {
    const n = new FakeNode(this, 'FRAME', 'Frame');
    n.fills = [{ type: 'SOLID', color: { r: 1, g: 1, b: 1 } }];
    n.clipsContent = true;
    this.currentPage.appendChild(n);
    return n;
  }

  group(nodes: FakeNode[], parent: FakeNode, index?: number): FakeNode {
    if (!nodes.length) throw new Error('Cannot group zero nodes');
    const g = new FakeNode(this, 'GROUP', 'Group');
    const abs = nodes.map((n) => n.absoluteBoundingBox);
    const x0 = Math.min(...abs.map((b) => b.x));
    const y0 = Math.min(...abs.map((b) => b.y));
    const x1 = Math.max(...abs.map((b) => b.x + b.width));
    const y1 = Math.max(...abs.map((b) => b.y + b.height));
    const pt = [parent.absoluteTransform[0][2], parent.absoluteTransform[1][2]];
    const first = parent.children.indexOf(nodes[0]);
    parent.insertChild(index ?? (first >= 0 ? first : parent.children.length), g);
    g.x = x0 - pt[0];
    g.y = y0 - pt[1];
    g.width = x1 - x0;
    g.height = y1 - y0;
    nodes.forEach((n, i) => {
      g.insertChild(i, n);
      n.x = abs[i].x - x0;
      n.y = abs[i].y - y0;
    });
    return g;
  }

  // ---- test helpers ----

  /** A node under `parent` (default: the current page). */
  add(type: string, props: Partial<Pick<FakeNode, 'name' | 'x' | 'y' | 'width' | 'height' | 'visible' | 'rotation' | 'fills' | 'clipsContent' | 'opacity'>> = {}, parent: FakeNode = this.currentPage): FakeNode {
    const n = new FakeNode(this, type, props.name);
    if (type === 'FRAME' || type === 'COMPONENT' || type === 'INSTANCE') {
      n.clipsContent = true;
      n.fills = [{ type: 'SOLID', color: { r: 1, g: 1, b: 1 } }];
    }
    if (['RECTANGLE', 'ELLIPSE', 'VECTOR', 'TEXT', 'POLYGON', 'STAR'].includes(type)) n.fills = [{ type: 'SOLID', color: { r: 0, g: 0, b: 0 } }];
    Object.assign(n, props);
    parent.appendChild(n);
    return n;
  }

  /** A message from the UI, as Figma delivers it. */
  fromUi(message: unknown): void {
    if (!this.ui.onmessage) throw new Error('figma.ui.onmessage is not set');
    this.ui.onmessage(structuredClone(message), { origin: 'null' });
  }

  postedOfType<T extends { type: string }>(type: string): T[] {
    return this.posted.filter((m): m is T => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type);
  }

  /** Every node still in the document, by id. */
  liveIds(): string[] {
    const out: string[] = [];
    const walk = (n: FakeNode) => {
      out.push(n.id);
      n.children.forEach(walk);
    };
    walk(this.root);
    return out;
  }
}

/** Installs a fresh fake as globalThis.figma (and __html__); returns it. */
export function installFigmaFake(): FigmaFake {
  const fake = new FigmaFake();
  const g = globalThis as unknown as { figma?: unknown; __html__?: string };
  g.figma = fake;
  g.__html__ = '<html><body>SDEdit</body></html>';
  return fake;
}

export function uninstallFigmaFake(): void {
  const g = globalThis as unknown as { figma?: unknown; __html__?: string };
  delete g.figma;
  delete g.__html__;
}
