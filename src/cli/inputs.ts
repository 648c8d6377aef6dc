// The command's input files: the guide PNG and the optional mask PNG, read with png.ts's limits
// and messages, and a mask of another size than the guide said or refused.
import { maskCoverage } from '../core';
import { CliError } from './errors';
import type { CliIO } from './host';
import type { InputFile } from './outputs';
import { type RgbaImage, readPngFile } from './png';

export interface InputPaths {
  guide: string;
  mask: string | null;
}

export interface Inputs {
  guide: RgbaImage;
  mask: RgbaImage | null;
}

/**
 * A mask of another size than the guide is scaled to it: said on stderr when the aspect ratios
 * agree (within a pixel of rounding), refused when they do not (it would not line up).
 */
export function checkMaskSize(guide: RgbaImage, mask: RgbaImage, paths: InputPaths, io: CliIO): void {
  const { width: gw, height: gh } = guide;
  const { width: mw, height: mh } = mask;
  if (gw === mw && gh === mh) return;
  const sizes = `the mask ${paths.mask} is ${mw}×${mh} px and the guide ${paths.guide} ${gw}×${gh} px`;
  if (Math.abs(mw * gh - mh * gw) > (gw + gh + mw + mh) / 2) {
    throw new CliError(`${sizes}: their aspect ratios differ (${(mw / mh).toFixed(3)} and ${(gw / gh).toFixed(3)}), so the mask would not line up; make the mask the guide's size`);
  }
  io.stderr.write(`sdedit: warning: ${sizes}; the mask is scaled to the guide\n`);
}

/** The guide and the mask, decoded; a mask of another size is checked against the guide. */
export function readInputs(paths: InputPaths, io: CliIO): Inputs {
  const guide = readPngFile(paths.guide, 'guide');
  const mask = paths.mask ? readPngFile(paths.mask, 'mask') : null;
  if (mask) checkMaskSize(guide, mask, paths, io);
  return { guide, mask };
}

/** The inputs the outputs must not overwrite (checkOutputs). */
export function inputFiles(paths: InputPaths): InputFile[] {
  return [{ what: 'the guide', file: paths.guide }, ...(paths.mask ? [{ what: 'the mask', file: paths.mask }] : [])];
}

/** Refuses a mask (values in [0, 1], at the working size) that edits no pixel. */
export function checkMaskSelects(mask: Float32Array, file: string | null): void {
  if (!(maskCoverage(mask) > 0)) throw new CliError(`the mask selects nothing (${file} is black everywhere; white = edit)`);
}
