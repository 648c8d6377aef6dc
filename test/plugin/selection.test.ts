// The selection rules, over plain node descriptions (no Figma, no fake).
import type { RunParams } from '../../src/protocol';
import { findMaskLayers, planSelection, topLevelOf, type NodeInfo } from '../../src/plugin/selection';

interface Spec {
  id: string;
  type?: string;
  name?: string;
  x?: number;
  y?: number;
  w?: number;
  h?: number;
  rotation?: number;
  visible?: boolean;
  children?: Spec[];
  result?: NodeInfo['result'];
}

/** A page holding `specs`; positions are relative to the parent, boxes absolute. */
function scene(specs: Spec[]): Map<string, NodeInfo> {
  const nodes = new Map<string, NodeInfo>();
  nodes.set('page', { id: 'page', type: 'PAGE', name: 'Page', width: 0, height: 0, box: null, rotation: 0, visible: true, parentId: null, children: specs.map((s) => s.id) });
  const add = (s: Spec, parentId: string, ox: number, oy: number) => {
    const x = ox + (s.x ?? 0);
    const y = oy + (s.y ?? 0);
    const w = s.w ?? 100;
    const h = s.h ?? 100;
    nodes.set(s.id, {
      id: s.id,
      type: s.type ?? 'FRAME',
      name: s.name ?? s.id,
      width: w,
      height: h,
      box: { x, y, width: w, height: h },
      rotation: s.rotation ?? 0,
      visible: s.visible ?? true,
      parentId,
      children: (s.children ?? []).map((c) => c.id),
      result: s.result ?? null,
    });
    for (const c of s.children ?? []) add(c, s.id, x, y);
  };
  for (const s of specs) add(s, 'page', 0, 0);
  return nodes;
}

const opts = { size: 256, multiple: 8 };
const params: RunParams = { t0: 0.4, steps: 20, sampler: 'ddim', repeats: 1, seed: 3, size: 256, model: 'default', mode: 'synthesis' };

describe('selection rules', () => {
  it('nothing selected → a problem, no job', () => {
    const plan = planSelection([], scene([{ id: 'f' }]), opts);
    expect(plan.jobs).toEqual([]);
    expect(plan.problems.map((p) => p.code)).toEqual(['nothing-selected']);
  });

  it('one frame → synthesis of its render at the working size', () => {
    const plan = planSelection(['f'], scene([{ id: 'f', w: 800, h: 400, children: [{ id: 'stroke', type: 'VECTOR' }] }]), opts);
    expect(plan.problems).toEqual([]);
    expect(plan.jobs).toHaveLength(1);
    expect(plan.jobs[0]).toMatchObject({ mode: 'synthesis', guideId: 'f', maskIds: [], hideIds: [], width: 256, height: 128, constraint: { type: 'WIDTH', value: 256 }, nodeWidth: 800, nodeHeight: 400 });
  });

  it.each(['GROUP', 'COMPONENT', 'INSTANCE', 'RECTANGLE'])('a top-level %s is a guide too', (type) => {
    const plan = planSelection(['g'], scene([{ id: 'g', type }]), opts);
    expect(plan.jobs.map((j) => [j.mode, j.guideId])).toEqual([['synthesis', 'g']]);
  });

  it('a frame with layers named Mask (any case, any depth) → mask-edit; the masks are hidden in the guide', () => {
    const nodes = scene([
      {
        id: 'f',
        w: 200,
        h: 200,
        children: [
          { id: 'bg', type: 'RECTANGLE', w: 200, h: 200 },
          { id: 'm1', type: 'ELLIPSE', name: 'Mask', x: 10, y: 10, w: 50, h: 50 },
          { id: 'grp', type: 'GROUP', children: [{ id: 'm2', type: 'VECTOR', name: ' MASK ', x: 20, y: 20, w: 30, h: 30 }] },
          { id: 'm3', type: 'GROUP', name: 'mask', children: [{ id: 'inner', type: 'RECTANGLE', name: 'Mask' }] },
          { id: 'notmask', type: 'RECTANGLE', name: 'Masked photo' },
        ],
      },
    ]);
    const plan = planSelection(['f'], nodes, opts);
    expect(plan.jobs).toHaveLength(1);
    expect(plan.jobs[0].mode).toBe('mask-edit');
    expect(plan.jobs[0].maskIds.sort()).toEqual(['m1', 'm2', 'm3']);
    expect(plan.jobs[0].hideIds.sort()).toEqual(['m1', 'm2', 'm3']);
    expect(findMaskLayers('f', nodes).map((n) => n.id)).not.toContain('inner');
  });

  it('a Mask layer that covers nothing → empty-mask, no job', () => {
    const plan = planSelection(['f'], scene([{ id: 'f', w: 100, h: 100, children: [{ id: 'm', type: 'RECTANGLE', name: 'Mask', x: 500, y: 500, w: 20, h: 20 }] }]), opts);
    expect(plan.jobs).toEqual([]);
    expect(plan.problems.map((p) => p.code)).toEqual(['empty-mask']);
  });

  it('Mask layers off the frame are dropped when another one covers it', () => {
    const plan = planSelection(
      ['f'],
      scene([{ id: 'f', children: [{ id: 'off', type: 'RECTANGLE', name: 'Mask', x: 500 }, { id: 'on', type: 'RECTANGLE', name: 'Mask', x: 10, w: 10, h: 10 }] }]),
      opts,
    );
    expect(plan.jobs[0].maskIds).toEqual(['on']);
    expect(plan.jobs[0].hideIds.sort()).toEqual(['off', 'on']);
  });

  it('layers selected inside a frame → composite, the guide is the top-level frame', () => {
    const nodes = scene([
      {
        id: 'scene',
        w: 400,
        h: 300,
        children: [
          { id: 'photo', type: 'RECTANGLE', w: 400, h: 300 },
          { id: 'inner', type: 'FRAME', x: 50, y: 50, children: [{ id: 'asset', type: 'RECTANGLE', x: 10, y: 10, w: 40, h: 40 }] },
          { id: 'm', type: 'RECTANGLE', name: 'Mask', w: 5, h: 5 },
        ],
      },
    ]);
    const plan = planSelection(['asset'], nodes, opts);
    expect(plan.problems).toEqual([]);
    expect(plan.jobs).toHaveLength(1);
    expect(plan.jobs[0]).toMatchObject({ mode: 'composite', guideId: 'scene', maskIds: ['asset'], layerIds: ['asset'], hideIds: ['m'], width: 256, height: 192 });
    expect(topLevelOf('asset', nodes)?.id).toBe('scene');
  });

  it('layers in nested groups belong to the top-level frame; several layers make one job', () => {
    const nodes = scene([
      { id: 'f', children: [{ id: 'g1', type: 'GROUP', children: [{ id: 'g2', type: 'GROUP', children: [{ id: 'a', type: 'RECTANGLE', w: 10, h: 10 }] }] }, { id: 'b', type: 'ELLIPSE', w: 10, h: 10 }] },
    ]);
    const plan = planSelection(['a', 'b'], nodes, opts);
    expect(plan.jobs).toHaveLength(1);
    expect(plan.jobs[0]).toMatchObject({ mode: 'composite', guideId: 'f', maskIds: ['a', 'b'] });
  });

  it('a selected group nested in a frame is a composite layer', () => {
    const nodes = scene([{ id: 'f', children: [{ id: 'g', type: 'GROUP', children: [{ id: 'a', type: 'RECTANGLE' }] }] }]);
    expect(planSelection(['g'], nodes, opts).jobs[0]).toMatchObject({ mode: 'composite', guideId: 'f', maskIds: ['g'] });
  });

  it('frames inside a section are top-level guides', () => {
    const nodes = scene([{ id: 's', type: 'SECTION', w: 1000, h: 1000, children: [{ id: 'f', children: [{ id: 'a', type: 'RECTANGLE', w: 10, h: 10 }] }] }]);
    expect(planSelection(['f'], nodes, opts).jobs[0]).toMatchObject({ mode: 'synthesis', guideId: 'f' });
    expect(planSelection(['a'], nodes, opts).jobs[0]).toMatchObject({ mode: 'composite', guideId: 'f' });
  });

  it('composite layers that cover nothing of the frame → empty-mask', () => {
    const nodes = scene([{ id: 'f', w: 100, h: 100, children: [{ id: 'a', type: 'RECTANGLE', x: 300, y: 0, w: 10, h: 10 }] }]);
    const plan = planSelection(['a'], nodes, opts);
    expect(plan.jobs).toEqual([]);
    expect(plan.problems.map((p) => p.code)).toEqual(['empty-mask']);
  });

  it('several frames → one job per frame, in selection order; mixed with layers of another frame', () => {
    const nodes = scene([
      { id: 'f1', children: [{ id: 'm', type: 'RECTANGLE', name: 'Mask', w: 10, h: 10 }] },
      { id: 'f2', x: 200 },
      { id: 'f3', x: 400, children: [{ id: 'a', type: 'RECTANGLE', w: 10, h: 10 }] },
    ]);
    const plan = planSelection(['f2', 'f1', 'a'], nodes, opts);
    expect(plan.jobs.map((j) => [j.guideId, j.mode])).toEqual([
      ['f2', 'synthesis'],
      ['f1', 'mask-edit'],
      ['f3', 'composite'],
    ]);
  });

  it('a frame selected with one of its own layers → composite on that frame, one job', () => {
    const nodes = scene([{ id: 'f', children: [{ id: 'a', type: 'RECTANGLE', w: 10, h: 10 }] }]);
    const plan = planSelection(['f', 'a'], nodes, opts);
    expect(plan.jobs.map((j) => [j.guideId, j.mode])).toEqual([['f', 'composite']]);
  });

  it('pages, slices, sections and component sets are unsupported; the rest of the selection still works', () => {
    const nodes = scene([
      { id: 'sl', type: 'SLICE', name: 'Export area' },
      { id: 'sec', type: 'SECTION' },
      { id: 'set', type: 'COMPONENT_SET' },
      { id: 'f', x: 300 },
      { id: 'f2', children: [{ id: 'inner-slice', type: 'SLICE' }] },
    ]);
    const plan = planSelection(['page', 'sl', 'sec', 'set', 'inner-slice', 'f'], nodes, opts);
    expect(plan.jobs.map((j) => j.guideId)).toEqual(['f']);
    expect(plan.problems.map((p) => p.code)).toEqual(['unsupported-node', 'unsupported-node', 'unsupported-node', 'unsupported-node', 'unsupported-node']);
    expect(plan.problems[1].message).toContain('Export area');
    expect(plan.problems[1].message).toMatch(/slice/);
  });

  it('a text or line directly on the page has no frame', () => {
    const plan = planSelection(['t'], scene([{ id: 't', type: 'TEXT' }]), opts);
    expect(plan.problems.map((p) => p.code)).toEqual(['no-parent-frame']);
  });

  it('a zero-size frame or layer → zero-size', () => {
    const nodes = scene([{ id: 'f', w: 0, h: 100 }, { id: 'g', x: 200, children: [{ id: 'dot', type: 'RECTANGLE', w: 0, h: 0 }] }]);
    const plan = planSelection(['f', 'dot'], nodes, opts);
    expect(plan.jobs).toEqual([]);
    expect(plan.problems.map((p) => p.code)).toEqual(['zero-size', 'zero-size']);
  });

  it('a frame too long and thin to export within 4096 → too-large; a big frame is clamped', () => {
    const nodes = scene([{ id: 'strip', w: 200000, h: 10 }, { id: 'huge', w: 20000, h: 15000, x: 0, y: 500 }]);
    const plan = planSelection(['strip', 'huge'], nodes, { size: 8192 });
    expect(plan.problems.map((p) => p.code)).toEqual(['too-large']);
    expect(plan.problems[0].message).toContain('4096');
    expect(plan.jobs).toHaveLength(1);
    expect(plan.jobs[0]).toMatchObject({ guideId: 'huge', width: 4096, height: 3072 });
  });

  it('a rotated frame is refused with a clear message', () => {
    const plan = planSelection(['f'], scene([{ id: 'f', rotation: 30 }]), opts);
    expect(plan.problems[0]).toMatchObject({ code: 'unsupported-node' });
    expect(plan.problems[0].message).toContain('rotat');
  });

  it('a selected result → rerun info, and the job is planned for its source', () => {
    const nodes = scene([
      { id: 'src', w: 300, h: 300, children: [{ id: 'm', type: 'RECTANGLE', name: 'Mask', w: 10, h: 10 }] },
      { id: 'res', type: 'RECTANGLE', x: 340, w: 300, h: 300, result: { params: { ...params, mode: 'mask-edit' }, sourceNodeId: 'src', layerIds: [] } },
    ]);
    const plan = planSelection(['res'], nodes, opts);
    expect(plan.rerun).toEqual({ params: { ...params, mode: 'mask-edit' }, sourceNodeId: 'src', resultNodeId: 'res' });
    expect(plan.jobs.map((j) => [j.guideId, j.mode])).toEqual([['src', 'mask-edit']]);
  });

  it('a selected composite result re-plans the layers it was made from', () => {
    const nodes = scene([
      { id: 'src', children: [{ id: 'a', type: 'RECTANGLE', w: 10, h: 10 }] },
      { id: 'res', type: 'RECTANGLE', x: 200, result: { params: { ...params, mode: 'composite' }, sourceNodeId: 'src', layerIds: ['a', 'gone'] } },
    ]);
    const plan = planSelection(['res'], nodes, opts);
    expect(plan.jobs[0]).toMatchObject({ guideId: 'src', mode: 'composite', layerIds: ['a'] });
  });

  it('a selected result whose source is gone → rerun info and source-missing', () => {
    const nodes = scene([{ id: 'res', type: 'RECTANGLE', result: { params, sourceNodeId: 'deleted', layerIds: [] } }]);
    const plan = planSelection(['res'], nodes, opts);
    expect(plan.rerun?.sourceNodeId).toBe('deleted');
    expect(plan.jobs).toEqual([]);
    expect(plan.problems.map((p) => p.code)).toEqual(['source-missing']);
    // in the user's words: where the frame went, and what to do
    expect(plan.problems[0].message).toBe('The frame “res” was made from is no longer on this page (it was deleted or moved to another page): select a frame to run again.');
  });

  it('a result selected with other nodes is just a node', () => {
    const nodes = scene([{ id: 'f' }, { id: 'res', type: 'RECTANGLE', x: 200, result: { params, sourceNodeId: 'f', layerIds: [] } }]);
    const plan = planSelection(['res', 'f'], nodes, opts);
    expect(plan.rerun).toBeNull();
    expect(plan.jobs.map((j) => j.guideId)).toEqual(['res', 'f']);
  });
});
