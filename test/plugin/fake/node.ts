// A node of the Figma fake: the tree, geometry, visibility, clone/remove, and exportAsync (which
// renders with ./raster.ts and records what was visible at the time).
import type { FigmaFake } from '../figma-fake';
import { encodePng } from './png';
import { renderNode } from './raster';

export type Matrix = [[number, number, number], [number, number, number]];

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

  /** PageNode.on('nodechange'): the fake keeps page listeners under "nodechange:<page id>";
   *  tests deliver changes with FigmaFake.emitNodeChange. */
  on(type: string, listener: (...args: unknown[]) => void): void {
    if (this.type !== 'PAGE') throw new Error(`${this.type} has no on()`);
    this.fake.on(`${type}:${this.id}`, listener);
  }

  off(type: string, listener: (...args: unknown[]) => void): void {
    this.fake.off(`${type}:${this.id}`, listener);
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
    const png = encodePng(renderNode(this, width, height), width, height);
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
