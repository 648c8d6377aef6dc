// The benchmarks' command-line reading: `--name value` pairs, the last word wins when a flag has
// no value; one wording for a bad count.

/** Readers over `argv` (the words after the script's name). */
export function benchArgs(argv) {
  const opt = (name, dflt) => {
    const i = argv.indexOf(name);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
  };
  const positive = (name, dflt) => {
    const v = Number(opt(name, dflt));
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${opt(name, dflt)}`);
    return v;
  };
  /** every value of a repeatable flag, in order */
  const all = (name) => argv.flatMap((a, i) => (a === name && i + 1 < argv.length ? [argv[i + 1]] : []));
  return { opt, positive, all };
}
