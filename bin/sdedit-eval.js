#!/usr/bin/env node
// Launcher of the `sdedit-eval` command (npm run eval): runs the bundle dist/eval.cjs, building it
// first (esbuild, `node src/cli/build-cli.mjs eval`) when it is missing or older than its sources.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
const bundle = path.join(root, 'dist', 'eval.cjs');
const buildScript = path.join(root, 'src', 'cli', 'build-cli.mjs');

function newestSource(dir) {
  let newest = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.tsx?$/.test(e.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function stale() {
  if (!fs.existsSync(bundle)) return true;
  const built = fs.statSync(bundle).mtimeMs;
  return ['cli/eval', 'model', 'core'].some((d) => newestSource(path.join(root, 'src', d)) > built);
}

if (fs.existsSync(buildScript) && stale()) {
  try {
    execFileSync(process.execPath, [buildScript, 'eval'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    process.stderr.write('sdedit-eval: could not build dist/eval.cjs (run `node src/cli/build-cli.mjs eval` to see why)\n');
    process.exit(1);
  }
}

require(bundle)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
