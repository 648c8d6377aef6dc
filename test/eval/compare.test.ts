/** @jest-environment ./test/model/ort-node-env.js */
// The side-by-side comparison's plumbing with the tiny untrained fixture run as both packs:
// inputs, measures in range, masked composites that keep every unmasked pixel, the summary,
// JSON, markdown section and sheets; the flat guides and the marked section of results.md.
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { type CompareConfig, X0_ERROR_TS, compareInputs, retentionReference, runModel } from '../../src/cli/eval/compare';
import { noisedGuide, noisedToT0 } from '../../src/cli/eval/baselines';
import { edgeRetention } from '../../src/cli/eval/image-stats';
import { vpLinear } from '../../src/core';
import { compareMain, parseCompareArgs } from '../../src/cli/eval/compare-cli';
import { TARGETS, compareJson, compareMarkdown, compareSheets, sideBySideBlock, summarise } from '../../src/cli/eval/compare-report';
import { markedSection, withMarkedSection } from '../../src/cli/eval/files';
import { FLAT_SCENES, flatGuide, makeFlatGuides } from '../../src/cli/eval/flat-guides';
import { boatAsset, pasteAsset } from '../../src/cli/eval/guides';
import { readPngFile } from '../../src/cli/png';
import { HELDOUT, TINY, tinyPackPerFile } from './tiny-pack-fixture';
import { DEFAULT_SETTINGS } from '../../src/protocol';

const fx = tinyPackPerFile('sdedit-compare-');

describe('edges kept by images without the guide in them', () => {
  const S = 64;
  const guides = FLAT_SCENES.map((sc) => flatGuide(sc, S));
  it('finds every edge in the guide itself and far fewer in noise', () => {
    const ref = retentionReference([guides[0]], [guides[0]], S, { seed: 1, flatSeeds: 2 });
    expect(ref.photo).toBe(1);
    expect(ref.noise).toBeLessThan(0.9);
    expect(ref.noise).toBeGreaterThan(0.2);
  });
  it('the start keeps nearly all of the edges at small t0 and about as many as noise near t0 = 1', () => {
    const sch = vpLinear();
    const at = (t0: number) => guides.map((g, i) => edgeRetention(g, noisedToT0(g, sch, t0, 1 + i), S)).reduce((a, b) => a + b) / guides.length;
    const noise = retentionReference(guides, [], S, { seed: 1, flatSeeds: 1 }).noise;
    expect(at(0.05)).toBeGreaterThan(0.95);
    expect(Math.abs(at(1) - noise)).toBeLessThan(0.1);
    expect(at(0.5)).toBeGreaterThan(at(0.7));
    // the photo protocol's noised baseline is the same draw, clipped as an image
    const g = guides[0];
    expect(noisedGuide(g, sch, 0.5, 3)).toEqual(noisedToT0(g, sch, 0.5, 3).map((v) => Math.max(-1, Math.min(1, v))));
  });
});

describe('flat guides', () => {
  it('are deterministic flat-colour scenes with a handful of colours each', () => {
    for (const s of FLAT_SCENES) {
      const a = flatGuide(s, 32);
      expect(flatGuide(s, 32)).toEqual(a);
      // most pixels carry one of the scene's own colours (the rest are anti-aliased edges)
      const HW = 32 * 32;
      const colours = new Map<string, number>();
      for (let p = 0; p < HW; p++) {
        const k = `${a[p]},${a[HW + p]},${a[2 * HW + p]}`;
        colours.set(k, (colours.get(k) ?? 0) + 1);
      }
      const top = [...colours.values()].sort((x, y) => y - x).slice(0, s.layers.length).reduce((x, y) => x + y, 0);
      expect(top / HW).toBeGreaterThan(0.85);
    }
  });

  it('cover sun, moon, snow peaks and a sea line', () => {
    const names = FLAT_SCENES.map((s) => s.name);
    for (const n of ['lake-sun', 'snow-peaks', 'sea-moon']) expect(names).toContain(n);
  });

  it('a pasted boat changes only the pixels it covers', () => {
    const bg = flatGuide(FLAT_SCENES[3], 64);
    const { guide, mask } = pasteAsset(bg, 64, boatAsset(64, 0.3, 0.76, 0.08));
    let changed = 0;
    for (let p = 0; p < 64 * 64; p++) if (guide[p] !== bg[p] || guide[4096 + p] !== bg[4096 + p]) changed++;
    expect(changed).toBeGreaterThan(20);
    for (let p = 0; p < 64 * 64; p++) if (mask[p] === 0) expect(guide[p]).toBe(bg[p]);
  });
});

describe('marked section', () => {
  it('is appended, then replaced in place, leaving the rest of the text', () => {
    const a = withMarkedSection('# title\n\ntext\n', 'compare', 'one');
    expect(a).toMatch(/^# title\n\ntext\n\n<!-- compare: begin/);
    const b = withMarkedSection(`${a}\nafter\n`, 'compare', 'two $& $1');
    expect(b).toContain('two $& $1');
    expect(b).not.toContain('one');
    expect(b.endsWith('\nafter\n')).toBe(true);
    expect(markedSection(b, 'compare')).toMatch(/^<!-- compare: begin.*\ntwo \$& \$1\n<!-- compare: end -->$/s);
    expect(markedSection('no section', 'compare')).toBeNull();
  });
});

describe('parseCompareArgs', () => {
  it('takes the panel default sampler and the documented defaults', () => {
    const p = parseCompareArgs(['--compare', 'x/v2']);
    expect(p.models).toEqual(['models/default', 'x/v2']);
    expect(p.cfg.spec).toEqual({ sampler: 'dpmpp2m-sde', steps: 10 });
    expect(p.cfg.size).toBe(DEFAULT_SETTINGS.size);
    expect(p.cfg.flatSeeds).toBe(3);
    expect(p.out).toBe('models/default/eval');
  });

  it('takes another sampler when asked, and says so in the report', () => {
    expect(parseCompareArgs(['--compare', 'x', '--sampler', 'dpmpp2m']).cfg.spec).toEqual({ sampler: 'dpmpp2m', steps: 10 });
    expect(() => parseCompareArgs(['--compare', 'x', '--sampler', 'euler'])).toThrow(/--sampler must be one of/);
  });

  it('refuses bad values clearly', () => {
    expect(() => parseCompareArgs(['--compare', 'x', '--size', '100'])).toThrow(/multiple of 32/);
    expect(() => parseCompareArgs(['--compare', 'x', '--flat-t0', '0.3,0.7'])).toThrow(/0\.5/);
    expect(() => parseCompareArgs(['--compare', 'x', '--labels', 'a'])).toThrow(/two/);
    expect(() => parseCompareArgs(['--compare', 'x', '--quick'])).toThrow(/unknown option --quick/);
    expect(() => parseCompareArgs(['--compare'])).toThrow(/needs a value/);
  });

  it('writes the comparison into the candidate pack unless --no-quality', () => {
    expect(parseCompareArgs(['--compare', 'x']).writeQuality).toBe(true);
    const p = parseCompareArgs(['--compare', 'x', '--no-quality', '--sampler', 'dpmpp2m']);
    expect(p.writeQuality).toBe(false);
    expect(p.cfg.spec.sampler).toBe('dpmpp2m');
  });
});

it('runs both packs through every part and writes its outputs', async () => {
  const photos = path.join(fx.tmp, 'photos');
  mkdirSync(photos);
  const scenes = readdirSync(HELDOUT).filter((f) => f.endsWith('.png')).sort();
  scenes.slice(0, 3).forEach((f, i) => copyFileSync(path.join(HELDOUT, f), path.join(photos, `guide-a-${i}.png`)));
  scenes.slice(3, 7).forEach((f, i) => copyFileSync(path.join(HELDOUT, f), path.join(photos, `ref-a-${i}.png`)));
  const flat = path.join(fx.tmp, 'flat');
  makeFlatGuides(flat, 32);
  const cfg: CompareConfig = {
    size: 32,
    spec: { sampler: 'dpmpp2m-sde', steps: 2 },
    seed: 1,
    photos,
    photoT0s: [0.5],
    flat,
    flatT0s: [0.5, 0.7],
    flatSeeds: 2,
    flatMeasureT0: 0.5,
    heldout: HELDOUT,
    compositeT0: 0.5,
  };
  const inputs = compareInputs(cfg);
  expect(inputs.photoGuideNames).toEqual(['guide-a-0.png', 'guide-a-1.png', 'guide-a-2.png']);
  expect(inputs.photoRefNames).toHaveLength(4);
  expect(inputs.flatNames).toHaveLength(FLAT_SCENES.length);
  expect(inputs.retentionReference.noise).toBeGreaterThan(0);
  expect(inputs.retentionReference.photo).toBeLessThan(1);
  const runs = [await runModel('A', fx.loaded, inputs, cfg), await runModel('B', fx.loaded, inputs, cfg)];
  // the start: more noise (t0 0.7) leaves fewer of the guide's edges than t0 0.5
  expect(runs[0].flat[0].retention_start).toBeGreaterThan(runs[0].flat[1].retention_start);
  expect(runs[1].flat[1].retention_start).toBe(runs[0].flat[1].retention_start);
  // the same pack and seeds give the same numbers under both labels
  expect(runs[1].flat[0].retention).toEqual(runs[0].flat[0].retention);
  for (const f of runs[0].flat) {
    for (const r of [...f.retention, f.retention_other]) expect(r >= 0 && r <= 1).toBe(true);
    for (const v of f.l2_rms32) expect(v).toBeGreaterThan(0);
  }
  for (const c of runs[0].composites) expect(c.max_change_outside_mask).toBe(0);
  // 3 photo guides × 2 steps + 6 flat guides × 2 seeds × 2 t0 × 2 steps + 3 composites × 2 steps + 3 crops × 5 t (x̂0 error)
  expect(runs[0].timing.network_calls).toBe(3 * 2 + FLAT_SCENES.length * 2 * 2 * 2 + 3 * 2 + 3 * X0_ERROR_TS.length);
  // every seed's result is measured; the sheet shows the first seed's
  expect(runs[0].flat[0].retention).toHaveLength(2 * FLAT_SCENES.length);
  expect(runs[0].flat[0].images).toHaveLength(FLAT_SCENES.length);
  // the denoiser alone: an error per t, larger where less of the crop is left in x_t
  expect(runs[0].x0_error.map((r) => r.t)).toEqual([...X0_ERROR_TS]);
  for (const r of runs[0].x0_error) expect(r.rms).toBeGreaterThan(0);
  expect(runs[0].x0_error[runs[0].x0_error.length - 1].rms).toBeGreaterThan(runs[0].x0_error[0].rms);
  const report = { size: 32, inputs, runs, total_ms: 1 };
  const s = summarise(report, cfg);
  expect(s.models.map((m) => m.label)).toEqual(['A', 'B']);
  expect(s.models[0].targets.retention).toBe(s.models[0].flat[1].retention >= TARGETS.retention_min);
  expect(s.models[0].flat[1].retention_se).toBeGreaterThanOrEqual(0);
  const packs = [{ dir: 'dirA', training: null }, { dir: 'dirB', training: { steps: 7, images_seen: 224 } }];
  const md = compareMarkdown(report, cfg, s, packs);
  expect(md).toContain('B = `dirB` (tiny');
  expect(md).toContain('7 training steps (224 images seen)');
  // the photo set is named as read, in the sentence and in the command that reproduces the report
  expect(md).toContain(`1 held-out photographs (${photos}, never trained on)`);
  expect(md).toContain(`--model dirA --photos ${photos}\``);
  expect(md).toMatch(/## A and B side by side/);
  expect(md).toMatch(/\| KID, B \|/);
  expect(md).toMatch(/2 results each, mean ± its standard error/);
  expect(md).toMatch(/x̂0 error against t[\s\S]*\| B \| [\d.]+ \|/);
  expect(md).toMatch(/\| \*\*A\*\* \| [\d.]+ \| -?[\d.]+ [✓✗] \(-?[\d.]+\) \|/);
  // one pack twice, one schedule: the start's row once, and the reference levels beside it
  expect(md.match(/\| the start: guide noised to t0, not denoised \| [\d.]+ \| [\d.]+ \|/g)).toHaveLength(1);
  expect(md).toContain(`i.i.d. Gaussian noise at ${inputs.retentionReference.noise.toFixed(2)}`);
  const json = compareJson(report, cfg, s, packs);
  expect((json.models as unknown[]).length).toBe(2);
  // what the candidate's model.json keeps: both packs' summaries, none of the per-image inputs
  const kept = sideBySideBlock(json);
  expect(kept.models).toEqual(json.models);
  expect(kept.size).toBe(32);
  expect(JSON.stringify(kept)).not.toContain('guide-a-0.png');
  expect(kept.retention_reference).toEqual(json.retention_reference);
  const files = compareSheets(report, cfg, fx.tmp);
  expect(readPngFile(files[2]).width).toBeGreaterThan(4 * 32);
}, 120_000);

it('the command writes its outputs and the comparison into the candidate pack, leaving the reference pack as it was', async () => {
  const root = path.join(fx.tmp, 'cli');
  const [a, b, photos, flat, out] = ['a', 'b', 'photos', 'flat', 'out'].map((d) => path.join(root, d));
  cpSync(TINY, a, { recursive: true });
  cpSync(TINY, b, { recursive: true });
  mkdirSync(photos, { recursive: true });
  const scenes = readdirSync(HELDOUT).filter((f) => f.endsWith('.png')).sort();
  scenes.slice(0, 2).forEach((f, i) => copyFileSync(path.join(HELDOUT, f), path.join(photos, `guide-a-${i}.png`)));
  scenes.slice(2, 5).forEach((f, i) => copyFileSync(path.join(HELDOUT, f), path.join(photos, `ref-a-${i}.png`)));
  makeFlatGuides(flat, 32);
  const aBefore = readFileSync(path.join(a, 'model.json'));
  const args = ['--compare', b, '--model', a, '--out', out, '--size', '32', '--steps', '2', '--photos', photos, '--t0', '0.5', '--flat-guides', flat, '--flat-t0', '0.5,0.7', '--flat-seeds', '1', '--heldout', HELDOUT, '--threads', '1'];
  expect(await compareMain(args)).toBe(0);
  for (const f of ['compare.json', 'results.md', 'compare-flat.png']) expect(existsSync(path.join(out, f))).toBe(true);
  expect(readFileSync(path.join(a, 'model.json')).equals(aBefore)).toBe(true);
  const pack = JSON.parse(readFileSync(path.join(b, 'model.json'), 'utf8')) as { files: { sha256: string }[]; quality: { model_sha256: string; side_by_side: { size: number; models: { label: string; x0_error: unknown[] }[] } } };
  expect(pack.quality.model_sha256).toBe(pack.files[0].sha256);
  expect(pack.quality.side_by_side.size).toBe(32);
  expect(pack.quality.side_by_side.models.map((m) => m.label)).toEqual(['v1', 'v2']);
  expect(pack.quality.side_by_side.models[1].x0_error).toHaveLength(X0_ERROR_TS.length);
  // a side experiment with --no-quality leaves both packs' model.json as they were
  const bBefore = readFileSync(path.join(b, 'model.json'));
  expect(await compareMain([...args, '--sampler', 'dpmpp2m', '--out', path.join(root, 'out-ode'), '--no-quality'])).toBe(0);
  expect(readFileSync(path.join(b, 'model.json')).equals(bBefore)).toBe(true);
  expect(readFileSync(path.join(a, 'model.json')).equals(aBefore)).toBe(true);
  expect(existsSync(path.join(root, 'out-ode', 'compare.json'))).toBe(true);
}, 120_000);
