/** @jest-environment ./test/model/ort-node-env.js */
// The evaluation's plumbing with the tiny untrained fixture (no trained pack needed): rows,
// baselines, masked edits that keep every unmasked pixel, sheets, table, quality block.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseEvalArgs } from '../../src/cli/eval/main';
import { gaussianBlur } from '../../src/cli/eval/baselines';
import { qualityBlock, reportJson, reportMarkdown } from '../../src/cli/eval/report';
import { evaluate, sdeditMany, type EvalConfig } from '../../src/cli/eval/run';
import { editsSheet, pictureSheet } from '../../src/cli/eval/sheets';
import { writeQuality } from '../../src/cli/eval/quality';
import { readPngFile } from '../../src/cli/png';
import { HELDOUT, TINY, tinyPackPerFile } from './tiny-pack-fixture';
import { fewStepGrid, sdedit } from '../../src/core';

const fx = tinyPackPerFile('sdedit-eval-');

const cfg: EvalConfig = {
  heldout: HELDOUT,
  size: 32,
  guides: 2,
  refs: 4,
  t0s: [0.3, 0.6],
  samplers: [
    { sampler: 'ddim', steps: 2 },
    { sampler: 'ddpm', steps: 2, t0s: [0.6] },
  ],
  seed: 1,
  batch: 2,
  blurSigma: 0.5,
  edits: true,
  editT0: 0.5,
  editSampler: { sampler: 'ddim', steps: 2 },
};

it('runs the protocol end to end and writes its outputs', async () => {
  const report = await evaluate(fx.loaded, cfg);
  const methods = report.rows.map((r) => `${r.method}:${r.sampler ?? ''}:${r.t0 ?? ''}`);
  expect(methods).toEqual(['real::', 'guide::', 'blur::', 'noised::0.3', 'noised::0.6', 'sdedit:ddim-2:0.3', 'sdedit:ddim-2:0.6', 'sdedit:ddpm-2:0.6']);
  expect(report.rows.find((r) => r.method === 'guide')?.l2_mean).toBe(0);
  for (const r of report.rows) expect(Number.isFinite(r.kid) && Number.isFinite(r.l2_mean)).toBe(true);
  // 2 guides × (2 + 2 + 2) steps, + 2 edits × 2 steps
  expect(report.timing.network_calls).toBe(2 * 6 + 4);
  for (const e of report.edits) expect(e.max_change_outside_mask).toBe(0);

  pictureSheet(report, 'ddim-2', path.join(fx.tmp, 'sheet.png'));
  editsSheet(report, path.join(fx.tmp, 'edits.png'));
  const sheet = readPngFile(path.join(fx.tmp, 'sheet.png'));
  expect(sheet.height).toBeGreaterThan(2 * 32);
  expect(sheet.width).toBeGreaterThan(4 * 32); // guide | 2 t0 | real
  const model = { name: 'tiny', sha256: '0'.repeat(64) };
  const md = reportMarkdown(report, cfg, model);
  expect(md).toMatch(/\| \*\*SDEdit, ddim-2\*\* \|/);
  expect(md).toMatch(/\| guide noised to t0, not denoised \|/);
  expect(reportJson(report, cfg, model).rows).toHaveLength(8);
  const copy = path.join(fx.tmp, 'model.json');
  copyFileSync(path.join(TINY, 'model.json'), copy);
  const before = JSON.parse(readFileSync(copy, 'utf8'));
  writeQuality(copy, qualityBlock(report, cfg, model));
  const after = JSON.parse(readFileSync(copy, 'utf8'));
  expect({ ...after, quality: null }).toEqual({ ...before, quality: null });
  expect(after.quality.sdedit['ddim-2'].l2).toHaveLength(2);
}, 60_000);

it('sdeditMany gives each guide what a lone sdedit gives it', async () => {
  const S = 16;
  const g = [0, 1, 2].map((k) => Float32Array.from({ length: 3 * S * S }, (_, i) => Math.sin(i * 0.1 + k)));
  const spec = { sampler: 'ddim' as const, steps: 3 };
  const many = await sdeditMany(fx.loaded.denoiser, g, S, fx.loaded.schedule, spec, 0.4, [5, 6, 7]);
  for (let k = 0; k < 3; k++) {
    const one = await sdedit(fx.loaded.denoiser, g[k], [3, S, S], fx.loaded.schedule, { sampler: 'ddim', steps: 3, t0: 0.4, seed: 5 + k, eta: 0 });
    let d = 0;
    for (let i = 0; i < one.length; i++) d = Math.max(d, Math.abs(one[i] - many[k][i]));
    expect(d).toBeLessThan(1e-5);
  }
});

it("runs the panel's few-step solver on the panel's grid (what is measured is what a designer runs)", async () => {
  const S = 16;
  const g = [Float32Array.from({ length: 3 * S * S }, (_, i) => Math.sin(i * 0.1))];
  const [many] = await sdeditMany(fx.loaded.denoiser, g, S, fx.loaded.schedule, { sampler: 'dpmpp2m-sde', steps: 4 }, 0.5, [5]);
  const run = (grid: 'logsnr' | 'time') => sdedit(fx.loaded.denoiser, g[0], [3, S, S], fx.loaded.schedule, { sampler: 'dpmpp2m-sde', grid, steps: 4, t0: 0.5, seed: 5 });
  const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
  expect(fewStepGrid('dpmpp2m-sde')).toBe('logsnr');
  expect(maxDiff(many, await run('logsnr'))).toBeLessThan(1e-5);
  expect(maxDiff(many, await run('time'))).toBeGreaterThan(1e-3);
});

it('blurs with a normalised Gaussian (a flat image stays flat)', () => {
  const flat = new Float32Array(3 * 8 * 8).fill(0.25);
  expect(gaussianBlur(flat, 8, 2).every((v) => Math.abs(v - 0.25) < 1e-6)).toBe(true);
});

it('parses the command line: full and quick defaults, errors', () => {
  const full = parseEvalArgs([]);
  expect(full.cfg.size).toBe(256);
  expect(full.cfg.guides).toBe(8);
  expect(full.cfg.t0s).toEqual([0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
  expect(full.cfg.samplers.map((s) => [s.sampler, s.steps])).toEqual([
    ['ddim', 20],
    ['ddpm', 20],
  ]);
  expect(full.out).toBe('models/default/eval');
  expect(full.writeQuality).toBe(true);
  const quick = parseEvalArgs(['--quick', '--size', '64']);
  expect(quick.cfg.size).toBe(64);
  expect(quick.writeQuality).toBe(false);
  expect(quick.out).toBe('eval/out');
  expect(quick.cfg.samplers).toHaveLength(1);
  expect(parseEvalArgs(['--ddpm', '0.5', '--ddpm-steps', '0']).cfg.samplers[1]).toEqual({ sampler: 'ddpm', steps: 0, t0s: [0.5] });
  expect(parseEvalArgs(['--make-examples']).makeExamples).toBe('examples');
  expect(() => parseEvalArgs(['--size', '100'])).toThrow(/multiple of 32/);
  expect(() => parseEvalArgs(['--t0', '1.5'])).toThrow(/\(0, 1\]/);
  expect(() => parseEvalArgs(['--bogus'])).toThrow(/unknown option/);
  expect(existsSync(HELDOUT)).toBe(true);
});
