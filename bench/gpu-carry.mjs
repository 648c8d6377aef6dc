// Prepare what bench/gpu.sh needs on a GPU machine that has neither Node nor npm nor a network:
// everything lands in bench/out/carry/ (git-ignored; name it in the device tool's `carry`).
//
//   node bench/gpu-carry.mjs        # ≈ 1–2 min (xz of the Node binary)
//
// - node.xz            this machine's Node binary (Debian's; glibc-linked, runs on the GPU image)
// - webgpu/            the `webgpu` package's index.js + package.json, dawn.node.xz (linux-x64)
// - ort/               onnxruntime-web's WebGPU build: ort.webgpu.mjs, the asyncify loader, and
//                      its .wasm as .xz
// - webgpu-eval.mjs    esbuild bundle of bench/lib/webgpu-eval.ts (the eval harness, fp32 vs fp16)
// - resident.bundle.mjs the GPU-resident loop, core and the pack parser for webgpu-node.mjs
// - gl/*.deb           the Vulkan loader and GL vendor libraries (libvulkan1, libglvnd0, …) from
//                      Debian's apt, as the device notes ask: NVIDIA's Vulkan ICD needs libglvnd
// bench/gpu.sh unpacks them into node_modules/ and /tmp when it finds no node there.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// NVIDIA's Vulkan ICD (libGLX_nvidia) fails to load without libglvnd: carry the GL vendor set too
const GL_DEBS = 'libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'bench/out/carry');
const nm = join(root, 'node_modules');
mkdirSync(join(out, 'webgpu'), { recursive: true });
mkdirSync(join(out, 'ort'), { recursive: true });
mkdirSync(join(out, 'gl'), { recursive: true });

const xz = (src, dst) => {
  if (existsSync(dst) && statSync(dst).mtimeMs >= statSync(src).mtimeMs) return;
  execFileSync('sh', ['-c', `xz -T2 -6 -c "${src}" > "${dst}.tmp" && mv "${dst}.tmp" "${dst}"`], { stdio: 'inherit' });
};

xz(realpathSync(process.execPath), join(out, 'node.xz'));
copyFileSync(join(nm, 'webgpu/index.js'), join(out, 'webgpu/index.js'));
copyFileSync(join(nm, 'webgpu/package.json'), join(out, 'webgpu/package.json'));
xz(join(nm, 'webgpu/dist/linux-x64/dawn.node'), join(out, 'webgpu/dawn.node.xz'));
for (const f of ['ort.webgpu.mjs', 'ort-wasm-simd-threaded.asyncify.mjs']) copyFileSync(join(nm, 'onnxruntime-web/dist', f), join(out, 'ort', f));
xz(join(nm, 'onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm'), join(out, 'ort/ort-wasm-simd-threaded.asyncify.wasm.xz'));

await build({
  entryPoints: [join(root, 'bench/lib/webgpu-eval.ts')],
  outfile: join(out, 'webgpu-eval.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: ['onnxruntime-node', 'onnxruntime-web', 'webgpu'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});

// the GPU-resident loop's bundle for bench/lib/webgpu-node.mjs (it copies it into the carry too)
execFileSync(process.execPath, [join(root, 'bench/lib/webgpu-node.mjs'), '--build'], { stdio: 'inherit' });

if (readdirSync(join(out, 'gl')).filter((f) => f.endsWith('.deb')).length === 0) {
  try {
    execFileSync('sh', ['-c', `cd "$0" && apt-get download ${GL_DEBS}`, join(out, 'gl')], { stdio: 'inherit' });
  } catch {
    console.warn(`gpu-carry: apt-get download ${GL_DEBS} failed; put the debs in bench/out/carry/gl yourself`);
  }
}
const size = (d) => readdirSync(d, { withFileTypes: true }).reduce((s, e) => s + (e.isDirectory() ? size(join(d, e.name)) : statSync(join(d, e.name)).size), 0);
console.log(`gpu-carry: bench/out/carry ready, ${(size(out) / 2 ** 20).toFixed(1)} MiB (the device tool carries at most 64 MiB with the tree)`);
rmSync(join(out, 'tmp'), { recursive: true, force: true });
