// Reading the JSON files of model packs (model.json, diffusers configs, tokenizer files): what an
// object is, JSON text parsed with the file named, and a wrong field in one sentence.

export type JsonObject = Record<string, unknown>;

/** true for a JSON object (not null, not an array). */
export const isJsonObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value as a message shows it: its JSON, cut to 60 characters. */
export function showValue(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
}

/** `<file>: "<field>" must be <want> (got <value>)`. */
export const fieldMessage = (file: string, field: string, want: string, got: unknown): string => `${file}: "${field}" must be ${want} (got ${showValue(got)})`;

/** JSON text as a value; the message of a syntax error names the file. `error` makes the pack's
 *  own error class. */
export function parseJsonText(text: string, file: string, error: (message: string) => Error): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
}
