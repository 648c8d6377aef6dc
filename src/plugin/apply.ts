// Applying a result: result PNG bytes → an image fill, beside the source or on it. Everything
// async (finding the node) happens first; the document is then changed synchronously, so a
// result is either fully placed or not at all. One apply = one undo step.
import { MAX_IMAGE_SIDE, PLUGIN_DATA_SOURCE, resultNodeName } from '../protocol';
import type { Placement, Problem, RunParams } from '../protocol';
import { encodeResultData, parseRunParams } from './params';
import { readPngInfo } from './png';
import { pageOf } from './scene';

/** What the sandbox remembers of an exported job, to check the source on apply. */
export interface JobRecord {
  sourceNodeId: string;
  pageId: string;
  parentId: string | null;
  layerIds: string[];
  /** pixel size of the exported guide: the result must come back at this size */
  width: number;
  height: number;
}

export interface ApplyRequest {
  jobId: unknown;
  sourceNodeId: unknown;
  png: unknown;
  params: unknown;
  placement: unknown;
}

export type ApplyOutcome = { ok: true; nodeId: string; nodeName: string; placement: Placement } | { ok: false; problem: Problem };

/** Space between a source and the results placed beside it, in canvas units. */
export const RESULT_GAP = 40;

/** Node types whose fills can take the result in 'replace' placement. */
const REPLACEABLE = new Set(['FRAME', 'COMPONENT', 'INSTANCE', 'RECTANGLE', 'ELLIPSE', 'POLYGON', 'STAR', 'VECTOR']);

function problem(code: Problem['code'], message: string): ApplyOutcome {
  return { ok: false, problem: { code, message } };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

type Placeable = SceneNode & LayoutMixin & MinimalFillsMixin;

/** x for a new result: right of the source and of the results already placed beside it. */
function besideX(source: SceneNode & LayoutMixin, parent: BaseNode & ChildrenMixin): number {
  let right = source.x + source.width;
  for (const sibling of parent.children) {
    if (sibling === source || !('x' in sibling)) continue;
    if (sibling.getPluginData(PLUGIN_DATA_SOURCE) !== source.id) continue;
    const s = sibling as SceneNode & LayoutMixin;
    const overlapsRow = s.y < source.y + source.height && s.y + s.height > source.y;
    if (overlapsRow) right = Math.max(right, s.x + s.width);
  }
  return right + RESULT_GAP;
}

/**
 * Size of a new result node: the source's box, or, when the source was reshaped while the result
 * was made, the largest box of the result's own aspect inside it (an image fill would crop it).
 */
export function resultNodeSize(sourceWidth: number, sourceHeight: number, pngWidth: number, pngHeight: number): { width: number; height: number } {
  const aspect = pngWidth / pngHeight;
  // the exported size was rounded to whole pixels: its aspect is known to about 1/side
  if (Math.abs(sourceWidth / sourceHeight - aspect) <= aspect / Math.min(pngWidth, pngHeight)) return { width: sourceWidth, height: sourceHeight };
  return sourceWidth / sourceHeight > aspect ? { width: sourceHeight * aspect, height: sourceHeight } : { width: sourceWidth, height: sourceWidth / aspect };
}

export async function applyResult(req: ApplyRequest, jobs: ReadonlyMap<string, JobRecord>): Promise<ApplyOutcome> {
  const info = readPngInfo(req.png);
  if (!info) return problem('invalid-png', 'The result is not a valid PNG image, so nothing was placed. Run it again.');
  if (info.width > MAX_IMAGE_SIDE || info.height > MAX_IMAGE_SIDE) {
    return problem('invalid-png', `The result is ${info.width}×${info.height} px, past Figma's ${MAX_IMAGE_SIDE} px image limit, so nothing was placed. Lower the working size.`);
  }
  const png = req.png as Uint8Array;
  const params: RunParams | null = parseRunParams(req.params);
  if (!params) return problem('apply-failed', 'The result came without valid run parameters, so nothing was placed.');
  if (req.placement !== 'new-node' && req.placement !== 'replace') return problem('apply-failed', 'Unknown placement: use “Apply” (a new layer beside the frame) or “Replace”.');
  const placement: Placement = req.placement;

  // A result goes only onto the node its own job exported, at the size that job exported.
  const record = typeof req.jobId === 'string' ? jobs.get(req.jobId) : undefined;
  if (!record) {
    return problem('apply-failed', 'This result comes from a run the plugin no longer remembers (it was closed since, or many runs were made after it), so nothing was placed. Select the frame and run again.');
  }
  if (req.sourceNodeId !== record.sourceNodeId) {
    return problem('apply-failed', 'This result was sent for another layer than the frame it was made from, so nothing was placed. Select the frame and run again.');
  }
  if (info.width !== record.width || info.height !== record.height) {
    return problem(
      'invalid-png',
      `The result is ${info.width}×${info.height} px but its frame was exported at ${record.width}×${record.height} px, so it would not line up and nothing was placed. Run it again.`,
    );
  }

  const node = await figma.getNodeByIdAsync(record.sourceNodeId);
  if (!node || node.removed || node.type === 'PAGE' || node.type === 'DOCUMENT' || !('width' in node)) {
    return problem('source-missing', 'The frame this result was made from has been deleted, so nothing was placed. Select a frame and run again.');
  }
  const source = node as SceneNode & LayoutMixin;
  const page = pageOf(source);
  if (!page || page.id !== record.pageId) {
    const where = page ? ` to the page “${page.name}”` : '';
    return problem('source-missing', `“${source.name}”, the frame this result was made from, was moved${where}, so nothing was placed. Select it there and run again.`);
  }
  if (page.id !== figma.currentPage.id) {
    return problem('source-missing', `“${source.name}”, the frame this result was made from, is no longer on this page: go back to the page “${page.name}” to place it.`);
  }
  const parent = source.parent;
  if (!parent || parent.id !== record.parentId) {
    const into = parent && parent.type !== 'PAGE' ? ` into “${parent.name}”` : '';
    return problem('source-missing', `“${source.name}”, the frame this result was made from, was moved${into} while the result was made, so nothing was placed. Select it and run again.`);
  }
  if (!(source.width > 0) || !(source.height > 0)) {
    return problem('zero-size', `“${source.name}” has no area any more, so nothing was placed.`);
  }
  if (placement === 'replace' && !REPLACEABLE.has(source.type)) {
    return problem('apply-failed', `“${source.name}” (${source.type.toLowerCase()}) cannot take an image fill: use “Apply” instead, which places the result beside it.`);
  }

  let image: Image;
  try {
    image = figma.createImage(png);
  } catch (e) {
    return problem('invalid-png', `Figma refused the result image (${errorText(e)}), so nothing was placed.`);
  }
  // FILL: Figma scales the image to the node on the canvas; the pixels are never resampled here.
  const paint: ImagePaint = { type: 'IMAGE', imageHash: image.hash, scaleMode: 'FILL' };
  const data = encodeResultData({ params, sourceNodeId: source.id, layerIds: record.layerIds });

  let result: SceneNode;
  if (placement === 'replace') {
    const target = source as Placeable;
    const oldFills = target.fills;
    const hidden: SceneNode[] = [];
    try {
      target.fills = [paint];
      if ('children' in target) {
        for (const child of (target as unknown as ChildrenMixin).children) {
          if (child.visible) {
            child.visible = false;
            hidden.push(child);
          }
        }
      }
      for (const [k, v] of Object.entries(data)) target.setPluginData(k, v);
    } catch (e) {
      try {
        target.fills = oldFills;
        for (const child of hidden) child.visible = true;
      } catch {
        // best effort: the document is left as close to its old state as Figma allows
      }
      return problem('apply-failed', `The result could not be put on “${source.name}”: ${errorText(e)}`);
    }
    result = target;
  } else {
    let rect: RectangleNode | null = null;
    try {
      rect = figma.createRectangle();
      const index = parent.children.indexOf(source);
      parent.insertChild(index + 1, rect);
      const size = resultNodeSize(source.width, source.height, info.width, info.height);
      rect.resize(size.width, size.height);
      rect.x = besideX(source, parent);
      rect.y = source.y;
      rect.fills = [paint];
      rect.name = resultNodeName(source.name, params);
      for (const [k, v] of Object.entries(data)) rect.setPluginData(k, v);
    } catch (e) {
      if (rect && !rect.removed) rect.remove();
      return problem('apply-failed', `The result could not be placed beside “${source.name}”: ${errorText(e)}`);
    }
    result = rect;
  }
  figma.currentPage.selection = [result];
  figma.viewport.scrollAndZoomIntoView([result]);
  figma.commitUndo();
  return { ok: true, nodeId: result.id, nodeName: result.name, placement };
}
