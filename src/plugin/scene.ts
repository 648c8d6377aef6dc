// The Figma side of reading the selection: describe nodes for the planner, export guides and
// masks. Every change made to the document here is temporary and undone through a Restorer,
// in `finally` and — should the plugin close mid-export — from the 'close' handler.
import type { JobInput, Problem } from '../protocol';
import { relativeTo, type Affine } from './geometry';
import { decodeResultData } from './params';
import { readPngInfo } from './png';
import { isMaskName, type JobPlan, type NodeInfo } from './selection';

/** Undo actions for temporary changes, run last-in first-out; each runs once, errors swallowed. */
export class Restorer {
  private actions: (() => void)[] = [];
  add(action: () => void): void {
    this.actions.push(action);
  }
  get pending(): number {
    return this.actions.length;
  }
  run(): void {
    while (this.actions.length) {
      const action = this.actions.pop() as () => void;
      try {
        action();
      } catch {
        // the node may be gone or locked by now; the other actions still run
      }
    }
  }
}

const ABOVE_TOP = new Set(['DOCUMENT', 'PAGE', 'SECTION', 'COMPONENT_SET']);

function describe(node: BaseNode, withBox: boolean, withResult: boolean): NodeInfo {
  const scene = node as Partial<SceneNode> & BaseNode;
  const box = withBox && 'absoluteBoundingBox' in scene ? (scene as { absoluteBoundingBox: Rect | null }).absoluteBoundingBox : null;
  return {
    id: node.id,
    type: node.type,
    name: node.name,
    width: 'width' in scene && typeof scene.width === 'number' ? scene.width : 0,
    height: 'height' in scene && typeof scene.height === 'number' ? scene.height : 0,
    box: box ? { x: box.x, y: box.y, width: box.width, height: box.height } : null,
    rotation: 'rotation' in scene && typeof scene.rotation === 'number' ? scene.rotation : 0,
    visible: 'visible' in scene ? scene.visible !== false : true,
    parentId: node.parent ? node.parent.id : null,
    children: 'children' in node ? (node as ChildrenMixin).children.map((c) => c.id) : [],
    result: withResult ? decodeResultData((k) => node.getPluginData(k)) : null,
  };
}

/** The page a node is on, or null. */
export function pageOf(node: BaseNode): PageNode | null {
  let n: BaseNode | null = node;
  while (n && n.type !== 'PAGE') n = n.parent;
  return n as PageNode | null;
}

/** Collects what the planner needs: the nodes, their ancestors, and the subtrees of top-level nodes. */
export class SceneCollector {
  readonly nodes = new Map<string, NodeInfo>();

  private put(node: BaseNode, withBox: boolean, withResult = false): void {
    const known = this.nodes.get(node.id);
    if (known && (known.box || !withBox) && (known.result || !withResult)) return;
    this.nodes.set(node.id, describe(node, withBox || !!known?.box, withResult || !!known?.result));
  }

  /** A selected (or re-run) node: itself with its box and result data, its ancestors, its top-level subtree. */
  add(node: BaseNode, withResult = false): void {
    this.put(node, true, withResult);
    let top: BaseNode = node;
    let parent = node.parent;
    while (parent) {
      this.put(parent, !ABOVE_TOP.has(parent.type));
      if (ABOVE_TOP.has(parent.type)) break;
      top = parent;
      parent = parent.parent;
    }
    if (!ABOVE_TOP.has(top.type)) this.addSubtree(top);
  }

  private addSubtree(root: BaseNode): void {
    const stack: BaseNode[] = [root];
    while (stack.length) {
      const n = stack.pop() as BaseNode;
      const isMask = n !== root && isMaskName(n.name);
      this.put(n, n === root || isMask);
      // a Mask layer is the mask as a whole: no need to look inside it
      if (!isMask && 'children' in n) stack.push(...(n as ChildrenMixin).children);
    }
  }
}

type Exportable = SceneNode & ExportMixin & LayoutMixin;

function exportSettings(plan: JobPlan): ExportSettingsImage {
  return { format: 'PNG', constraint: plan.constraint, useAbsoluteBounds: true, colorProfile: 'SRGB' };
}

function fail(code: Problem['code'], message: string): Problem {
  return { code, message };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function sceneNode(id: string): Promise<SceneNode | null> {
  const node = await figma.getNodeByIdAsync(id);
  if (!node || node.removed || node.type === 'PAGE' || node.type === 'DOCUMENT') return null;
  return node as SceneNode;
}

/** Hides the given layers until the restorer runs. */
async function hideLayers(ids: readonly string[], restorer: Restorer): Promise<void> {
  for (const id of ids) {
    const node = await sceneNode(id);
    if (!node || !node.visible) continue;
    node.visible = false;
    restorer.add(() => {
      if (!node.removed) node.visible = true;
    });
  }
}

/**
 * Renders the silhouettes of `layers` in the guide's pixel grid: a temporary, transparent frame of
 * the guide's size holds clones of the layers (placed where they are relative to the guide) as an
 * alpha mask over a white rectangle. The export is white where the layers are opaque and
 * transparent elsewhere. The frame (and with it every clone) is removed by the restorer.
 */
async function exportSilhouettes(guide: Exportable, layers: SceneNode[], plan: JobPlan, restorer: Restorer): Promise<Uint8Array> {
  const temp = figma.createFrame();
  restorer.add(() => {
    if (!temp.removed) temp.remove();
  });
  temp.name = 'SDEdit mask (temporary)';
  temp.fills = [];
  temp.clipsContent = true;
  temp.resize(guide.width, guide.height);
  const origin = guide.absoluteTransform as Affine;
  // out of the way, below the guide
  temp.x = origin[0][2];
  temp.y = origin[1][2] + guide.height + 10000;
  const clones: SceneNode[] = [];
  for (const layer of layers) {
    const rel = relativeTo(origin, layer.absoluteTransform as Affine);
    if (!rel) continue;
    const clone = layer.clone();
    temp.appendChild(clone);
    clone.visible = true;
    if ('isMask' in clone) clone.isMask = false;
    clone.relativeTransform = rel as Transform;
    clones.push(clone);
  }
  if (!clones.length) throw new Error('no mask layer could be placed');
  const silhouette = figma.group(clones, temp);
  silhouette.isMask = true;
  if ('maskType' in silhouette) silhouette.maskType = 'ALPHA';
  const white = figma.createRectangle();
  temp.appendChild(white);
  white.resize(guide.width, guide.height);
  white.x = 0;
  white.y = 0;
  white.fills = [{ type: 'SOLID', color: { r: 1, g: 1, b: 1 } }];
  return temp.exportAsync(exportSettings(plan));
}

/**
 * Exports one planned job: the guide (Mask layers hidden) and, when the plan has one, the mask.
 * Temporary changes are undone before this returns, also on error; `restorer` lets the caller
 * undo them if the plugin closes while an export is awaited.
 */
export async function exportJob(plan: JobPlan, jobId: string, restorer: Restorer): Promise<JobInput | Problem> {
  const guide = (await sceneNode(plan.guideId)) as Exportable | null;
  if (!guide) return fail('source-missing', `The frame “${plan.guideName}” was deleted or moved to another page before it could be exported: select a frame and press Generate again.`);
  let guidePng: Uint8Array;
  try {
    await hideLayers(plan.hideIds, restorer);
    guidePng = await guide.exportAsync(exportSettings(plan));
  } catch (e) {
    return fail('export-failed', `Figma could not export “${plan.guideName}”: ${errorText(e)}`);
  } finally {
    restorer.run();
  }
  const guideInfo = readPngInfo(guidePng);
  if (!guideInfo) return fail('export-failed', `Figma's export of “${plan.guideName}” is not a PNG.`);

  let maskPng: Uint8Array | null = null;
  if (plan.maskIds.length) {
    const layers: SceneNode[] = [];
    for (const id of plan.maskIds) {
      const layer = await sceneNode(id);
      if (layer) layers.push(layer);
    }
    if (!layers.length) return fail('empty-mask', `The mask layers of “${plan.guideName}” are gone: select again.`);
    try {
      maskPng = await exportSilhouettes(guide, layers, plan, restorer);
    } catch (e) {
      return fail('export-failed', `Figma could not export the mask of “${plan.guideName}”: ${errorText(e)}`);
    } finally {
      restorer.run();
    }
    const maskInfo = readPngInfo(maskPng);
    if (!maskInfo || maskInfo.width !== guideInfo.width || maskInfo.height !== guideInfo.height) {
      return fail('export-failed', `The mask of “${plan.guideName}” did not export at the guide's size.`);
    }
  }
  return {
    jobId,
    mode: plan.mode,
    sourceNodeId: guide.id,
    sourceName: guide.name,
    guidePng,
    maskPng,
    maskIsSilhouette: plan.mode === 'composite',
    workWidth: plan.width,
    workHeight: plan.height,
    width: guideInfo.width,
    height: guideInfo.height,
    nodeWidth: guide.width,
    nodeHeight: guide.height,
  };
}

export function isProblem(value: JobInput | Problem): value is Problem {
  return 'code' in value && 'message' in value && !('jobId' in value);
}
