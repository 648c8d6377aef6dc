// What the selection means, as pure functions over plain node descriptions (no Figma here).
//
// - One frame (group, component, instance, or a shape on the page) → 'synthesis': the guide is
//   its render. If it contains layers named "Mask" (any case) → 'mask-edit': they are hidden in
//   the guide and their opaque pixels are the region to edit.
// - Layers selected inside a frame → 'composite': the guide is the top-level frame holding them,
//   the mask is their silhouettes (dilated and feathered by the UI).
// - Several frames → one job per frame, in selection order. Layers in different top-level frames
//   → one composite job per frame.
// - A single selected result of this plugin → its source is planned again, and `rerun` says how
//   the result was made.
// Decisions: a Mask layer the designer has hidden still counts (its name is the signal; hiding it
// is how one previews the frame without it); Mask layers are hidden in every guide, composite
// included; Mask layers and composite layers whose box misses the frame are dropped, and if none
// is left the job is refused as 'empty-mask' (the sandbox cannot look at pixels: the UI refuses a
// mask whose decoded pixels are all "keep"). Rotated guides are refused (their export would not
// line up with the result placed beside them).
import type { JobMode, Problem, RunParams } from '../protocol';
import type { ResultData } from './params';
import { exportSize, type ExportConstraint } from './sizing';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A node as the planner sees it. `box` is the absolute bounding box on the page. */
export interface NodeInfo {
  id: string;
  type: string;
  name: string;
  width: number;
  height: number;
  box: Rect | null;
  rotation: number;
  visible: boolean;
  parentId: string | null;
  children: string[];
  /** set when the node is a result made by this plugin */
  result?: ResultData | null;
}

export type NodeMap = ReadonlyMap<string, NodeInfo>;

export interface JobPlan {
  mode: JobMode;
  guideId: string;
  guideName: string;
  /** layers whose opaque pixels make the mask ("Mask" layers or the selected layers) */
  maskIds: string[];
  /** layers hidden while the guide is exported (every "Mask" layer of the guide) */
  hideIds: string[];
  /** composite: the selected layers, stored on the result so it can be re-run */
  layerIds: string[];
  /** export size in pixels and the exportAsync constraint that gives it */
  width: number;
  height: number;
  constraint: ExportConstraint;
  nodeWidth: number;
  nodeHeight: number;
}

export interface Rerun {
  params: RunParams;
  sourceNodeId: string;
  resultNodeId: string;
}

export interface SelectionPlan {
  jobs: JobPlan[];
  problems: Problem[];
  rerun: Rerun | null;
}

export interface PlanOptions {
  /** working size (longest side, pixels) */
  size: number;
  /** the model's spatial multiple */
  multiple?: number;
}

/** Nodes that may be the guide when they sit directly on the page (or in a section). */
const GUIDE_TYPES = new Set(['FRAME', 'GROUP', 'COMPONENT', 'INSTANCE', 'RECTANGLE', 'ELLIPSE', 'POLYGON', 'STAR', 'VECTOR', 'BOOLEAN_OPERATION']);
/** Nodes that may be selected inside a frame as composite layers. */
const LAYER_TYPES = new Set([...GUIDE_TYPES, 'TEXT', 'LINE']);
/** Containers above the top level: a node whose parent is one of these is top-level. */
const ABOVE_TOP = new Set(['DOCUMENT', 'PAGE', 'SECTION', 'COMPONENT_SET']);

const ROTATION_EPS = 0.01;

export function isMaskName(name: string): boolean {
  return name.trim().toLowerCase() === 'mask';
}

function quote(name: string): string {
  const n = name.length > 60 ? `${name.slice(0, 57)}…` : name;
  return `“${n}”`;
}

function problem(code: Problem['code'], message: string): Problem {
  return { code, message };
}

function unsupportedMessage(node: NodeInfo): string {
  switch (node.type) {
    case 'PAGE':
    case 'DOCUMENT':
      return 'A page cannot be edited as a whole: select a frame on it, or layers inside a frame.';
    case 'SLICE':
      return `${quote(node.name)} is a slice, which has no pixels of its own: select the frame it covers instead.`;
    case 'SECTION':
      return `${quote(node.name)} is a section: select the frames inside it.`;
    case 'COMPONENT_SET':
      return `${quote(node.name)} is a component set: select one of its variants.`;
    default:
      return `${quote(node.name)} (${node.type.toLowerCase().replace(/_/g, ' ')}) cannot be used: select a frame, or layers inside a frame.`;
  }
}

/** The top-level ancestor (child of a page/section) of a node, or null when there is none. */
export function topLevelOf(id: string, nodes: NodeMap): NodeInfo | null {
  let node = nodes.get(id);
  const seen = new Set<string>();
  while (node && !seen.has(node.id)) {
    seen.add(node.id);
    const parent = node.parentId ? nodes.get(node.parentId) : undefined;
    if (!parent || ABOVE_TOP.has(parent.type)) return ABOVE_TOP.has(node.type) ? null : node;
    node = parent;
  }
  return null;
}

/** Every descendant named "Mask" (not looking inside a Mask layer: the whole layer is the mask). */
export function findMaskLayers(rootId: string, nodes: NodeMap): NodeInfo[] {
  const out: NodeInfo[] = [];
  const stack = [...(nodes.get(rootId)?.children ?? [])].reverse();
  const seen = new Set<string>();
  while (stack.length) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = nodes.get(id);
    if (!node) continue;
    if (isMaskName(node.name)) out.push(node);
    else stack.push(...[...node.children].reverse());
  }
  return out;
}

function intersectArea(a: Rect | null, b: Rect | null): number {
  if (!a || !b) return 0;
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

interface GuideRequest {
  guide: NodeInfo;
  /** selected layers inside the guide (composite); empty when the guide itself was selected */
  layers: NodeInfo[];
}

function planGuide(req: GuideRequest, nodes: NodeMap, opts: PlanOptions, problems: Problem[]): JobPlan | null {
  const { guide } = req;
  if (Math.abs(guide.rotation) > ROTATION_EPS) {
    problems.push(problem('unsupported-node', `${quote(guide.name)} is rotated: set its rotation to 0° to use it as a guide.`));
    return null;
  }
  const size = exportSize(guide.width, guide.height, opts.size, opts.multiple);
  if (!size.ok) {
    problems.push(
      size.code === 'zero-size'
        ? problem('zero-size', `${quote(guide.name)} has no area (${size.reason}): give it a width and a height.`)
        : problem('too-large', `${quote(guide.name)} cannot be exported: ${size.reason}. Crop it or split it into smaller frames.`),
    );
    return null;
  }
  const maskLayers = findMaskLayers(guide.id, nodes);
  const hideIds = maskLayers.map((n) => n.id);
  const guideBox = guide.box;
  let mode: JobMode;
  let maskIds: string[];
  let layerIds: string[] = [];
  if (req.layers.length) {
    mode = 'composite';
    layerIds = req.layers.map((n) => n.id);
    const covering = req.layers.filter((n) => intersectArea(n.box, guideBox) > 0);
    if (!covering.length) {
      const names = req.layers.map((n) => quote(n.name)).join(', ');
      problems.push(problem('empty-mask', `The selected layers (${names}) do not cover any of ${quote(guide.name)}: move them onto the frame.`));
      return null;
    }
    maskIds = covering.map((n) => n.id);
  } else if (maskLayers.length) {
    mode = 'mask-edit';
    const covering = maskLayers.filter((n) => intersectArea(n.box, guideBox) > 0);
    if (!covering.length) {
      problems.push(
        problem('empty-mask', `The Mask layer${maskLayers.length > 1 ? 's' : ''} in ${quote(guide.name)} cover${maskLayers.length > 1 ? '' : 's'} nothing: draw the mask over the part of the frame to edit.`),
      );
      return null;
    }
    maskIds = covering.map((n) => n.id);
  } else {
    mode = 'synthesis';
    maskIds = [];
  }
  return {
    mode,
    guideId: guide.id,
    guideName: guide.name,
    maskIds,
    hideIds,
    layerIds,
    width: size.width,
    height: size.height,
    constraint: size.constraint,
    nodeWidth: guide.width,
    nodeHeight: guide.height,
  };
}

function planNodes(selectedIds: readonly string[], nodes: NodeMap, opts: PlanOptions): { jobs: JobPlan[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const requests = new Map<string, GuideRequest>();
  const request = (guide: NodeInfo): GuideRequest => {
    let r = requests.get(guide.id);
    if (!r) {
      r = { guide, layers: [] };
      requests.set(guide.id, r);
    }
    return r;
  };
  for (const id of selectedIds) {
    const node = nodes.get(id);
    if (!node) continue;
    if (!LAYER_TYPES.has(node.type)) {
      problems.push(problem('unsupported-node', unsupportedMessage(node)));
      continue;
    }
    const top = topLevelOf(node.id, nodes);
    if (!top) {
      problems.push(problem('unsupported-node', unsupportedMessage(node)));
    } else if (top.id === node.id) {
      if (GUIDE_TYPES.has(node.type)) request(node);
      else problems.push(problem('no-parent-frame', `${quote(node.name)} is not inside a frame: put it in a frame, or select the frame it belongs to.`));
    } else if (!GUIDE_TYPES.has(top.type)) {
      problems.push(problem('no-parent-frame', `${quote(node.name)} is inside ${quote(top.name)}, which is not a frame: select a frame, or layers inside a frame.`));
    } else if (node.width <= 0 && node.height <= 0) {
      problems.push(problem('zero-size', `${quote(node.name)} has no area: it cannot make a mask.`));
    } else {
      request(top).layers.push(node);
    }
  }
  const jobs: JobPlan[] = [];
  for (const req of requests.values()) {
    const job = planGuide(req, nodes, opts, problems);
    if (job) jobs.push(job);
  }
  return { jobs, problems };
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.code}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Turns the selection into jobs and problems. `nodes` must describe the selected nodes, their
 * ancestors and the descendants of every candidate guide (and, for a selected result, its
 * source, the source's subtree and the stored layers).
 */
export function planSelection(selectedIds: readonly string[], nodes: NodeMap, opts: PlanOptions): SelectionPlan {
  const present = selectedIds.filter((id) => nodes.has(id));
  if (!present.length) {
    return {
      jobs: [],
      problems: [problem('nothing-selected', 'Select a frame to re-synthesise, or layers inside a frame to blend into it.')],
      rerun: null,
    };
  }
  const only = present.length === 1 ? nodes.get(present[0]) : undefined;
  const result = only?.result;
  if (only && result) {
    const rerun: Rerun = { params: result.params, sourceNodeId: result.sourceNodeId, resultNodeId: only.id };
    const source = nodes.get(result.sourceNodeId);
    if (!source) {
      return {
        jobs: [],
        problems: [problem('source-missing', `The frame ${quote(only.name)} was made from is no longer on this page (it was deleted or moved to another page): select a frame to run again.`)],
        rerun,
      };
    }
    const layers = result.params.mode === 'composite' ? result.layerIds.filter((id) => topLevelOf(id, nodes)?.id === source.id) : [];
    const planned = planNodes(layers.length ? layers : [source.id], nodes, opts);
    return { jobs: planned.jobs, problems: dedupe(planned.problems), rerun };
  }
  const planned = planNodes(present, nodes, opts);
  return { jobs: planned.jobs, problems: dedupe(planned.problems), rerun: null };
}
