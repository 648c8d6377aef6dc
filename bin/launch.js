// Shared by the launchers in bin/: run a CLI bundle from dist/, building it first (esbuild,
// src/cli/build-cli.mjs) when it is missing or older than the sources it is made from, since
// Node 20 cannot run the TypeScript sources directly.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
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

/**
 * @param {{ name: string, bundle: string, buildArgs: string[] }} cmd  bundle relative to dist/
 */
function launch(cmd) {
  const bundle = path.join(root, 'dist', cmd.bundle);
  const stale = () => {
    if (!fs.existsSync(bundle)) return true;
    const built = fs.statSync(bundle).mtimeMs;
    return ['cli', 'model', 'core'].some((d) => newestSource(path.join(root, 'src', d)) > built);
  };
  if (fs.existsSync(buildScript) && stale()) {
    try {
      execFileSync(process.execPath, [buildScript, ...cmd.buildArgs], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    } catch {
      const how = ['node src/cli/build-cli.mjs', ...cmd.buildArgs].join(' ');
      process.stderr.write(`${cmd.name}: could not build dist/${cmd.bundle} (run \`${how}\` to see why)\n`);
      process.exit(1);
    }
  }
  require(bundle)
    .main(process.argv.slice(2))
    .then((code) => {
      process.exitCode = code;
    });
}

module.exports = { launch };
