#!/usr/bin/env node
// Launcher of the `sdedit` command: runs the bundle dist/cli.cjs, building it first (esbuild,
// src/cli/build-cli.mjs) when it is missing or older than the sources it is made from.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
const bundle = path.join(root, 'dist', 'cli.cjs');
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
  return ['cli', 'model', 'core'].some((d) => newestSource(path.join(root, 'src', d)) > built);
}

if (fs.existsSync(buildScript) && stale()) {
  try {
    execFileSync(process.execPath, [buildScript], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    process.stderr.write('sdedit: could not build dist/cli.cjs (run `node src/cli/build-cli.mjs` to see why)\n');
    process.exit(1);
  }
}

require(bundle)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
