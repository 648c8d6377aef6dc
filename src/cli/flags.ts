// The command line's shared grammar: `--flag value`, `--flag=value`, boolean flags, -h; numbers
// and limits read the same way by the pixel-pack and the latent-pack commands. Pure, no I/O.
// Parameter limits are protocol's one table (the panel, the sandbox and the engine enforce the
// same numbers).
import { LIMITS, limitError, type LimitName } from '../protocol';

/** A bad command line; the message is one line. */
export class ArgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgError';
  }
}

export interface Flags<V extends string> {
  values: Map<V, string>;
  bools: Set<string>;
}

/**
 * Split argv into value flags and boolean flags; unknown, repeated or valueless flags are an
 * ArgError. `unknownContext` follows "unknown option --x" (e.g. " for a latent pack").
 */
export function readFlags<V extends string>(argv: readonly string[], valueFlags: readonly V[], boolFlags: readonly string[], unknownContext = ''): Flags<V> {
  const values = new Map<V, string>();
  const bools = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h') {
      bools.add('help');
      continue;
    }
    if (!arg.startsWith('--')) throw new ArgError(`unexpected argument '${arg}' (options start with --; see --help)`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (boolFlags.includes(name)) {
      if (eq >= 0) throw new ArgError(`--${name} takes no value`);
      bools.add(name);
      continue;
    }
    if (!(valueFlags as readonly string[]).includes(name)) throw new ArgError(`unknown option --${name}${unknownContext} (see --help)`);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      // a value that starts with -- must be given as --flag=value
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new ArgError(`--${name} needs a value`);
      value = argv[++i];
    }
    if (values.has(name as V)) throw new ArgError(`--${name} given twice`);
    values.set(name as V, value);
  }
  return { values, bools };
}

/** A flag the command cannot run without; `what` says what it is ("the guide PNG"). */
export function requiredFlag<V extends string>(values: ReadonlyMap<V, string>, flag: V, what: string): string {
  const v = values.get(flag);
  if (!v) throw new ArgError(`--${flag} is required (${what})`);
  return v;
}

/** The value of --model in argv, or null (which command parses the rest depends on it). */
export function modelFlag(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--model' && i + 1 < argv.length) return argv[i + 1];
    if (argv[i].startsWith('--model=')) return argv[i].slice('--model='.length);
  }
  return null;
}

export function numberFlag(flag: string, raw: string): number {
  const v = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(v)) throw new ArgError(`--${flag} must be a number, got '${raw}'`);
  return v;
}

export function integerFlag(flag: string, raw: string, min: number, max: number): number {
  const v = numberFlag(flag, raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new ArgError(`--${flag} must be an integer from ${min} to ${max}, got '${raw}'`);
  return v;
}

/** A value of a parameter in protocol's LIMITS (the flag is named like the parameter); `label`
 *  names it in the message. */
export function limitedFlag(name: LimitName, raw: string, label = `--${name}`): number {
  const v = numberFlag(name, raw);
  const problem = limitError(name, v, label);
  if (problem) throw new ArgError(problem);
  return v;
}

/** --steps: 0 (every step of the schedule below t0) or a step count within LIMITS.steps. */
export function stepsFlag(raw: string): number {
  const v = numberFlag('steps', raw);
  if (v === 0) return 0;
  if (limitError('steps', v)) {
    throw new ArgError(`--steps must be an integer from 0 to ${LIMITS.steps.max} (0 = every step of the schedule), got ${raw}`);
  }
  return v;
}

/** A flag whose value is one of `choices`; `context` follows the list (e.g. " for a latent pack"). */
export function choiceFlag<T extends string>(flag: string, raw: string, choices: readonly T[], context = ''): T {
  if (!(choices as readonly string[]).includes(raw)) {
    throw new ArgError(`--${flag} must be ${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}${context}, got '${raw}'`);
  }
  return raw as T;
}

/** CPU threads for ONNX Runtime. */
export const threadsFlag = (raw: string): number => integerFlag('threads', raw, 1, 256);
