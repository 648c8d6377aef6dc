// Two projects: fast unit tests (node), and browser end-to-end tests (Debian's Chromium via
// playwright-core) that need `npm run build` first. `npm test` runs both.
const transform = { '^.+\\.(t|j)sx?$|^.+\\.mjs$': ['@swc/jest', { jsc: { target: 'es2022', transform: { react: { runtime: 'automatic', importSource: 'preact' } } } }] };
// Preact 11, fast-png and iobuffer ship ES modules only: let swc turn them into CommonJS for jest.
const transformIgnorePatterns = ['/node_modules/(?!(preact|fast-png|iobuffer)/)'];
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/test/**/*.test.tsx'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
      transformIgnorePatterns,
      moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'cjs', 'json'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
    },
  ],
};
