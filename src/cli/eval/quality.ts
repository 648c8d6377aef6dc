// Write the `quality` block of a pack's model.json, leaving every other byte of the file as it is
// (models/train/export.py writes the rest with Python's json.dumps, whose escapes and number
// formatting JSON.stringify would not reproduce).
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../atomic-write';

/** End index (exclusive) of the JSON value starting at `i` in `text`. */
function valueEnd(text: string, i: number): number {
  let depth = 0;
  let inStr = false;
  for (let k = i; k < text.length; k++) {
    const ch = text[k];
    if (inStr) {
      if (ch === '\\') k++;
      else if (ch === '"') {
        inStr = false;
        if (depth === 0) return k + 1;
      }
      continue;
    }
    if (ch === '"') inStr = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return k + 1;
      if (depth < 0) return k;
    } else if (depth === 0 && (ch === ',' || ch === '\n')) return k;
  }
  return text.length;
}

/** ASCII-only JSON (non-ASCII as \uXXXX, as Python's json.dumps writes it) indented by `indent`. */
export function asciiJson(value: unknown, indent: string): string {
  return JSON.stringify(value, null, 2)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .split('\n')
    .join(`\n${indent}`);
}

/** The text of model.json with its top-level `quality` replaced (or added at the end). */
export function withQuality(text: string, quality: unknown): string {
  const before = JSON.parse(text) as Record<string, unknown>;
  const m = /\n(\s*)"quality"\s*:\s*/.exec(text);
  let out: string;
  if (m) {
    const start = m.index + m[0].length;
    const end = valueEnd(text, start);
    out = text.slice(0, start) + asciiJson(quality, m[1]) + text.slice(end);
  } else {
    const close = text.lastIndexOf('}');
    const body = text.slice(0, close).replace(/\s*$/, '');
    out = `${body},\n  "quality": ${asciiJson(quality, '  ')}\n}${text.slice(close + 1)}`;
  }
  const after = JSON.parse(out) as Record<string, unknown>;
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const k of keys) {
    if (k === 'quality') continue;
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) throw new Error(`model.json: writing quality would change "${k}"`);
  }
  if (JSON.stringify(after.quality) !== JSON.stringify(quality)) throw new Error('model.json: quality block did not round-trip');
  return out;
}

export function writeQuality(file: string, quality: unknown): void {
  writeFileAtomic(file, withQuality(readFileSync(file, 'utf8'), quality));
}

/**
 * The text of model.json with `quality.side_by_side` set to `block` (a comparison with another
 * pack, measured on this pack's model.onnx `sha256`). The rest of the quality block is kept when it
 * was measured on the same model.onnx, and dropped (it describes other weights) when it was not.
 */
export function withSideBySide(text: string, sha256: string, block: unknown): string {
  const q = (JSON.parse(text) as { quality?: unknown }).quality;
  const same = !!q && typeof q === 'object' && (q as { model_sha256?: unknown }).model_sha256 === sha256;
  const base = same ? (q as Record<string, unknown>) : { model_sha256: sha256 };
  return withQuality(text, { ...base, side_by_side: block });
}
