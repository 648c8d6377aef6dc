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
  'csp-wasm': {
    message: null,
    hint: 'This Figma window blocks the code the model needs (WebAssembly). Open the file in the Figma desktop app, or in another browser, and run the plugin there.',
  },
  'device-lost': { message: null, hint: 'Press Generate to try again; the model then runs on the CPU.' },
  'no-webgpu': { message: null, hint: RETRY },
  'no-adapter': { message: null, hint: RETRY },
  'empty-mask': { message: null, hint: 'Draw the Mask layers (or move the selected layers) over the part of the frame to change.' },
  'invalid-run': { message: null, hint: 'Change the setting it names, then press Generate again.' },
  'too-large': { message: null, hint: 'Lower the working size in the settings (or make fewer variations), then press Generate again.' },
  // the message already names what would make the pack run; the model in use stays as it was
  'device-unfit': { message: null, hint: 'The model in use stays as it was.' },
  unknown: { message: null, hint: RETRY },
};

function codeOf(e: unknown): EngineErrorCode | null {
  if (e instanceof EngineError) return e.code;
  const code = (e as { code?: unknown } | null)?.code;
  return isEngineErrorCode(code) ? code : null;
}

/**
 * When the model failed to load, Generate is disabled: a hint that says "press Generate" would
 * send the user to a button that does nothing. These say what can be done instead.
 */
const RELOAD = 'Close the plugin and run it again. If it keeps failing, try the Figma desktop app.';
const LOAD_HINTS: Partial<Record<EngineErrorCode, string>> = {
  'out-of-memory': 'Close other plugins or browser tabs, then close the plugin and run it again.',
  'device-lost': RELOAD,
  'no-webgpu': RELOAD,
  'no-adapter': RELOAD,
  'invalid-run': RELOAD,
  'too-large': RELOAD,
  'empty-mask': RELOAD,
  'invalid-png': RELOAD,
  unknown: RELOAD,
};

/**
 * Turn an exception from the engine into a designer's words with what to do. `during`: 'load'
 * when the model could not be loaded (nothing can be generated), 'run' for a Generate or preview.
 */
export function errorToUi(e: unknown, during: 'load' | 'run' = 'run'): UiError {
  const raw = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
  const code = codeOf(e) ?? 'unknown';
  const words = WORDS[code];
  const hint = during === 'load' ? (LOAD_HINTS[code] ?? words.hint) : words.hint;
  if (words.message !== null) return { message: words.message, hint };
  if (!raw) return { message: during === 'load' ? 'The model could not be loaded.' : 'Something went wrong while generating.', hint };
  // a coded engine message already says what happened; an unexpected one is quoted
  return { message: code === 'unknown' ? `Something went wrong: ${raw}` : raw, hint };
}
