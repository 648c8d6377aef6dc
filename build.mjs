// Build: dist/code.js (Figma sandbox) and ONE self-contained dist/ui.html (panel, runtime,
// onnxruntime-web, its wasm binary and the default model pack); dist/web/, the same panel as a
// static site for hosted mode. Also dist/cli.cjs when the CLI helper provides src/cli/build-cli.mjs.
//
//   node build.mjs                      # default pack from models/default
//   SDEDIT_BUILD_MODEL=test/fixtures/tiny-model node build.mjs
//   SDEDIT_HOSTED_URL=https://example.github.io/sdedit/ node build.mjs   # hosted mode (README)
//
// Binary assets are gzip+base64 inside non-executed <script type="application/octet-stream">
// tags and decoded at run time with DecompressionStream (see src/ui/runtime/assets.ts). ORT gets
// its wasm through env.wasm.wasmBinary, never wasmPaths: the page makes no fetches at all.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });

const production = process.env.NODE_ENV !== 'development';
const MB = (n) => `${(n / 1048576).toFixed(2)} MB`;

/** Defines for bundling onnxruntime-web's ESM build into a classic IIFE (no import.meta). */
const ortDefine = { 'import.meta.url': '"https://sdedit.invalid/embedded/"' };

function fail(message) {
  console.error(`build: ${message}`);
  process.exit(1);
}

// ---- the model pack --------------------------------------------------------------------------

function readPack() {
  const dir = resolve(root, process.env.SDEDIT_BUILD_MODEL || 'models/default');
  const manifestPath = join(dir, 'model.json');
  if (!existsSync(manifestPath)) {
    fail(
      `no model pack at ${dir} (model.json missing).\n` +
        '  The default pack is models/default/{model.json, model.onnx}; until it is trained, build with\n' +
        '  SDEDIT_BUILD_MODEL=test/fixtures/tiny-model npm run build',
    );
  }
  const manifestText = readFileSync(manifestPath, 'utf8');
  let manifest;
  try {
    manifest = JSON.parse(manifestText);
  } catch (e) {
    fail(`${manifestPath} is not valid JSON: ${e.message}`);
  }
  // Every file the manifest names (any string value ending in .onnx/.json/.bin/.txt that exists
  // beside it), so the build does not depend on the pack schema's exact field names.
  const names = new Set();
  const visit = (v) => {
    if (typeof v === 'string') {
      if (/\.(onnx|bin|txt|data)$/i.test(v) && !v.includes('/') && existsSync(join(dir, v))) names.add(v);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(manifest);
  if (![...names].some((n) => n.endsWith('.onnx'))) fail(`${manifestPath} names no .onnx file present in ${dir}`);
  const files = [...names].sort().map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));
  return { dir, name: manifest.name || basename(dir), manifestText, files };
}

// ---- bundles ---------------------------------------------------------------------------------

/** @huggingface/hub's browser build: its package.json maps dist/index.mjs to dist/browser/ in its
 *  "browser" field, which esbuild does not apply to an entry resolved through "exports" (the node
 *  build imports fs, path and stream). */
const hubBrowser = {
  name: 'huggingface-hub-browser',
  setup(b) {
    b.onResolve({ filter: /^@huggingface\/hub$/ }, () => ({ path: join(root, 'node_modules/@huggingface/hub/dist/browser/index.mjs') }));
  },
};

async function bundle(entry, extra = {}) {
  const result = await esbuild.build({
    entryPoints: [join(root, entry)],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: production,
    legalComments: 'none',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: join(dist, 'tmp'),
    define: { ...ortDefine, 'process.env.NODE_ENV': JSON.stringify(production ? 'production' : 'development') },
    logLevel: 'warning',
    plugins: [hubBrowser],
    ...extra,
  });
  const js = result.outputFiles.filter((f) => f.path.endsWith('.js')).map((f) => f.text).join('\n');
  const css = result.outputFiles.filter((f) => f.path.endsWith('.css')).map((f) => f.text).join('\n');
  return { js, css };
}

const gz64 = (bytes) => gzipSync(bytes, { level: 9 }).toString('base64');
const escapeScript = (js) => js.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '<\\!--');

function octetTag(id, bytes, attrs = {}) {
  const extra = Object.entries(attrs)
    .map(([k, v]) => ` data-${k}="${String(v).replace(/"/g, '&quot;')}"`)
    .join('');
  return `<script type="application/octet-stream" id="${id}" data-encoding="gzip+base64" data-bytes="${bytes.length}"${extra}>${gz64(bytes)}</script>`;
}

/** Hosted mode's address from SDEDIT_HOSTED_URL: an https URL (http only for localhost), or ''.
 *  The manifest should list its origin, since Figma's review asks for every host a plugin uses. */
function hostedUrl() {
  const value = (process.env.SDEDIT_HOSTED_URL ?? '').trim();
  if (!value) return '';
  let url;
  try {
    url = new URL(value);
  } catch {
    fail(`SDEDIT_HOSTED_URL="${value}" is not a URL; give the https address where dist/web is served, e.g. https://example.github.io/sdedit/`);
  }
  const local = url.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(url.hostname);
  if (url.protocol !== 'https:' && !local) fail(`SDEDIT_HOSTED_URL must be https (http only for localhost), not ${url.protocol}`);
  const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
  const listed = [...(manifest.networkAccess?.allowedDomains ?? []), ...(manifest.networkAccess?.devAllowedDomains ?? [])];
  if (!listed.some((d) => d === url.origin || d === url.host || d === `${url.origin}/`)) {
    console.warn(`build: manifest.json networkAccess does not list ${url.origin}; add it (allowedDomains, or devAllowedDomains for localhost)`);
  }
  // dist/web names its assets relative to index.html: a folder address needs its trailing slash
  if (!url.pathname.endsWith('/') && !/\.html?$/i.test(url.pathname)) url.pathname += '/';
  return url.href;
}

async function buildSandbox() {
  const entry = join(root, 'src/plugin/main.ts');
  if (!existsSync(entry)) {
    console.warn('build: src/plugin/main.ts not found yet, dist/code.js skipped');
    return;
  }
  const hosted = hostedUrl();
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    platform: 'neutral',
    target: 'es2017',
    minify: production,
    legalComments: 'none',
    outfile: join(dist, 'code.js'),
    logLevel: 'warning',
    define: { SDEDIT_HOSTED_URL: JSON.stringify(hosted) },
  });
  console.log(`dist/code.js        ${MB(statSync(join(dist, 'code.js')).size)}${hosted ? `  (hosted mode: the panel opens ${hosted})` : ''}`);
}

/** The page's assets as build steps share them: the bundles, the wasm and the default pack. */
async function uiParts() {
  const pack = readPack();
  const wasmPath = join(root, 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm');
  if (!existsSync(wasmPath)) fail(`${wasmPath} missing: run npm ci`);
  const wasm = readFileSync(wasmPath);
  const worker = await bundle('src/ui/runtime/worker.ts');
  const app = await bundle('src/ui/main.tsx', { loader: { '.css': 'css' } });
  const templatePath = join(root, 'src/ui/index.html');
  return { pack, wasm, wasmName: basename(wasmPath), worker, app, templatePath, template: readFileSync(templatePath, 'utf8') };
}

function fillTemplate(parts, replacements) {
  let html = parts.template;
  for (const [marker, value] of Object.entries(replacements)) {
    if (!html.includes(marker)) fail(`${parts.templatePath} lacks the ${marker} marker`);
    html = html.split(marker).join(value);
  }
  return html;
}

const packIndexTag = (index) => `<script type="application/json" id="sdedit-pack-index">${escapeScript(JSON.stringify(index))}</script>`;

/** dist/ui.html: everything inline, for Figma's plugin iframe (no fetches at all). */
function buildInlineUi(parts) {
  const { pack, wasm, worker, app } = parts;
  const packIndex = {
    name: pack.name,
    manifest: 'sdedit-pack-manifest',
    files: pack.files.map((f, i) => ({ name: f.name, id: `sdedit-pack-file-${i}`, bytes: f.bytes.length })),
  };
  const assets = [
    octetTag('sdedit-ort-wasm', wasm, { name: parts.wasmName }),
    octetTag('sdedit-worker', Buffer.from(worker.js, 'utf8')),
    packIndexTag(packIndex),
    octetTag('sdedit-pack-manifest', Buffer.from(pack.manifestText, 'utf8')),
    ...pack.files.map((f, i) => octetTag(`sdedit-pack-file-${i}`, f.bytes, { name: f.name })),
  ].join('\n');
  const html = fillTemplate(parts, {
    '<!--SDEDIT:CSS-->': `<style>${app.css.replace(/<\/style/gi, '<\\/style')}</style>`,
    '<!--SDEDIT:ASSETS-->': assets,
    '<!--SDEDIT:APP-->': `<script>${escapeScript(app.js)}</script>`,
  });
  writeFileSync(join(dist, 'ui.html'), html);
  const raw = Buffer.byteLength(html);
  const gz = gzipSync(html).length;
  console.log(`dist/ui.html        ${MB(raw)} raw, ${MB(gz)} gzipped  (model "${pack.name}" from ${pack.dir})`);
  console.log(
    `  app js ${MB(app.js.length)}, worker js ${MB(worker.js.length)}, ort wasm ${MB(wasm.length)}, ` +
      `model ${MB(pack.files.reduce((s, f) => s + f.bytes.length, 0))}`,
  );
}

/** dist/web/: the same UI as a static site for hosted mode. index.html names its assets by URL
 *  (data-src, fetched by src/ui/runtime/assets.ts); asset names carry a content hash, so a host
 *  may cache everything but index.html forever. */
function buildWebUi(parts) {
  const { pack, wasm, worker, app } = parts;
  const web = join(dist, 'web');
  rmSync(web, { recursive: true, force: true });
  mkdirSync(join(web, 'assets'), { recursive: true });
  const emit = (name, bytes) => {
    const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 10);
    const dot = name.lastIndexOf('.');
    const hashed = dot > 0 ? `${name.slice(0, dot)}.${hash}${name.slice(dot)}` : `${name}.${hash}`;
    writeFileSync(join(web, 'assets', hashed), bytes);
    return `assets/${hashed}`;
  };
  const srcTag = (id, name, bytes) =>
    `<script type="application/octet-stream" id="${id}" data-src="${emit(name, bytes)}" data-bytes="${bytes.length}"></script>`;
  const packIndex = {
    name: pack.name,
    manifest: 'sdedit-pack-manifest',
    files: pack.files.map((f, i) => ({ name: f.name, id: `sdedit-pack-file-${i}`, bytes: f.bytes.length })),
  };
  const assets = [
    srcTag('sdedit-ort-wasm', parts.wasmName, wasm),
    srcTag('sdedit-worker', 'worker.js', Buffer.from(worker.js, 'utf8')),
    packIndexTag(packIndex),
    srcTag('sdedit-pack-manifest', 'model.json', Buffer.from(pack.manifestText, 'utf8')),
    ...pack.files.map((f, i) => srcTag(`sdedit-pack-file-${i}`, f.name, f.bytes)),
  ].join('\n');
  const html = fillTemplate(parts, {
    '<!--SDEDIT:CSS-->': `<link rel="stylesheet" href="${emit('app.css', Buffer.from(app.css, 'utf8'))}">`,
    '<!--SDEDIT:ASSETS-->': assets,
    '<!--SDEDIT:APP-->': `<script src="${emit('app.js', Buffer.from(app.js, 'utf8'))}"></script>`,
  });
  writeFileSync(join(web, 'index.html'), html);
  const total = readdirSync(join(web, 'assets')).reduce((s, n) => s + statSync(join(web, 'assets', n)).size, 0);
  console.log(`dist/web/           index.html ${MB(Buffer.byteLength(html))} + assets ${MB(total)} (hosted mode)`);
}

async function buildUi() {
  const parts = await uiParts();
  buildInlineUi(parts);
  buildWebUi(parts);
}

async function buildCli() {
  const cliBuilder = join(root, 'src/cli/build-cli.mjs');
  if (!existsSync(cliBuilder)) return;
  const mod = await import(pathToFileURL(cliBuilder).href);
  // build-cli.mjs owns the CLI bundles' options (entry and output default to the sdedit command)
  await mod.buildCli();
  if (mod.buildEval) await mod.buildEval();
  for (const name of ['cli.cjs', 'eval.cjs']) {
    const file = join(dist, name);
    if (existsSync(file)) console.log(`dist/${name.padEnd(17)}${MB(statSync(file).size)}`);
  }
}

await buildSandbox();
await buildUi();
await buildCli();
