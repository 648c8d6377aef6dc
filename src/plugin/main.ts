// Figma sandbox entry (bundled to dist/code.js). The logic lives in controller.ts and the pure
// modules beside it; this file only starts it.
import { startPlugin } from './controller';

/** Hosted mode's address (SDEDIT_HOSTED_URL at build time, put in by build.mjs); it exists
 *  only in the bundle, hence the typeof guard where main.ts runs unbundled (jest). */
declare const SDEDIT_HOSTED_URL: string;

startPlugin({ hostedUrl: typeof SDEDIT_HOSTED_URL === 'string' ? SDEDIT_HOSTED_URL : '' });
