// Preact 11 is published as ES modules only, and this project's jest runs CommonJS without
// transforming node_modules. For the panel's render tests, preact's modules are compiled to
// CommonJS with swc and registered through jest.mock, so that preact, preact/hooks,
// preact/jsx-runtime and preact/test-utils share one preact instance. (A jest config with
// transformIgnorePatterns allowing preact would make this unnecessary.)
import { readFileSync } from 'fs';
import path from 'path';

const FILES = {
  preact: 'dist/preact.mjs',
  hooks: 'hooks/dist/hooks.mjs',
  'jsx-runtime': 'jsx-runtime/dist/jsxRuntime.mjs',
  'test-utils': 'test-utils/dist/testUtils.mjs',
} as const;

/** Name starts with "mock" so jest.mock factories may call it. */
export function mockLoadPreact(which: keyof typeof FILES, req: (id: string) => unknown): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const swc = require('@swc/core') as typeof import('@swc/core');
  const file = path.join(__dirname, '../../node_modules/preact', FILES[which]);
  const { code } = swc.transformSync(readFileSync(file, 'utf8'), {
    filename: file,
    module: { type: 'commonjs' },
    jsc: { target: 'es2020', parser: { syntax: 'ecmascript' } },
    sourceMaps: false,
  });
  const mod = { exports: {} as Record<string, unknown> };
  new Function('module', 'exports', 'require', code)(mod, mod.exports, req);
  return mod.exports;
}
