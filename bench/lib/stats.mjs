// Small statistics and table helpers for the benchmark report.

/** Quantile q in [0, 1] of sorted values, linear interpolation. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** median, quartiles, min, max of a list of times. */
export function stats(times) {
  const s = [...times].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), q1: quantile(s, 0.25), q3: quantile(s, 0.75), min: s[0], max: s[s.length - 1], reps: s.length };
}

const num = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** "median [min–max]" or — */
export function fmtMs(s) {
  if (!s || s.median === undefined) return '—';
  return `${num(s.median)} [${num(s.min)}–${num(s.max)}]`;
}

/** A markdown table. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.map((c) => String(c)).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
