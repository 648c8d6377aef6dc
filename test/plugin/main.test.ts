// The sandbox driven through the Figma fake: UI messages go into figma.ui.onmessage, and what the
// sandbox posts back is read from the fake.
import { DEFAULT_SETTINGS, PLUGIN_DATA_PARAMS, PLUGIN_DATA_SOURCE, resultNodeName } from '../../src/protocol';
import { HISTORY_LIMITS, type PluginToUi, type Problem, type RunParams, type StoredRun } from '../../src/protocol';
import { RESULT_GAP } from '../../src/plugin/apply';
import { UI_SIZE_KEY, startPlugin, type PluginHandle } from '../../src/plugin/controller';
import { HISTORY_KEY } from '../../src/plugin/history';
import { LIVE_EDIT_THROTTLE_MS, OWN_CHANGE_GRACE_MS } from '../../src/plugin/live-edits';
import { SETTINGS_KEY } from '../../src/plugin/params';
import { CLIENT_STORAGE_LIMIT, FakeNode, decodePng, installFigmaFake, makePng, uninstallFigmaFake, type FigmaFake } from './figma-fake';

type SelectionMsg = Extract<PluginToUi, { type: 'selection' }>;
type AppliedMsg = Extract<PluginToUi, { type: 'applied' }>;
type ProblemMsg = Extract<PluginToUi, { type: 'problem' }>;
type SettingsMsg = Extract<PluginToUi, { type: 'settings' }>;

const RED = { r: 1, g: 0, b: 0 };
const BLUE = { r: 0, g: 0, b: 1 };
const params: RunParams = { t0: 0.5, steps: 20, sampler: 'ddim', repeats: 1, seed: 7, size: 256, model: 'default', mode: 'synthesis' };

// exports render real PNGs; the CPU may be shared
jest.setTimeout(30000);

let fake: FigmaFake;
let plugin: PluginHandle;

beforeEach(() => {
  fake = installFigmaFake();
});

afterEach(() => {
  fake.closePlugin();
  uninstallFigmaFake();
});

async function start(): Promise<void> {
  plugin = startPlugin();
  await plugin.idle();
}

async function select(...nodes: FakeNode[]): Promise<SelectionMsg> {
  fake.currentPage.selection = nodes;
  await plugin.idle();
  return lastSelection();
}

function lastSelection(): SelectionMsg {
  const all = fake.postedOfType<SelectionMsg>('selection');
  expect(all.length).toBeGreaterThan(0);
  return all[all.length - 1];
}

async function send(message: unknown): Promise<void> {
  fake.fromUi(message);
  await plugin.idle();
}

function problems(): Problem[] {
  return fake.postedOfType<ProblemMsg>('problem').map((m) => m.problem);
}

/** RGBA of pixel (x, y). */
function pixel(png: Uint8Array, x: number, y: number): number[] {
  const img = decodePng(png);
  const i = 4 * (y * img.width + x);
  return Array.from(img.data.slice(i, i + 4));
}

function hasRed(png: Uint8Array): boolean {
  const img = decodePng(png);
  for (let i = 0; i < img.data.length; i += 4) if (img.data[i] > 200 && img.data[i + 1] < 50 && img.data[i + 2] < 50 && img.data[i + 3] > 0) return true;
  return false;
}

/** A 400×200 scene frame with a blue photo rectangle. */
function sceneFrame(name = 'Lake'): FakeNode {
  const frame = fake.add('FRAME', { name, x: 100, y: 50, width: 400, height: 200 });
  fake.add('RECTANGLE', { name: 'Photo', width: 400, height: 200, fills: [{ type: 'SOLID', color: BLUE }] }, frame);
  return frame;
}

describe('start-up and messages', () => {
  it('shows the UI with theme colours and posts settings and the selection', async () => {
    await start();
    expect(fake.showUIOptions).toMatchObject({ themeColors: true });
    expect(fake.postedOfType<SettingsMsg>('settings')[0].settings).toEqual(DEFAULT_SETTINGS);
    expect(lastSelection()).toMatchObject({ jobs: [], rerun: null, problems: [{ code: 'nothing-selected' }] });
    const before = fake.posted.length;
    await send({ type: 'ready' });
    expect(fake.posted.slice(before).map((m) => (m as { type: string }).type)).toEqual(['settings', 'selection']);
  });

  it('main.ts starts the plugin', async () => {
    await jest.isolateModulesAsync(async () => {
      await import('../../src/plugin/main');
    });
    expect(fake.showUIOptions).toMatchObject({ themeColors: true });
    expect(fake.ui.onmessage).toBeDefined();
  });

  it('ignores messages that are not in the protocol', async () => {
    await start();
    const before = fake.posted.length;
    await send({ type: 'delete-everything' });
    await send('ready');
    await send(null);
    expect(fake.posted.length).toBe(before);
  });

  it('relays notify and resize', async () => {
    await start();
    await send({ type: 'notify', message: 'WebGPU lost, using WASM', error: false });
    await send({ type: 'resize', width: 99999, height: 480 });
    expect(fake.notifications).toContainEqual({ message: 'WebGPU lost, using WASM', error: false });
    expect(fake.uiSize).toEqual({ width: 1600, height: 480 });
  });

  it('remembers the size the user resized the panel to, and opens at it next time', async () => {
    await start();
    await send({ type: 'resize', width: 420, height: 700 }); // while dragging: not stored
    expect(await fake.clientStorage.getAsync(UI_SIZE_KEY)).toBeUndefined();
    await send({ type: 'resize', width: 400, height: 720, persist: true });
    expect(await fake.clientStorage.getAsync(UI_SIZE_KEY)).toEqual({ width: 400, height: 720 });
    fake.closePlugin();
    const storage = fake.clientStorage;
    uninstallFigmaFake();
    fake = installFigmaFake();
    await fake.clientStorage.setAsync(UI_SIZE_KEY, await storage.getAsync(UI_SIZE_KEY));
    await start();
    expect(fake.showUIOptions).toMatchObject({ width: 360, height: 600 });
    expect(fake.uiSize).toEqual({ width: 400, height: 720 });
  });
});

describe('selection → jobs', () => {
  it('one frame → synthesis: guide PNG at the working size, no mask, the document untouched', async () => {
    const frame = sceneFrame();
    await start();
    const ids = fake.liveIds();
    const msg = await select(frame);
    expect(msg.problems).toEqual([]);
    expect(msg.jobs).toHaveLength(1);
    const job = msg.jobs[0];
    expect(job).toMatchObject({ mode: 'synthesis', sourceNodeId: frame.id, sourceName: 'Lake', maskPng: null, maskIsSilhouette: false, width: 256, height: 128, nodeWidth: 400, nodeHeight: 200 });
    // the working size is decided here, once, and carried to the engine
    expect(job).toMatchObject({ workWidth: 256, workHeight: 128 });
    expect(job.guidePng).toBeInstanceOf(Uint8Array);
    expect(decodePng(job.guidePng)).toMatchObject({ width: 256, height: 128 });
    expect(pixel(job.guidePng, 10, 10)).toEqual([0, 0, 255, 255]);
    const exp = fake.exports[fake.exports.length - 1];
    expect(exp.settings).toMatchObject({ format: 'PNG', constraint: { type: 'WIDTH', value: 256 }, colorProfile: 'SRGB', useAbsoluteBounds: true });
    expect(fake.liveIds()).toEqual(ids);
  });

  it('a frame with Mask layers → mask-edit: masks hidden in the guide, shown again, their pixels are the mask', async () => {
    const frame = sceneFrame();
    const mask = fake.add('RECTANGLE', { name: 'Mask', x: 100, y: 50, width: 100, height: 100, fills: [{ type: 'SOLID', color: RED }] }, frame);
    const hiddenMask = fake.add('ELLIPSE', { name: 'mask', x: 300, y: 0, width: 50, height: 50, visible: false, fills: [{ type: 'SOLID', color: RED }] }, frame);
    await start();
    const ids = fake.liveIds();
    const msg = await select(frame);
    const job = msg.jobs[0];
    expect(job.mode).toBe('mask-edit');
    expect(job.maskIsSilhouette).toBe(false);
    // the guide was exported with every Mask layer hidden
    const guideExport = fake.exports.find((e) => e.nodeId === frame.id);
    expect(guideExport?.visible.get(mask.id)).toBe(false);
    expect(hasRed(job.guidePng)).toBe(false);
    // and everything is as it was afterwards
    expect(mask.visible).toBe(true);
    expect(hiddenMask.visible).toBe(false);
    expect(fake.liveIds()).toEqual(ids);
    expect(fake.clones.every((id) => fake.nodes.get(id)?.removed)).toBe(true);
    // the mask: white where the Mask layers are (the hidden one too), transparent elsewhere
    const maskPng = job.maskPng as Uint8Array;
    expect(decodePng(maskPng)).toMatchObject({ width: 256, height: 128 });
    expect(pixel(maskPng, 96, 64)).toEqual([255, 255, 255, 255]); // inside the rectangle (canvas 150, 100)
    expect(pixel(maskPng, 208, 16)).toEqual([255, 255, 255, 255]); // inside the hidden ellipse
    expect(pixel(maskPng, 10, 10)[3]).toBe(0);
    expect(pixel(maskPng, 250, 120)[3]).toBe(0);
  });

  it('layers selected inside a frame → composite: the top-level frame is the guide, the layers make a silhouette', async () => {
    const frame = sceneFrame();
    const group = fake.add('GROUP', { name: 'Pasted', x: 200, y: 100, width: 100, height: 100 }, frame);
    const asset = fake.add('ELLIPSE', { name: 'Duck', x: 0, y: 0, width: 100, height: 100, fills: [{ type: 'SOLID', color: RED }] }, group);
    await start();
    const ids = fake.liveIds();
    const msg = await select(asset);
    expect(msg.problems).toEqual([]);
    const job = msg.jobs[0];
    expect(job).toMatchObject({ mode: 'composite', sourceNodeId: frame.id, maskIsSilhouette: true, width: 256, height: 128 });
    // the asset stays in the guide: it is what gets blended in
    expect(hasRed(job.guidePng)).toBe(true);
    const maskPng = job.maskPng as Uint8Array;
    expect(pixel(maskPng, 160, 96)).toEqual([255, 255, 255, 255]); // centre of the duck (canvas 250, 150)
    expect(pixel(maskPng, 129, 65)[3]).toBe(0); // corner of its box, outside the ellipse
    expect(pixel(maskPng, 20, 20)[3]).toBe(0);
    expect(fake.liveIds()).toEqual(ids);
  });

  it('several frames → one job per frame with distinct ids', async () => {
    const a = sceneFrame('A');
    const b = fake.add('FRAME', { name: 'B', x: 700, width: 300, height: 600 });
    await start();
    const msg = await select(a, b);
    expect(msg.jobs.map((j) => [j.sourceName, j.mode, j.width, j.height])).toEqual([
      ['A', 'synthesis', 256, 128],
      ['B', 'synthesis', 128, 256],
    ]);
    expect(new Set(msg.jobs.map((j) => j.jobId)).size).toBe(2);
  });

  it('refresh-selection re-exports at the new working size, rounded to the model multiple', async () => {
    const frame = sceneFrame();
    await start();
    await select(frame);
    await send({ type: 'refresh-selection', size: 300, dilation: 4, feather: 6, multiple: 64 });
    expect(lastSelection().jobs[0]).toMatchObject({ width: 320, height: 160, workWidth: 320, workHeight: 160 });
  });

  it.each([
    ['nothing-selected', () => []],
    ['unsupported-node', () => [fake.add('SLICE', { name: 'Slice 1' })]],
    ['zero-size', () => [fake.add('FRAME', { width: 0, height: 100 })]],
    ['too-large', () => [fake.add('FRAME', { width: 200000, height: 10 })]],
    ['empty-mask', () => [(() => {
      const f = fake.add('FRAME', { width: 100, height: 100 });
      fake.add('RECTANGLE', { name: 'Mask', x: 400, y: 400, width: 10, height: 10 }, f);
      return f;
    })()]],
    ['no-parent-frame', () => [fake.add('TEXT', { name: 'Title' })]],
  ] as [string, () => FakeNode[]][])('bad selection → %s, no job, nothing changed', async (code, make) => {
    const nodes = make();
    await start();
    const ids = fake.liveIds();
    const msg = await select(...nodes);
    expect(msg.jobs).toEqual([]);
    expect(msg.problems.map((p) => p.code)).toEqual([code]);
    expect(msg.problems[0].message.length).toBeGreaterThan(20);
    expect(fake.liveIds()).toEqual(ids);
  });

  it('Mask layers are restored and temporary nodes removed when the guide export fails', async () => {
    const frame = sceneFrame();
    const mask = fake.add('RECTANGLE', { name: 'Mask', width: 50, height: 50 }, frame);
    await start();
    const ids = fake.liveIds();
    fake.failNextExport(new Error('render crashed'));
    const msg = await select(frame);
    expect(msg.jobs).toEqual([]);
    expect(msg.problems).toEqual([{ code: 'export-failed', message: expect.stringContaining('render crashed') }]);
    expect(mask.visible).toBe(true);
    expect(fake.liveIds()).toEqual(ids);
  });

  it('the temporary mask frame is removed when the mask export fails', async () => {
    const frame = sceneFrame();
    const asset = fake.add('RECTANGLE', { name: 'Asset', width: 50, height: 50 }, frame);
    await start();
    const ids = fake.liveIds();
    fake.beforeExport = (node) => {
      if (node !== frame) throw new Error('mask export crashed');
    };
    const msg = await select(asset);
    expect(msg.problems.map((p) => p.code)).toEqual(['export-failed']);
    expect(fake.liveIds()).toEqual(ids);
    expect(fake.clones.length).toBeGreaterThan(0);
    expect(fake.clones.every((id) => fake.nodes.get(id)?.removed)).toBe(true);
  });

  it('closing the plugin during an export restores the Mask layers and removes temporary nodes', async () => {
    const frame = sceneFrame();
    const mask = fake.add('RECTANGLE', { name: 'Mask', width: 50, height: 50 }, frame);
    await start();
    const ids = fake.liveIds();
    let exporting: (() => void) | null = null;
    fake.beforeExport = () => new Promise<void>((resolve) => (exporting = resolve)); // never finishes by itself
    fake.currentPage.selection = [frame];
    for (let i = 0; i < 5 && !exporting; i++) await new Promise((r) => setTimeout(r, 0));
    expect(exporting).not.toBeNull();
    expect(mask.visible).toBe(false); // hidden while the guide is being exported
    const posted = fake.posted.length;
    fake.closePlugin();
    expect(mask.visible).toBe(true);
    expect(fake.liveIds()).toEqual(ids);
    expect(fake.posted.length).toBe(posted);
  });
});

describe('apply', () => {
  async function prepared(): Promise<{ frame: FakeNode; jobId: string }> {
    const frame = sceneFrame();
    fake.add('VECTOR', { name: 'Stroke', x: 10, y: 10, width: 50, height: 20 }, frame);
    await start();
    const msg = await select(frame);
    return { frame, jobId: msg.jobs[0].jobId };
  }

  function apply(jobId: string, sourceNodeId: string, extra: Record<string, unknown> = {}) {
    return send({ type: 'apply', jobId, sourceNodeId, png: makePng(256, 128), width: 256, height: 128, params, placement: 'new-node', ...extra });
  }

  it('places a new node beside the source: same size and parent, FILL image, name, plugin data, selected, one undo step', async () => {
    const { frame, jobId } = await prepared();
    await apply(jobId, frame.id);
    const applied = fake.postedOfType<AppliedMsg>('applied');
    expect(applied).toHaveLength(1);
    const node = fake.nodes.get(applied[0].nodeId) as FakeNode;
    expect(node.parent).toBe(frame.parent);
    expect(node.parent?.children.indexOf(node)).toBe((frame.parent as FakeNode).children.indexOf(frame) + 1);
    expect([node.x, node.y, node.width, node.height]).toEqual([frame.x + frame.width + RESULT_GAP, frame.y, 400, 200]);
    expect(node.fills).toHaveLength(1);
    expect(node.fills[0]).toMatchObject({ type: 'IMAGE', scaleMode: 'FILL' });
    const image = fake.getImageByHash(node.fills[0].imageHash as string);
    expect(image).toMatchObject({ width: 256, height: 128 }); // not resampled: the bytes the UI sent
    expect(node.name).toBe(resultNodeName('Lake', params));
    expect(applied[0]).toMatchObject({ jobId, nodeName: node.name, placement: 'new-node' });
    expect(JSON.parse(node.getPluginData(PLUGIN_DATA_PARAMS))).toEqual(params);
    expect(node.getPluginData(PLUGIN_DATA_SOURCE)).toBe(frame.id);
    expect(fake.currentPage.selection).toEqual([node]);
    expect(fake.scrolledTo[fake.scrolledTo.length - 1]).toEqual([node.id]);
    expect(fake.undoCommits).toBe(1);
  });

  it('each apply is its own undo step, and later results go further right', async () => {
    const { frame, jobId } = await prepared();
    await apply(jobId, frame.id);
    await apply(jobId, frame.id, { params: { ...params, seed: 8 } });
    const [first, second] = fake.postedOfType<AppliedMsg>('applied').map((m) => fake.nodes.get(m.nodeId) as FakeNode);
    expect(second.x).toBe(first.x + first.width + RESULT_GAP);
    expect(second.name).toContain('seed=8');
    expect(fake.undoCommits).toBe(2);
  });

  it('the same result applied twice makes one layer; after it is deleted, Apply places it again', async () => {
    const { frame, jobId } = await prepared();
    const before = frame.parent?.children.length ?? 0;
    await Promise.all([apply(jobId, frame.id), apply(jobId, frame.id)]);
    await apply(jobId, frame.id);
    const applied = fake.postedOfType<AppliedMsg>('applied');
    expect(applied).toHaveLength(3);
    expect(new Set(applied.map((m) => m.nodeId)).size).toBe(1);
    expect(applied.map((m) => m.existing ?? false)).toEqual([false, true, true]);
    expect(frame.parent?.children.length).toBe(before + 1);
    expect(fake.undoCommits).toBe(1);
    (fake.nodes.get(applied[0].nodeId) as FakeNode).remove();
    await apply(jobId, frame.id);
    expect(frame.parent?.children.length).toBe(before + 1);
    expect(fake.postedOfType<AppliedMsg>('applied')[3]).toMatchObject({ placement: 'new-node' });
    expect(fake.postedOfType<AppliedMsg>('applied')[3].existing).toBeUndefined();
  });

  it('selecting a result offers a re-run of its source', async () => {
    const { frame, jobId } = await prepared();
    await apply(jobId, frame.id);
    // applying selected the result: the selection message now carries the re-run info
    const msg = lastSelection();
    const resultId = fake.postedOfType<AppliedMsg>('applied')[0].nodeId;
    expect(msg.rerun).toEqual({ params, sourceNodeId: frame.id, resultNodeId: resultId });
    expect(msg.jobs.map((j) => j.sourceNodeId)).toEqual([frame.id]);
  });

  it('replace puts the image fill on the source and hides its children, as one undo step', async () => {
    const { frame, jobId } = await prepared();
    const ids = fake.liveIds();
    await apply(jobId, frame.id, { placement: 'replace' });
    expect(fake.postedOfType<AppliedMsg>('applied')[0]).toMatchObject({ nodeId: frame.id, nodeName: 'Lake', placement: 'replace' });
    expect(frame.fills).toEqual([expect.objectContaining({ type: 'IMAGE', scaleMode: 'FILL' })]);
    expect(frame.children.every((c) => !c.visible)).toBe(true);
    expect(frame.children).toHaveLength(2); // hidden, not deleted
    expect(frame.name).toBe('Lake');
    expect(frame.getPluginData(PLUGIN_DATA_SOURCE)).toBe(frame.id);
    expect(fake.liveIds()).toEqual(ids);
    expect(fake.undoCommits).toBe(1);
  });

  it('replace on a group is refused and changes nothing', async () => {
    const group = fake.add('GROUP', { name: 'Icons', width: 100, height: 100 });
    fake.add('RECTANGLE', { width: 100, height: 100 }, group);
    await start();
    const msg = await select(group);
    const ids = fake.liveIds();
    await apply(msg.jobs[0].jobId, group.id, { placement: 'replace', png: makePng(msg.jobs[0].width, msg.jobs[0].height) });
    expect(problems().map((p) => p.code)).toEqual(['apply-failed']);
    // the problem names the job whose apply failed, so the panel ends that pending apply
    expect(fake.postedOfType<ProblemMsg>('problem').map((m) => m.jobId)).toEqual([msg.jobs[0].jobId]);
    expect(fake.liveIds()).toEqual(ids);
    expect(fake.undoCommits).toBe(0);
  });

  it.each([
    ['not a PNG', new Uint8Array([1, 2, 3, 4, 5])],
    ['a JPEG', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...new Array(100).fill(1)])],
    ['a truncated PNG', makePng(256, 128).slice(0, 60)],
    ['a PNG over 4096', makePng(4100, 2)],
  ])('result bytes that are %s → invalid-png, nothing created', async (_label, png) => {
    const { frame, jobId } = await prepared();
    const ids = fake.liveIds();
    await apply(jobId, frame.id, { png });
    expect(problems().map((p) => p.code)).toEqual(['invalid-png']);
    expect(fake.notifications.some((n) => n.error)).toBe(true);
    expect(fake.liveIds()).toEqual(ids);
    expect(fake.images.size).toBe(0);
    expect(fake.undoCommits).toBe(0);
  });

  it('an ArrayBuffer instead of Uint8Array is refused', async () => {
    const { frame, jobId } = await prepared();
    await apply(jobId, frame.id, { png: makePng(8, 8).buffer });
    expect(problems().map((p) => p.code)).toEqual(['invalid-png']);
  });

  it('the source deleted while the UI worked → source-missing, nothing created', async () => {
    const { frame, jobId } = await prepared();
    frame.remove();
    const ids = fake.liveIds();
    await apply(jobId, frame.id);
    expect(problems().map((p) => p.code)).toEqual(['source-missing']);
    expect(fake.liveIds()).toEqual(ids);
    expect(fake.undoCommits).toBe(0);
  });

  it('the source moved to another page or into another frame → source-missing, nothing created', async () => {
    const { frame, jobId } = await prepared();
    const holder = fake.add('FRAME', { name: 'Holder', x: 2000, width: 1000, height: 1000 });
    holder.appendChild(frame);
    const ids = fake.liveIds();
    await apply(jobId, frame.id);
    const page2 = new FakeNode(fake, 'PAGE', 'Page 2');
    fake.root.appendChild(page2);
    page2.appendChild(frame);
    await apply(jobId, frame.id);
    expect(problems().map((p) => p.code)).toEqual(['source-missing', 'source-missing']);
    expect(problems()[1].message).toContain('page');
    expect(fake.liveIds().filter((id) => !ids.includes(id))).toEqual([page2.id]);
  });

  it('bad params or placement → apply-failed, nothing created', async () => {
    const { frame, jobId } = await prepared();
    const ids = fake.liveIds();
    await apply(jobId, frame.id, { params: { ...params, t0: 7 } });
    await apply(jobId, frame.id, { placement: 'sideways' });
    expect(problems().map((p) => p.code)).toEqual(['apply-failed', 'apply-failed']);
    expect(fake.liveIds()).toEqual(ids);
  });

  it('after the plugin closed, a late apply does nothing', async () => {
    const { frame, jobId } = await prepared();
    const onmessage = fake.ui.onmessage as (m: unknown) => void;
    fake.closePlugin();
    const ids = fake.liveIds();
    onmessage({ type: 'apply', jobId, sourceNodeId: frame.id, png: makePng(256, 128), width: 256, height: 128, params, placement: 'new-node' });
    await plugin.idle();
    expect(fake.liveIds()).toEqual(ids);
  });
  it('an unknown or forgotten jobId → refused, nothing created', async () => {
    const { frame } = await prepared();
    const ids = fake.liveIds();
    const fills = frame.fills;
    await apply('job-999', frame.id);
    await apply(42 as unknown as string, frame.id);
    expect(problems().map((p) => p.code)).toEqual(['apply-failed', 'apply-failed']);
    expect(problems()[0].message).toMatch(/no longer remembers.*nothing was placed/);
    expect(fake.liveIds()).toEqual(ids);
    expect(frame.fills).toEqual(fills);
    expect(fake.undoCommits).toBe(0);
  });

  it("frame A's jobId with frame B as the source, or with a layer inside A → refused, neither touched", async () => {
    const a = sceneFrame('A');
    const stroke = fake.add('VECTOR', { name: 'Stroke', width: 50, height: 20 }, a);
    const b = fake.add('FRAME', { name: 'B', x: 700, width: 400, height: 200 });
    await start();
    const msg = await select(a, b);
    const jobA = msg.jobs[0].jobId;
    const ids = fake.liveIds();
    const fills = b.fills;
    await apply(jobA, b.id, { placement: 'replace' });
    await apply(jobA, stroke.id);
    expect(problems().map((p) => p.code)).toEqual(['apply-failed', 'apply-failed']);
    expect(problems()[0].message).toMatch(/another layer than the frame it was made from/);
    expect(b.fills).toEqual(fills);
    expect(b.getPluginData(PLUGIN_DATA_SOURCE)).toBe('');
    expect(fake.liveIds()).toEqual(ids);
    expect(fake.undoCommits).toBe(0);
  });

  it('a PNG of another size than the job exported → invalid-png naming both sizes, nothing created', async () => {
    const { frame, jobId } = await prepared();
    const ids = fake.liveIds();
    await apply(jobId, frame.id, { png: makePng(128, 128), width: 128, height: 128 });
    expect(problems()).toEqual([{ code: 'invalid-png', message: expect.stringContaining('128×128 px but its frame was exported at 256×128 px') }]);
    expect(fake.liveIds()).toEqual(ids);
    expect(fake.images.size).toBe(0);
  });

  it('a source reshaped while the result was made: the new node keeps the result’s aspect inside the source’s box', async () => {
    const { frame, jobId } = await prepared();
    frame.resize(400, 400);
    await apply(jobId, frame.id);
    frame.resize(800, 400); // the same aspect as the result: the source's box as it is
    await apply(jobId, frame.id, { params: { ...params, seed: 8 } }); // another result (the same one is placed once)
    const [reshaped, scaled] = fake.postedOfType<AppliedMsg>('applied').map((m) => fake.nodes.get(m.nodeId) as FakeNode);
    expect([reshaped.width, reshaped.height, reshaped.y]).toEqual([400, 200, frame.y]);
    expect([scaled.width, scaled.height]).toEqual([800, 400]);
  });

  it('after a page switch the message says where the frame is, and nothing is created', async () => {
    const { frame, jobId } = await prepared();
    const page2 = new FakeNode(fake, 'PAGE', 'Page 2');
    fake.root.appendChild(page2);
    const page1 = fake.currentPage;
    fake.currentPage = page2;
    const ids = fake.liveIds();
    await apply(jobId, frame.id);
    expect(problems()).toEqual([{ code: 'source-missing', message: '“Lake”, the frame this result was made from, is no longer on this page: go back to the page “Page 1” to place it.' }]);
    expect(fake.liveIds()).toEqual(ids);
    // back on its page, the same result is placed
    fake.currentPage = page1;
    await apply(jobId, frame.id);
    expect(fake.postedOfType<AppliedMsg>('applied')).toHaveLength(1);
  });

  it('a source moved to another page or into a layer: the message says where to', async () => {
    const { frame, jobId } = await prepared();
    const holder = fake.add('FRAME', { name: 'Holder', x: 2000, width: 1000, height: 1000 });
    holder.appendChild(frame);
    await apply(jobId, frame.id);
    const page2 = new FakeNode(fake, 'PAGE', 'Page 2');
    fake.root.appendChild(page2);
    page2.appendChild(frame);
    await apply(jobId, frame.id);
    frame.remove();
    await apply(jobId, frame.id);
    expect(problems().map((p) => p.message)).toEqual([
      '“Lake”, the frame this result was made from, was moved into “Holder” while the result was made, so nothing was placed. Select it and run again.',
      '“Lake”, the frame this result was made from, was moved to the page “Page 2”, so nothing was placed. Select it there and run again.',
      'The frame this result was made from has been deleted, so nothing was placed. Select a frame and run again.',
    ]);
  });
});

describe('live mode: edits inside the selected frame', () => {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function selectedScene(livePreview: boolean) {
    const frame = sceneFrame();
    const stroke = fake.add('VECTOR', { name: 'Stroke', x: 10, y: 10, width: 50, height: 20, fills: [{ type: 'SOLID', color: RED }] }, frame);
    const other = fake.add('RECTANGLE', { name: 'Elsewhere', x: 900, width: 50, height: 50 });
    await start();
    await send({ type: 'save-settings', settings: { ...DEFAULT_SETTINGS, livePreview } });
    await select(frame);
    await wait(OWN_CHANGE_GRACE_MS + 50); // past the plugin's own export
    return { frame, stroke, other, count: () => fake.postedOfType<SelectionMsg>('selection').length };
  }

  it('a burst of edits inside the frame gives exactly one new export, after the throttle; an edit outside gives none', async () => {
    const { stroke, other, count } = await selectedScene(true);
    const before = count();
    for (let i = 0; i < 5; i++) {
      stroke.x += 5;
      fake.emitNodeChange(fake.currentPage, [{ type: 'PROPERTY_CHANGE', node: stroke, properties: ['x'] }]);
      await wait(20);
    }
    expect(count()).toBe(before); // throttled: nothing yet
    await wait(LIVE_EDIT_THROTTLE_MS);
    await plugin.idle();
    expect(count()).toBe(before + 1);
    const msg = lastSelection();
    expect(msg.jobs).toHaveLength(1);
    expect(msg.jobs[0].sourceNodeId).toBe(stroke.parent?.id);

    await wait(OWN_CHANGE_GRACE_MS + 50);
    other.x += 10;
    fake.emitNodeChange(fake.currentPage, [{ type: 'PROPERTY_CHANGE', node: other, properties: ['x'] }]);
    await wait(LIVE_EDIT_THROTTLE_MS + 100);
    await plugin.idle();
    expect(count()).toBe(before + 1);
  });

  it('a layer drawn into the frame counts; the plugin’s own export changes and a live mode that is off do not', async () => {
    const { frame, count } = await selectedScene(true);
    const before = count();
    const added = fake.add('ELLIPSE', { name: 'Sun', x: 300, y: 20, width: 40, height: 40 }, frame);
    fake.emitNodeChange(fake.currentPage, [{ type: 'CREATE', node: added }]);
    await wait(LIVE_EDIT_THROTTLE_MS + 100);
    await plugin.idle();
    expect(count()).toBe(before + 1);
    // right after its own export the plugin ignores what it changed itself (Mask layers shown again)
    fake.emitNodeChange(fake.currentPage, [{ type: 'PROPERTY_CHANGE', node: added, properties: ['visible'] }]);
    await wait(LIVE_EDIT_THROTTLE_MS + 100);
    await plugin.idle();
    expect(count()).toBe(before + 1);

    await send({ type: 'save-settings', settings: { ...DEFAULT_SETTINGS, livePreview: false } });
    await wait(OWN_CHANGE_GRACE_MS + 50);
    fake.emitNodeChange(fake.currentPage, [{ type: 'PROPERTY_CHANGE', node: added, properties: ['x'] }]);
    await wait(LIVE_EDIT_THROTTLE_MS + 100);
    await plugin.idle();
    expect(count()).toBe(before + 1);
  });
});

describe('lasting history', () => {
  type HistoryMsg = Extract<PluginToUi, { type: 'history' }>;
  const stored = (i: number, thumbBytes = 500): StoredRun => ({
    id: `run-${i}`,
    createdAt: 1_700_000_000_000 + i,
    sourceName: `Frame ${i}`,
    sourceNodeId: `1:${i}`,
    params: [{ ...params, seed: i }],
    backend: 'wasm',
    totalMs: 1200,
    thumbPng: new Uint8Array(thumbBytes).fill(i % 256),
  });

  it('survives closing the plugin: saved runs come back on the next start', async () => {
    await start();
    await send({ type: 'save-history', runs: [stored(2), stored(1)] });
    const storage = fake.clientStorage;
    const kept = await storage.getAsync(HISTORY_KEY);
    fake.closePlugin();
    uninstallFigmaFake();
    fake = installFigmaFake();
    await fake.clientStorage.setAsync(HISTORY_KEY, kept);
    await start();
    await send({ type: 'load-history' });
    const msg = fake.postedOfType<HistoryMsg>('history').pop();
    expect(msg?.runs.map((r) => r.id)).toEqual(['run-2', 'run-1']);
    expect(Array.from(msg?.runs[0].thumbPng ?? []).slice(0, 3)).toEqual([2, 2, 2]);
    expect(msg?.runs[1].params).toEqual([{ ...params, seed: 1 }]);
  });

  it('keeps within its limits and drops what is malformed', async () => {
    await start();
    const many = Array.from({ length: 30 }, (_, i) => stored(i));
    const bad = [{ ...stored(99), params: [{ t0: 7 }] }, { ...stored(98), id: 42 }, 'junk', null];
    const big = { ...stored(97), thumbPng: new Uint8Array(HISTORY_LIMITS.thumbBytes + 1) };
    await send({ type: 'save-history', runs: [...bad, big, stored(1), stored(1), ...many] });
    await send({ type: 'load-history' });
    const runs = fake.postedOfType<HistoryMsg>('history').pop()?.runs ?? [];
    expect(runs).toHaveLength(HISTORY_LIMITS.runs);
    expect(runs[0]).toMatchObject({ id: 'run-97', thumbPng: null }); // an oversized thumbnail is dropped, the run kept
    expect(runs.filter((r) => r.id === 'run-1')).toHaveLength(1);
    expect(runs.some((r) => r.id === 'run-99' || r.id === 'run-98')).toBe(false);
    // 20 runs with 32 kB thumbnails still fit in the 1 MB the history may use
    await send({ type: 'save-history', runs: Array.from({ length: 40 }, (_, i) => stored(i, HISTORY_LIMITS.thumbBytes)) });
    const bytes = JSON.stringify(await fake.clientStorage.getAsync(HISTORY_KEY), (_k, v: unknown) => (v instanceof Uint8Array ? v.byteLength : v)).length;
    const all = (await fake.clientStorage.getAsync(HISTORY_KEY)) as StoredRun[];
    const thumbs = all.reduce((n, r) => n + (r.thumbPng?.byteLength ?? 0), 0);
    expect(all.length).toBeLessThanOrEqual(HISTORY_LIMITS.runs);
    expect(bytes + thumbs).toBeLessThanOrEqual(HISTORY_LIMITS.totalBytes);
  });

  it('a full clientStorage: the panel is told, and the settings are untouched', async () => {
    await start();
    await fake.clientStorage.setAsync('filler', 'x'.repeat(CLIENT_STORAGE_LIMIT - 2000));
    await send({ type: 'save-history', runs: [stored(1, 20_000)] });
    expect(problems().pop()).toMatchObject({ code: 'settings-failed', message: expect.stringContaining('history could not be saved') });
    expect(await fake.clientStorage.getAsync(HISTORY_KEY)).toBeUndefined();
  });
});

describe('settings', () => {
  it('loads stored settings, validating them', async () => {
    await fake.clientStorage.setAsync(SETTINGS_KEY, { ...DEFAULT_SETTINGS, t0: 0.25, size: 512, steps: 'many' });
    await start();
    expect(fake.postedOfType<SettingsMsg>('settings')[0].settings).toEqual({ ...DEFAULT_SETTINGS, t0: 0.25, size: 512 });
  });

  it('the stored working size is used for the first export', async () => {
    await fake.clientStorage.setAsync(SETTINGS_KEY, { ...DEFAULT_SETTINGS, size: 128 });
    fake.currentPage.selection = [sceneFrame()];
    await start();
    expect(lastSelection().jobs[0]).toMatchObject({ width: 128, height: 64 });
  });

  it('falls back to defaults when storage holds garbage', async () => {
    await fake.clientStorage.setAsync(SETTINGS_KEY, 'not settings');
    await start();
    expect(fake.postedOfType<SettingsMsg>('settings')[0].settings).toEqual(DEFAULT_SETTINGS);
  });

  it('round-trips saved settings through clientStorage', async () => {
    await start();
    const mine = { ...DEFAULT_SETTINGS, t0: 0.7, seedMode: 'fixed', seed: 42, dilation: 10, model: 'big' };
    await send({ type: 'save-settings', settings: { ...mine, injected: 'x' } });
    expect(await fake.clientStorage.getAsync(SETTINGS_KEY)).toEqual(mine);
    // a new session reads them back
    fake.closePlugin();
    const storage = fake.clientStorage.data;
    fake = installFigmaFake();
    for (const [k, v] of storage) fake.clientStorage.data.set(k, v);
    await start();
    expect(fake.postedOfType<SettingsMsg>('settings')[0].settings).toEqual(mine);
  });

  it.each([
    ['null', null],
    ['a string', 'reset'],
    ['an array', []],
    ['settings with a bad field', { ...DEFAULT_SETTINGS, t0: 7 }],
    ['settings missing a field', (({ model: _model, ...rest }) => rest)(DEFAULT_SETTINGS)],
  ])('a malformed save-settings (%s) → refused with a message, stored settings kept', async (_what, value) => {
    const mine = { ...DEFAULT_SETTINGS, t0: 0.7, size: 512, model: 'big' };
    await fake.clientStorage.setAsync(SETTINGS_KEY, mine);
    await start();
    await send({ type: 'save-settings', settings: value });
    expect(await fake.clientStorage.getAsync(SETTINGS_KEY)).toEqual(mine);
    expect(problems()).toEqual([{ code: 'settings-failed', message: expect.stringMatching(/^The panel sent settings the plugin cannot use \(.+\), so the saved settings were kept as they were\.$/) }]);
    // the session keeps the stored working size
    expect((await select(sceneFrame())).jobs[0]).toMatchObject({ width: 512, height: 256 });
  });

  it('a full 5 MB clientStorage → settings-failed, stored settings unchanged, the plugin keeps working', async () => {
    await fake.clientStorage.setAsync(SETTINGS_KEY, DEFAULT_SETTINGS);
    const used = fake.clientStorage.total();
    await fake.clientStorage.setAsync('other', 'x'.repeat(CLIENT_STORAGE_LIMIT - used - 'other'.length - 2));
    await start();
    await send({ type: 'save-settings', settings: { ...DEFAULT_SETTINGS, model: 'a-much-longer-model-name' } });
    expect(problems().map((p) => p.code)).toEqual(['settings-failed']);
    expect(fake.postedOfType<ProblemMsg>('problem').map((m) => m.jobId)).toEqual([null]);
    expect(fake.notifications.some((n) => n.error && n.message.includes('Settings'))).toBe(true);
    expect(await fake.clientStorage.getAsync(SETTINGS_KEY)).toEqual(DEFAULT_SETTINGS);
    const msg = await select(sceneFrame());
    expect(msg.jobs).toHaveLength(1);
  });
});
