// The command's frame, the same for pixel and latent packs: parse the flags (a bad one is exit
// 2), --help, run, then print the JSON report or a one-line summary; an error is one line on
// stderr, exit 1 (exit 2 when it is about a flag).
import { ArgError } from './flags';
import type { CliIO } from './host';

export type Parsed<O> = { help: true } | { help: false; options: O };

export interface Command<O extends { json: boolean }> {
  parse(argv: readonly string[]): Parsed<O>;
  usage: string;
  run(options: O): Promise<Record<string, unknown>>;
  /** the line printed on stderr without --json */
  summary(report: Record<string, unknown>): string;
}

export const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();

export const round1 = (v: number): number => Math.round(v * 10) / 10;

/** Exit code: 0 ok, 2 bad arguments, 1 bad input or failure. */
export async function runCommand<O extends { json: boolean }>(argv: readonly string[], io: CliIO, command: Command<O>): Promise<number> {
  let parsed: Parsed<O>;
  try {
    parsed = command.parse(argv);
  } catch (e) {
    io.stderr.write(`sdedit: ${oneLine((e as Error).message)}\n`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(command.usage + '\n');
    return 0;
  }
  try {
    const report = await command.run(parsed.options);
    if (parsed.options.json) io.stdout.write(JSON.stringify(report) + '\n');
    else io.stderr.write(`sdedit: ${command.summary(report)}\n`);
    return 0;
  } catch (e) {
    io.stderr.write(`sdedit: ${oneLine(e instanceof Error ? e.message : String(e))}\n`);
    return e instanceof ArgError ? 2 : 1;
  }
}
