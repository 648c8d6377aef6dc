// The evaluation's markdown: one marked section of a file that another writer owns (results.md
// is rewritten by the full `npm run eval`, the side-by-side section by `--compare`: each keeps
// the other's part). Files are written with writeFileAtomic (../atomic-write).
import { readFileSync } from 'node:fs';

const begin = (name: string) => `<!-- ${name}: begin (written by npm run eval -- --${name}) -->`;
const end = (name: string) => `<!-- ${name}: end -->`;

/** The marked section `name` of a text (markers included), or null. */
export function markedSection(text: string, name: string): string | null {
  const b = text.indexOf(begin(name));
  const e = text.indexOf(end(name));
  return b >= 0 && e > b ? text.slice(b, e + end(name).length) : null;
}

/** `text` with its section `name` replaced by `body` (appended when it has none). */
export function withMarkedSection(text: string, name: string, body: string): string {
  const section = `${begin(name)}\n${body.replace(/\s*$/, '')}\n${end(name)}`;
  const old = markedSection(text, name);
  if (old !== null) return text.replace(old, () => section);
  return `${text.replace(/\s*$/, '')}\n\n${section}\n`;
}

/** Read a text file, or '' when it does not exist. */
export function readTextOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}
