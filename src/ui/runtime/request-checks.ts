// What the engine refuses before a run, and how any failure leaves it: as an EngineError with a
// code the panel maps to words (cancels stay AbortErrors). Pure, so it runs under test.
import { limitError, MAX_IMAGE_SIDE, type LimitName } from '../../protocol';
import { PackError } from '../../model/pack';
import { LatentPackError } from '../../model/latent/folder';
import { PartMismatchError } from '../../model/latent/io';
import { SidecarError } from '../../model/latent/sidecar';
import { TokenizerError } from '../../model/latent/tokenizer';
import { isAbort } from './compute';
import { EngineError, isEngineErrorCode, type RunRequest } from './engine-api';
import { InvalidPngError } from './image';

/** The parameters of a run checked against protocol's LIMITS: the panel's store clamps into
 *  them, so a value outside is a request from elsewhere, refused rather than silently changed. */
const RUN_LIMITS: readonly LimitName[] = ['t0', 'steps', 'repeats', 'variations', 'seed', 'dilation', 'feather'];

/** Throws EngineError('invalid-run') naming the first parameter outside LIMITS. */
export function checkRunRequest(req: RunRequest): void {
  const values: Record<string, unknown> = { ...req.settings, seed: req.seed };
  for (const name of RUN_LIMITS) {
    const problem = limitError(name, values[name]);
    if (problem) throw new EngineError('invalid-run', `The run was refused: ${problem}.`);
  }
  const side = (v: number) => Number.isInteger(v) && v >= 1 && v <= MAX_IMAGE_SIDE;
  if (!side(req.workWidth) || !side(req.workHeight)) {
    throw new EngineError('invalid-run', `The run was refused: a working size of ${req.workWidth}×${req.workHeight} px is not 1 to ${MAX_IMAGE_SIDE} px a side.`);
  }
}

/** Any failure as an EngineError (cancels pass unchanged). An error that carries a known code
 *  (the model runtime's WebRuntimeError, also after crossing the worker boundary) keeps it. */
export function toEngineError(e: unknown): unknown {
  if (e instanceof EngineError || isAbort(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown } | null)?.code;
  if (isEngineErrorCode(code)) return new EngineError(code, message, { cause: e });
  if (e instanceof LatentPackError || e instanceof PartMismatchError || e instanceof SidecarError || e instanceof TokenizerError) return new EngineError('invalid-pack', message, { cause: e });
  if (e instanceof PackError) return new EngineError('invalid-pack', message, { cause: e });
  if (e instanceof InvalidPngError) return new EngineError('invalid-png', message, { cause: e });
  return new EngineError('unknown', message, { cause: e });
}
