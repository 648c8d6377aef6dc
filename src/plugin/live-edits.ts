// Live mode: edits to the layers inside the selected frame re-export it, so the panel's preview
// follows the drawing. With documentAccess "dynamic-page", figma.on('documentchange') needs every
// page loaded first; PageNode.on('nodechange') reports the same changes for the current page.
//
// Throttled and latest-wins: the first relevant change starts one timer; changes until it fires
// fold into that one export, which reads the document as it is then.
//
// The plugin's own exports change the document too (Mask layers hidden and shown again inside
// the frame, temporary frames on the page): changes that arrive while the plugin itself is
// working, or within OWN_CHANGE_GRACE_MS of it, are not the user's and are ignored.

export const LIVE_EDIT_THROTTLE_MS = 400;
export const OWN_CHANGE_GRACE_MS = 300;

/** The part of Figma's NodeChange this needs. */
export interface ChangeLike {
  type: string;
  node: { removed: boolean; parent?: unknown; id?: string };
}

/** True when the changed node is one of `frames` or lies inside one of them. */
export function isInsideFrames(change: ChangeLike, frames: ReadonlySet<string>): boolean {
  if (frames.size === 0 || change.type === 'DELETE' || change.node.removed) return false;
  let node: { id?: string; parent?: unknown } | null = change.node;
  for (let depth = 0; node && depth < 1000; depth++) {
    if (typeof node.id === 'string' && frames.has(node.id)) return true;
    node = (node.parent as { id?: string; parent?: unknown } | null | undefined) ?? null;
  }
  return false;
}

export interface LiveEditsOptions {
  /** live mode is on (the panel's live preview setting) */
  enabled: () => boolean;
  /** the frames the panel's current jobs were exported from */
  frames: () => ReadonlySet<string>;
  /** export the selection again */
  refresh: () => void;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class LiveEdits {
  private timer: unknown = null;
  private ownWork = 0;
  private ownWorkEndedAt = -Infinity;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(private readonly opts: LiveEditsOptions) {
    this.now = opts.now ?? (() => Date.now());
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  /** Wrap the plugin's own document work (exports, applies). */
  async own<T>(work: () => Promise<T>): Promise<T> {
    this.ownWork++;
    try {
      return await work();
    } finally {
      this.ownWork--;
      this.ownWorkEndedAt = this.now();
    }
  }

  /** A page's 'nodechange' event. Returns whether it scheduled (or joined) a refresh. */
  onChanges(changes: readonly ChangeLike[]): boolean {
    if (!this.opts.enabled()) return false;
    if (this.ownWork > 0 || this.now() - this.ownWorkEndedAt < OWN_CHANGE_GRACE_MS) return false;
    const frames = this.opts.frames();
    if (!changes.some((c) => isInsideFrames(c, frames))) return false;
    if (this.timer === null) {
      this.timer = this.setTimer(() => {
        this.timer = null;
        this.opts.refresh();
      }, LIVE_EDIT_THROTTLE_MS);
    }
    return true;
  }

  pending(): boolean {
    return this.timer !== null;
  }

  cancel(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }
}
