// Types of compile.mjs (a Node script, so that `npm run wasm` needs no TypeScript build).
/** The text of kernels-module.ts for the text of kernels.wat. */
export function compileKernels(watText: string): Promise<string>;
/** kernels.wat's path. */
export const KERNELS_WAT: string;
