// The written outputs of the side-by-side comparison (compare.ts): one summary computed once,
// then the JSON, the markdown section of results.md and the picture sheets made from it.
import { EDGE_GRID, EDGE_QUANTILE, EDGE_RADIUS, SLOPE_BANDS, SLOPE_R_MIN, gapClosed, gapShare } from './image-stats';
import { type CompareConfig, type CompareReport, type ImageStats, type ModelRun, PHOTOS_HELDOUT_DIR } from './compare';
import { PROTOCOL } from './report';
import { mean, samplerLabel, std } from './run';
import { gridSheet } from './sheets';
import { DEFAULT_SETTINGS } from '../../protocol';
import { fewStepGrid } from '../../core';

/** Issue 15's targets for v2. */
export const TARGETS = { gap_share_min: 0.6, l2_rms32_max: 0.15, retention_min: 0.75, retention_t0: 0.7 } as const;

export const MEASURES =
  'Laplacian std: standard deviation of the 4-neighbour Laplacian of the luminance (Rec. 601, [0, 1]) over interior pixels at the working size. ' +
  `Spectrum slope: least-squares slope of log power against log radius of the radially averaged power spectrum of the luminance (mean removed, Hann window), over ${SLOPE_BANDS} log-spaced bands from ${SLOPE_R_MIN} to N/2 cycles per image. ` +
  'Gap position: (model − guide) / (photographs − guide) of the means over images (0 = as the guides, 1 = as the photographs, > 1 overshoots). ' +
  'Gap closed: 1 − |1 − position|, the share of the guide → photographs gap closed with overshoot counted against it (what the ≥ 0.6 target is checked on). ' +
  '32-px RMS: RMS of result − guide after area-downsampling both to 32×32, values in [−1, 1] (in [0, 1] pixel units it is half this). ' +
  `Edges kept: share of the guide's strong edges (Sobel magnitude of the luminance at ${EDGE_GRID}×${EDGE_GRID} above its ${EDGE_QUANTILE} quantile) with a strong edge of the result (same rule) within ${EDGE_RADIUS} px; "other guide" pairs each guide with the results of every other guide (chance level); "the start" is the same measure on the guide noised to t0 and not denoised (what is left of its edges for the sampler to keep); i.i.d. noise and unrelated photo crops are the levels of images that hold none of the guide's structure.`;

/** standard error of the mean (0 for one value) */
const standardError = (v: readonly number[]): number => std(v) / Math.sqrt(v.length);
const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;
const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;
const meanStats = (s: readonly ImageStats[]): ImageStats => ({ lap_std: mean(s.map((x) => x.lap_std)), slope: mean(s.map((x) => x.slope)) });

export interface ModelSummary {
  label: string;
  name: string;
  sha256: string;
  photos: { t0: number; l2_mean: number; l2_std: number; kid: number }[];
  flat: { t0: number; lap_std: number; slope: number; l2_rms32: number; l2_rms32_max: number; retention: number; retention_se: number; retention_other: number; retention_start: number }[];
  at_measure_t0: { t0: number; lap_std_gap_position: number; lap_std_gap_closed: number; slope_gap_position: number; slope_gap_closed: number; l2_rms32: number };
  composites: { name: string; max_change_outside_mask: number; object_rms_change: number }[];
  x0_error: { t: number; rms: number }[];
  targets: { lap_std_gap_closed: boolean; slope_gap_closed: boolean; l2_rms32: boolean; retention: boolean | null };
  timing: { network_calls: number; network_s: number; total_s: number };
}

/** Where a pack came from: its folder and what its model.json says of its training. */
export interface PackSource {
  dir: string;
  training: { steps: number | null; images_seen: number | null } | null;
}

const trainedText = (p: PackSource): string => (p.training && p.training.steps !== null ? `, ${p.training.steps} training steps${p.training.images_seen !== null ? ` (${p.training.images_seen} images seen)` : ''}` : '');

export interface CompareSummary {
  guide: ImageStats;
  photographs: ImageStats;
  /** the flat guides' edges kept by i.i.d. noise and by unrelated photo crops */
  retention_reference: { noise: number; photo: number };
  models: ModelSummary[];
}

export function summarise(report: CompareReport, cfg: CompareConfig): CompareSummary {
  const guide = meanStats(report.inputs.flatGuideStats);
  const photographs = meanStats(report.inputs.photoStats);
  const models = report.runs.map((run: ModelRun): ModelSummary => {
    const flat = run.flat.map((f) => ({
      t0: f.t0,
      lap_std: mean(f.lap_std),
      slope: mean(f.slope),
      l2_rms32: mean(f.l2_rms32),
      l2_rms32_max: Math.max(...f.l2_rms32),
      retention: mean(f.retention),
      retention_se: standardError(f.retention),
      retention_other: f.retention_other,
      retention_start: f.retention_start,
    }));
    const at = flat.find((f) => f.t0 === cfg.flatMeasureT0);
    if (!at) throw new Error(`compare: t0 ${cfg.flatMeasureT0} is not among the flat-guide t0 (${cfg.flatT0s.join(', ')})`);
    const lapClosed = gapClosed(guide.lap_std, at.lap_std, photographs.lap_std);
    const slopeClosed = gapClosed(guide.slope, at.slope, photographs.slope);
    const ret = flat.find((f) => f.t0 === TARGETS.retention_t0);
    return {
      label: run.label,
      name: run.name,
      sha256: run.sha256,
      photos: run.photoRows.map((r) => ({ t0: r.t0 as number, l2_mean: r.l2_mean, l2_std: r.l2_std, kid: r.kid })),
      flat,
      at_measure_t0: {
        t0: cfg.flatMeasureT0,
        lap_std_gap_position: gapShare(guide.lap_std, at.lap_std, photographs.lap_std),
        lap_std_gap_closed: lapClosed,
        slope_gap_position: gapShare(guide.slope, at.slope, photographs.slope),
        slope_gap_closed: slopeClosed,
        l2_rms32: at.l2_rms32,
      },
      composites: run.composites.map((c) => ({ name: c.name, max_change_outside_mask: c.max_change_outside_mask, object_rms_change: c.object_rms_change })),
      x0_error: run.x0_error,
      targets: {
        lap_std_gap_closed: lapClosed >= TARGETS.gap_share_min,
        slope_gap_closed: slopeClosed >= TARGETS.gap_share_min,
        l2_rms32: at.l2_rms32 < TARGETS.l2_rms32_max,
        retention: ret ? ret.retention >= TARGETS.retention_min : null,
      },
      timing: { network_calls: run.timing.network_calls, network_s: run.timing.network_ms / 1000, total_s: run.timing.total_ms / 1000 },
    };
  });
  return { guide, photographs, retention_reference: { ...report.inputs.retentionReference }, models };
}

export function compareJson(report: CompareReport, cfg: CompareConfig, s: CompareSummary, packs: PackSource[]): Record<string, unknown> {
  const rnd = (o: unknown): unknown =>
    typeof o === 'number' ? (Number.isInteger(o) ? o : Math.abs(o) < 1 ? r6(o) : r4(o)) : Array.isArray(o) ? o.map(rnd) : o && typeof o === 'object' ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, rnd(v)])) : o;
  const inp = report.inputs;
  return rnd({
    date: new Date().toISOString(),
    command: `npm run eval -- --compare ${packs[1].dir} --model ${packs[0].dir}`,
    protocol: PROTOCOL,
    measures: MEASURES,
    size: report.size,
    sampler: { label: samplerLabel(cfg.spec), sampler: cfg.spec.sampler, steps: cfg.spec.steps },
    seed: cfg.seed,
    targets: TARGETS,
    inputs: {
      photo_guides: inp.photoGuideNames,
      photo_references: inp.photoRefNames,
      photo_t0: cfg.photoT0s,
      flat_guides: inp.flatNames,
      flat_t0: cfg.flatT0s,
      flat_seeds: cfg.flatSeeds,
      flat_measure_t0: cfg.flatMeasureT0,
      composites: inp.composites.map((c) => c.name),
      composite_t0: cfg.compositeT0,
    },
    photo_baselines: inp.photoBaselines.map((r) => ({ method: r.method, t0: r.t0, l2_mean: r.l2_mean, l2_std: r.l2_std, kid: r.kid })),
    flat_guides_stats: { mean: s.guide, per_guide: inp.flatGuideStats },
    photographs_stats: { mean: s.photographs, n: inp.photoStats.length },
    retention_reference: s.retention_reference,
    models: s.models.map((m, i) => ({ ...m, dir: packs[i].dir, training: packs[i].training })),
    total_s: report.total_ms / 1000,
  }) as Record<string, unknown>;
}

/** What a pack's model.json keeps of a comparison (`quality.side_by_side`): the summary of
 *  both packs, without the per-image inputs that compare.json lists. */
export function sideBySideBlock(json: Record<string, unknown>): Record<string, unknown> {
  const pick = (k: string): unknown => json[k];
  const mean = (k: string): unknown => (json[k] as { mean?: unknown } | undefined)?.mean;
  return {
    date: pick('date'),
    command: pick('command'),
    protocol: pick('protocol'),
    size: pick('size'),
    sampler: pick('sampler'),
    seed: pick('seed'),
    targets: pick('targets'),
    flat_guides_mean: mean('flat_guides_stats'),
    photographs_mean: mean('photographs_stats'),
    retention_reference: pick('retention_reference'),
    models: pick('models'),
    details: 'eval/compare.json and eval/results.md of this pack',
  };
}

const f = (v: number, d = 2): string => (Number.isFinite(v) ? v.toFixed(d) : '–');
const ok = (b: boolean | null): string => (b === null ? '' : b ? ' ✓' : ' ✗');

export function compareMarkdown(report: CompareReport, cfg: CompareConfig, s: CompareSummary, packs: PackSource[]): string {
  const inp = report.inputs;
  const [a, b] = s.models;
  const S = report.size;
  const o: string[] = [];
  const nPhotos = new Set(inp.photoGuideNames.map((n) => n.replace(/^guide-|-\d+\.png$/g, ''))).size;
  o.push(`## ${s.models.map((m) => m.label).join(' and ')} side by side (issue 15)`);
  o.push('');
  o.push(`Written by \`npm run eval -- --compare ${packs[1].dir} --model ${packs[0].dir}${cfg.photos === PHOTOS_HELDOUT_DIR ? '' : ` --photos ${cfg.photos}`}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC in ${f(report.total_ms / 1000, 0)} s; ` +
    s.models.map((m, i) => `${m.label} = \`${packs[i].dir}\` (${m.name}, model.onnx sha256 \`${m.sha256.slice(0, 16)}…\`${trainedText(packs[i])})`).join(', ') + '.');
  const samplerWhat = cfg.spec.sampler === DEFAULT_SETTINGS.sampler && cfg.spec.steps === DEFAULT_SETTINGS.steps ? "the panel's default sampler" : `the sampler (not the panel's default ${DEFAULT_SETTINGS.sampler}-${DEFAULT_SETTINGS.steps})`;
  const grid = fewStepGrid(cfg.spec.sampler);
  o.push(`Both through src/core \`sdedit()\` with ${samplerWhat} \`${samplerLabel(cfg.spec)}\`${grid ? ` on the ${grid} grid` : ''} at ${S}×${S}, seed of input i = ${cfg.seed} + i, results clipped to [−1, 1]. Sheets: \`compare-photos.png\`, \`compare-flat.png\`, \`compare-composites.png\`; numbers: \`compare.json\`.`);
  o.push('');
  o.push(`**Measures.** ${MEASURES}`);
  o.push('');
  o.push('### Held-out photographs: faithfulness (L2, 32×32) and realism (KID) against t0');
  o.push('');
  o.push(`${inp.photoGuideNames.length} stroke guides made from guide crops of ${nPhotos} held-out photographs (${cfg.photos}, never trained on), KID against ${inp.photoRefNames.length} *other* crops of the same photographs, in the feature space of the protocol above (L2 as in the first table of this file: a norm over 3·32² values).`);
  o.push('');
  const t0s = cfg.photoT0s;
  o.push(`| | ${t0s.map((t) => `t0 = ${t}`).join(' | ')} |`);
  o.push(`|---|${t0s.map(() => '---:').join('|')}|`);
  for (const m of s.models) o.push(`| L2, ${m.label} | ${t0s.map((t) => { const r = m.photos.find((p) => p.t0 === t); return r ? `${f(r.l2_mean)} ± ${f(r.l2_std, 1)}` : ''; }).join(' | ')} |`);
  for (const m of s.models) o.push(`| KID, ${m.label} | ${t0s.map((t) => { const r = m.photos.find((p) => p.t0 === t); return r ? f(r.kid, 3) : ''; }).join(' | ')} |`);
  const base = (method: string, t?: number) => inp.photoBaselines.find((r) => r.method === method && (t === undefined || r.t0 === t));
  const real = base('real');
  const guide = base('guide');
  o.push('');
  o.push(`Baselines on the same guides: the photo crop itself L2 ${f(real?.l2_mean ?? NaN)}, KID ${f(real?.kid ?? NaN, 3)} (the KID noise floor); the stroke guide as-is KID ${f(guide?.kid ?? NaN, 1)}; the guide noised to t0 = 0.5 without denoising KID ${f(base('noised', 0.5)?.kid ?? NaN, 1)}.`);
  o.push('');
  o.push(`### Flat-colour guides at t0 = ${cfg.flatMeasureT0}: detail and realism`);
  o.push('');
  o.push(`${inp.flatNames.length} flat-colour painted guides (models/eval/flat-guides: ${inp.flatNames.map((n) => n.replace(/^flat-\d+-|\.png$/g, '')).join(', ')}), ${cfg.flatSeeds === 1 ? 'one result each' : `${cfg.flatSeeds} results each (seeds S + i + 1000·k)`}; photographs: the ${inp.photoStats.length} held-out photo crops. Targets: gap closed ≥ ${TARGETS.gap_share_min} on both, 32-px RMS < ${TARGETS.l2_rms32_max}.`);
  o.push('');
  o.push('| | Laplacian std | gap closed (position) | spectrum slope | gap closed (position) | 32-px RMS to the guide (max) |');
  o.push('|---|---:|---:|---:|---:|---:|');
  o.push(`| flat guides | ${f(s.guide.lap_std, 4)} | 0 (0) | ${f(s.guide.slope)} | 0 (0) | 0 |`);
  for (const m of s.models) {
    const at = m.flat.find((x) => x.t0 === cfg.flatMeasureT0);
    if (!at) continue;
    const g = m.at_measure_t0;
    o.push(`| **${m.label}** | ${f(at.lap_std, 4)} | ${f(g.lap_std_gap_closed)}${ok(m.targets.lap_std_gap_closed)} (${f(g.lap_std_gap_position)}) | ${f(at.slope)} | ${f(g.slope_gap_closed)}${ok(m.targets.slope_gap_closed)} (${f(g.slope_gap_position)}) | ${f(at.l2_rms32, 3)}${ok(m.targets.l2_rms32)} (${f(at.l2_rms32_max, 3)}) |`);
  }
  o.push(`| held-out photographs | ${f(s.photographs.lap_std, 4)} | 1 (1) | ${f(s.photographs.slope)} | 1 (1) | |`);
  o.push('');
  o.push(`### Structure kept: the guide's strong edges found in the result`);
  o.push('');
  o.push(`Same ${inp.flatNames.length} flat guides (snow peaks, a sea line, a moon among them)${cfg.flatSeeds > 1 ? `, ${cfg.flatSeeds} results each, mean ± its standard error` : ''}. Target: ≥ ${TARGETS.retention_min} at t0 = ${TARGETS.retention_t0}.`);
  o.push('');
  const ft = cfg.flatT0s;
  o.push(`| | ${ft.map((t) => `t0 = ${t}`).join(' | ')} | ${ft.map((t) => `other guide, t0 = ${t}`).join(' | ')} |`);
  o.push(`|---|${[...ft, ...ft].map(() => '---:').join('|')}|`);
  for (const m of s.models) {
    o.push(`| **${m.label}** | ${ft.map((t) => { const x = m.flat.find((y) => y.t0 === t); return x ? f(x.retention) + (cfg.flatSeeds > 1 ? ` ± ${f(x.retention_se)}` : '') + (t === TARGETS.retention_t0 ? ok(x.retention >= TARGETS.retention_min) : '') : ''; }).join(' | ')} | ${ft.map((t) => f(m.flat.find((y) => y.t0 === t)?.retention_other ?? NaN)).join(' | ')} |`);
  }
  // the start depends only on the schedule: one row when both packs share it
  const startRow = (m: ModelSummary): string => ft.map((t) => f(m.flat.find((y) => y.t0 === t)?.retention_start ?? NaN)).join(' | ');
  const starts = s.models.filter((m, i) => i === 0 || startRow(m) !== startRow(s.models[0]));
  for (const m of starts) o.push(`| the start: guide noised to t0, not denoised${starts.length > 1 ? ` (${m.label}'s schedule)` : ''} | ${startRow(m)} | ${ft.map(() => '').join(' | ')} |`);
  o.push('');
  o.push(`The same guides' strong edges are found in i.i.d. Gaussian noise at ${f(s.retention_reference.noise)} (strong edges scattered everywhere) and in unrelated held-out photo crops at ${f(s.retention_reference.photo)} (realistic, another scene).`);
  o.push('');
  o.push('Per t0, the 32-px RMS to the guide and the spectrum slope:');
  o.push('');
  o.push(`| | ${ft.map((t) => `RMS, t0 = ${t}`).join(' | ')} | ${ft.map((t) => `slope, t0 = ${t}`).join(' | ')} |`);
  o.push(`|---|${[...ft, ...ft].map(() => '---:').join('|')}|`);
  for (const m of s.models) o.push(`| ${m.label} | ${ft.map((t) => f(m.flat.find((y) => y.t0 === t)?.l2_rms32 ?? NaN, 3)).join(' | ')} | ${ft.map((t) => f(m.flat.find((y) => y.t0 === t)?.slope ?? NaN)).join(' | ')} |`);
  o.push('');
  o.push(`### Composites (masked SDEdit, t0 = ${cfg.compositeT0})`);
  o.push('');
  o.push('`compare-composites.png`: input | mask (white = edit) | ' + s.models.map((m) => m.label).join(' | ') + '. "Object change": RMS of result − input over the pasted object\'s pixels (α > 0.5; lower = the object is kept); kept pixels (mask 0) must not change.');
  o.push('');
  o.push(`| composite | ${s.models.map((m) => `${m.label}: object change`).join(' | ')} | ${s.models.map((m) => `${m.label}: max change outside the mask`).join(' | ')} |`);
  o.push(`|---|${[...s.models, ...s.models].map(() => '---:').join('|')}|`);
  inp.composites.forEach((c, i) => o.push(`| ${c.name} | ${s.models.map((m) => f(m.composites[i].object_rms_change, 3)).join(' | ')} | ${s.models.map((m) => String(m.composites[i].max_change_outside_mask)).join(' | ')} |`));
  o.push('');
  const xt = [...new Set(s.models.flatMap((m) => m.x0_error.map((r) => r.t)))];
  if (xt.length) {
    o.push('### The denoiser alone: x̂0 error against t');
    o.push('');
    o.push(`The ${inp.photoGuideNames.length} held-out photo guide crops noised to t (seed of crop i = ${cfg.seed} + i), one network call, x̂0 = (x_t − √(1−ᾱ)·ε̂)/√ᾱ clipped to [−1, 1]: RMS against the crop (values in [−1, 1]). Every sampler step leans on this estimate; SDEdit from a high t0 on the high-t end of it.`);
    o.push('');
    o.push(`| | ${xt.map((t) => `t = ${t}`).join(' | ')} |`);
    o.push(`|---|${xt.map(() => '---:').join('|')}|`);
    for (const m of s.models) o.push(`| ${m.label} | ${xt.map((t) => f(m.x0_error.find((r) => r.t === t)?.rms ?? NaN, 3)).join(' | ')} |`);
    o.push('');
  }
  o.push('### Timing');
  o.push('');
  o.push(s.models.map((m) => `${m.label}: ${m.timing.network_calls} network evaluations (images at ${S}²), network ${f(m.timing.network_s, 0)} s, total ${f(m.timing.total_s, 0)} s`).join('; ') + ` (onnxruntime-node, CPU${a && b ? `; ${b.label}/${a.label} network time ${f(b.timing.network_s / a.timing.network_s)}` : ''}).`);
  o.push('');
  return o.join('\n');
}

/** The three sheets of the comparison, in `out`. */
export function compareSheets(report: CompareReport, cfg: CompareConfig, out: string): string[] {
  const S = report.size;
  const inp = report.inputs;
  const runs = report.runs;
  const files: string[] = [];
  // photos: the first guide crop of each photograph
  const firstOf = inp.photoGuideNames.map((n, i) => [n.replace(/-\d+\.png$/, ''), i] as const).filter(([n], i, all) => all.findIndex(([m]) => m === n) === i).map(([, i]) => i);
  const pt = cfg.photoT0s.filter((t) => [0.3, 0.5, 0.7].includes(t));
  const photoT = pt.length ? pt : cfg.photoT0s;
  files.push(`${out}/compare-photos.png`);
  gridSheet(files[files.length - 1], S, ['real', 'strokes', ...runs.flatMap((r) => photoT.map((t) => `${r.label} t0=${t}`))], firstOf.map((i) => [inp.photoScenes[i], inp.photoGuides[i], ...runs.flatMap((r) => photoT.map((t) => (r.photoImages.get(t) as Float32Array[])[i]))]));
  files.push(`${out}/compare-flat.png`);
  gridSheet(files[files.length - 1], S, ['guide', ...runs.flatMap((r) => r.flat.map((x) => `${r.label} t0=${x.t0}`))], inp.flatGuides.map((g, i) => [g, ...runs.flatMap((r) => r.flat.map((x) => x.images[i]))]));
  files.push(`${out}/compare-composites.png`);
  gridSheet(files[files.length - 1], S, ['input', 'mask', ...runs.map((r) => r.label)], inp.composites.map((c, i) => [c.guide, Float32Array.from({ length: 3 * S * S }, (_, k) => 2 * c.mask[k % (S * S)] - 1), ...runs.map((r) => r.composites[i].result)]));
  return files;
}
