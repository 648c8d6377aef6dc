// Errors in a designer's words: what happened, and what to do about it. Engine failures are
// mapped by their code (EngineError), sandbox problems keep their own words.
import type { Problem } from '../../protocol';
import { EngineError, isEngineErrorCode, type EngineErrorCode } from '../runtime/engine-api';

/** An error in a designer's words: what happened, and what to do about it. */
export interface UiError {
  message: string;
  hint: string;
}

/** A sandbox problem already says what happened and what to do; keep its words. */
export function problemToError(p: Problem): UiError {
  const hints: Partial<Record<Problem['code'], string>> = {
    // the sandbox's messages say what happened; a frame that is gone needs no second hint
    'apply-failed': 'If Apply keeps failing, select the frame and press Generate again.',
    'source-missing': '',
    'export-failed': 'Try selecting the frame again. Hidden or empty layers cannot be exported.',
  };
  return { message: p.message, hint: hints[p.code] ?? '' };
}

const RETRY = 'Press Generate to try again. If it keeps happening, try a smaller working size.';
const PACK: UiError = {
  message: 'The model pack could not be loaded.',
  hint: 'Switch back to the default model. If this is the default model, reinstall the plugin.',
};

/** Words for each engine error code; `null` message: the engine's own message already says it. */
const WORDS: Record<EngineErrorCode, { message: string | null; hint: string }> = {
  'out-of-memory': { message: 'The model ran out of memory.', hint: 'Choose a smaller working size or fewer variations, then press Generate again.' },
  'invalid-png': { message: 'The selection could not be read as an image.', hint: 'Select the frame again; make sure it is visible and not empty.' },
  'invalid-pack': PACK,
  'invalid-model': PACK,
  'invalid-output': {
    message: null,
    hint: 'The model produced unusable values: switch back to the default model, or try another seed or t0.',
  },
  'csp-wasm': { message: null, hint: 'This window cannot run the model; try the Figma desktop app.' },
  'device-lost': { message: null, hint: 'Press Generate to try again; the model then runs on the CPU.' },
  'no-webgpu': { message: null, hint: RETRY },
  'no-adapter': { message: null, hint: RETRY },
  'empty-mask': { message: null, hint: 'Draw the Mask layers (or move the selected layers) over the part of the frame to change.' },
  'invalid-run': { message: null, hint: 'Change the setting it names, then press Generate again.' },
  'too-large': { message: null, hint: 'Lower the working size in the settings (or make fewer variations), then press Generate again.' },
  unknown: { message: null, hint: RETRY },
};

function codeOf(e: unknown): EngineErrorCode | null {
  if (e instanceof EngineError) return e.code;
  const code = (e as { code?: unknown } | null)?.code;
  return isEngineErrorCode(code) ? code : null;
}

/** Turn an exception from the engine into a designer's words with what to do. */
export function errorToUi(e: unknown): UiError {
  const raw = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
  const code = codeOf(e) ?? 'unknown';
  const words = WORDS[code];
  if (words.message !== null) return { message: words.message, hint: words.hint };
  if (!raw) return { message: 'Something went wrong while generating.', hint: words.hint };
  // a coded engine message already says what happened; an unexpected one is quoted
  return { message: code === 'unknown' ? `Something went wrong: ${raw}` : raw, hint: words.hint };
}
