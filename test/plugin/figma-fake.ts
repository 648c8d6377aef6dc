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
// The parts live in ./fake/: node.ts (FakeNode, exportAsync), raster.ts (the rasterizer),
// png.ts, postable.ts, client-storage.ts; this file is the figma global and re-exports them.
import { FakeClientStorage } from './fake/client-storage';
import { type ExportRecord, FakeNode } from './fake/node';
import { decodePng } from './fake/png';
import { assertPostable } from './fake/postable';

export { CLIENT_STORAGE_LIMIT, FakeClientStorage } from './fake/client-storage';
export { type ExportRecord, type Fill, FakeNode } from './fake/node';
export { decodePng, makePng } from './fake/png';
export { assertPostable } from './fake/postable';

type Listener = (...args: unknown[]) => void;
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
  /** the html figma.showUI was given */
  shownHtml: string | null = null;
  /** manifest id, as figma.pluginId gives it */
  pluginId: string | undefined = '1234567890';
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
    this.shownHtml = html;
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

  /** A page's 'nodechange' as Figma sends it: one event with the changes of one document edit. */
  emitNodeChange(page: FakeNode, changes: { type: 'CREATE' | 'DELETE' | 'PROPERTY_CHANGE'; node: FakeNode; properties?: string[] }[]): void {
    this.emit(`nodechange:${page.id}`, {
      nodeChanges: changes.map((c) => ({ id: c.node.id, origin: 'LOCAL', type: c.type, node: c.node, properties: c.properties ?? [] })),
    });
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
        const png = decodePng(bytes);
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
