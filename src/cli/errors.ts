// The error the `sdedit` command prints as one line with exit code 1: a bad input file, an output
// it must not or cannot write, a run that would not fit in memory.

export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** A file-system error in plain words (the errno code is what says what happened). */
export function fsReason(e: unknown): string {
  switch ((e as NodeJS.ErrnoException)?.code) {
    case 'ENOSPC':
      return 'the disk is full';
    case 'EDQUOT':
      return 'the disk quota is used up';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EISDIR':
      return 'it is a folder';
    case 'ENOENT':
      return 'the folder does not exist';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

const AXES = ['batch', 'channels', 'height', 'width'];

/**
 * ONNX Runtime's refusal of an input's dimensions ("Got invalid dimensions for input: x for the
 * following indices / index: 2 Got: 16 Expected: 32 / …") as one sentence saying what the
 * network takes, or null when `e` is some other error. The message may sit on `e.cause` (the
 * denoiser keeps only its first line).
 */
export function describeDimensionError(e: unknown, model: string, width: number, height: number): string | null {
  const texts: string[] = [];
  // (duck-typed: ONNX Runtime's native errors may come from another realm)
  for (let x = e as { message?: unknown; cause?: unknown } | null; x && typeof x.message === 'string' && texts.length < 4; x = x.cause as typeof x) texts.push(x.message);
  const text = texts.find((t) => /invalid dimensions/i.test(t) && /index:/i.test(t)) ?? texts.find((t) => /invalid dimensions/i.test(t));
  if (text === undefined) return null;
  const dims = [...text.matchAll(/index:\s*(\d+)\s+Got:\s*(\d+)\s+Expected:\s*(\d+)/gi)].map(([, i, got, want]) => ({ axis: Number(i), got, want: Number(want) }));
  if (!dims.length) return `model "${model}" cannot run at ${width}×${height} px: its network does not take inputs of this size`;
  const wants = dims.map((d) => `${AXES[d.axis] ?? `axis ${d.axis}`} ${d.want} (got ${d.got})`).join(', ');
  const side = Math.max(0, ...dims.filter((d) => d.axis >= 2).map((d) => d.want));
  return `model "${model}" cannot run at ${width}×${height} px: its network takes only ${wants}${side ? `; use --size ${side}` : ''}`;
}
