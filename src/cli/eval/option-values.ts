// Reading the evaluation's option values (sdedit-eval and its --compare mode), with one wording
// for what is wrong with a value.

export interface OptionValues {
  /** an integer ≥ min, or `def` when the option is absent */
  int(k: string, def: number, min?: number): number;
  /** comma-separated t0 values in (0, 1], or `def`; with `allowNone`, '' or 'none' is the empty list */
  t0List(k: string, def: number[], allowNone?: boolean): number[];
}

export function optionValues(a: ReadonlyMap<string, string>): OptionValues {
  return {
    int(k, def, min = 1) {
      const v = a.has(k) ? Number(a.get(k)) : def;
      if (!Number.isInteger(v) || v < min) throw new Error(`--${k} must be an integer ≥ ${min}, got '${a.get(k)}'`);
      return v;
    },
    t0List(k, def, allowNone = false) {
      const raw = a.get(k);
      if (raw === undefined) return def;
      if (allowNone && (raw.trim() === '' || raw === 'none')) return [];
      const v = raw.split(',').map(Number);
      if (v.some((t) => !(t > 0 && t <= 1))) throw new Error(`--${k} must be comma-separated values in (0, 1], got '${raw}'`);
      return v;
    },
  };
}
