import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'artifacts/', 'out/', 'models/train/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // src/core is pure: nothing from outside core.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../*', 'onnxruntime-*', 'preact*', 'node:*', 'fs', 'path'], message: 'src/core imports nothing from outside core' }] }],
    },
  },
  {
    // core's subfolders (src/core/diffusers) may import core's own files one level up, nothing further
    files: ['src/core/*/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../../*', 'onnxruntime-*', 'preact*', 'node:*', 'fs', 'path'], message: 'src/core imports nothing from outside core' }] }],
    },
  },
  {
    files: ['src/plugin/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../core/*', '../model/*', '../ui/*', 'onnxruntime-*', 'preact*'], message: 'the sandbox speaks to the UI only through src/protocol.ts' }] }],
    },
  },
);
