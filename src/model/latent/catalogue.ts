// The latent packs the panel offers to download: published diffusers ONNX folders on the
// Hugging Face Hub that this engine reads as they are (see /shared/LATENT-PACKS.md for where each
// fact comes from). One source of truth: the panel's list, the downloader's file list and the
// manifest's allowed hosts (test/ui/catalogue.test.ts) all come from here.
//
// Sizes and hashes: the published cards give sizes to three digits and no sha256, so an entry
// records approximate sizes (shown before a download) and takes the exact byte count and sha256
// of every file from the Hub's own file listing at download time (an LFS file's `oid` is the
// sha256 of its content). Small JSON/text files are stored in git, not LFS: the Hub gives a git
// blob id for them, not a sha256, so they are checked by size only.

/** A pack's licence as the panel shows it before a download. */
export interface PackLicense {
  /** SPDX-like id ("creativeml-openrail-m") */
  id: string;
  /** the licence text */
  url?: string;
  /** false: non-commercial (the user accepts it once before the first download) */
  commercial?: boolean;
}

export interface CatalogueFile {
  /** path inside the pack ('unet/model.onnx') */
  path: string;
  /** as the Hub's card shows it; the exact size comes from the listing */
  approxBytes?: number;
}

export interface CatalogueEntry {
  /** the pack's name in the panel, the licence acceptance and the prompt history */
  id: string;
  title: string;
  /** where it is published; `revision` is a branch (the Hub resolves it at download time) */
  hub: { repo: string; revision: string };
  /** the files the engine needs from it (others in the repo are never fetched) */
  files: readonly CatalogueFile[];
  license: PackLicense;
  recommended: { steps: number; t0: number; guidance: number };
  /** of the weights (the I/O may differ: see note) */
  precision: 'fp16' | 'fp32';
  note: string;
}

const MB = 1e6;
const GB = 1e9;

/** A pack's small files (git, not LFS): configs, scheduler, tokenizer. */
const CONFIG_FILES: readonly CatalogueFile[] = [
  { path: 'model_index.json' },
  { path: 'scheduler/scheduler_config.json' },
  { path: 'tokenizer/vocab.json' },
  { path: 'tokenizer/merges.txt' },
  { path: 'tokenizer/special_tokens_map.json' },
  { path: 'tokenizer/tokenizer_config.json' },
];

export const CATALOGUE: readonly CatalogueEntry[] = [
  {
    id: 'sd-turbo',
    title: 'SD-Turbo (ONNX Runtime Web demo pack)',
    hub: { repo: 'schmuell/sd-turbo-ort-web', revision: 'main' },
    files: [
      ...CONFIG_FILES,
      { path: 'text_encoder/model.onnx', approxBytes: 681 * MB },
      { path: 'unet/model.onnx', approxBytes: 1.73 * GB },
      { path: 'vae_decoder/model.onnx', approxBytes: 99.1 * MB },
      { path: 'vae_encoder/model.onnx', approxBytes: 68.4 * MB },
    ],
    license: { id: 'stabilityai-nc-research-community', url: 'https://huggingface.co/stabilityai/sd-turbo/blob/main/LICENSE.md', commercial: false },
    // diffusers' own SD-Turbo img2img example: 2 steps at strength 0.5, no guidance
    recommended: { steps: 2, t0: 0.5, guidance: 0 },
    precision: 'fp16',
    note: 'fp16 weights with float32 inputs; 512 px; one or two steps. Stability AI non-commercial research licence on this mirror.',
  },
  {
    id: 'lcm-dreamshaper-v7',
    title: 'LCM Dreamshaper v7 (fp16)',
    hub: { repo: 'aislamov/lcm-dreamshaper-v7-onnx', revision: 'main' },
    files: [
      ...CONFIG_FILES,
      { path: 'text_encoder/model.onnx', approxBytes: 247 * MB },
      { path: 'unet/model.onnx', approxBytes: 93.7 * MB },
      { path: 'unet/model.onnx_data', approxBytes: 1.64 * GB },
      { path: 'vae_decoder/model.onnx', approxBytes: 2.1 * MB },
      { path: 'vae_decoder/model.onnx_data', approxBytes: 97.4 * MB },
      { path: 'vae_encoder/model.onnx' },
    ],
    license: { id: 'creativeml-openrail-m', url: 'https://huggingface.co/spaces/CompVis/stable-diffusion-license', commercial: true },
    // LCM's recommended img2img: 4 steps, guidance 7.5 (as timestep_cond), strength 0.5
    recommended: { steps: 4, t0: 0.5, guidance: 7.5 },
    precision: 'fp16',
    note: 'An SD 1.5 fine-tune distilled to 4 steps; the UNet weights are external data. CreativeML OpenRAIL-M: commercial use allowed under its use restrictions.',
  },
];

/** The sum of the entry's approximate sizes (small files count as nothing). */
export function approxPackBytes(entry: CatalogueEntry): number {
  return entry.files.reduce((n, f) => n + (f.approxBytes ?? 0), 0);
}

export function catalogueEntry(id: string): CatalogueEntry | undefined {
  return CATALOGUE.find((e) => e.id === id);
}

/**
 * The hosts a Hub download touches: the Hub itself (file listings, `resolve/` URLs) and the
 * storage hosts its `resolve/` answers redirect to (302), which a CSP must allow as well: the LFS
 * and Xet hosts of https://huggingface.co/.well-known/meta.json (`lfsDomains`), the Xet bridge
 * seen in redirects (cas-bridge.xethub.hf.co), the older cdn-lfs.huggingface.co, and the CDN
 * (`cdnDomains`) hosts that serve US traffic and the default.
 */
export const HUB_DOWNLOAD_HOSTS: readonly string[] = [
  'huggingface.co',
  'cdn-lfs.huggingface.co',
  'cdn-lfs.hf.co',
  'cdn-lfs-us-1.hf.co',
  'cdn-lfs-eu-1.hf.co',
  'cas-bridge.xethub.hf.co',
  'transfer.xethub.hf.co',
  'aws.cdn.hf.co',
  'us.aws.cdn.hf.co',
  'us.gcp.cdn.hf.co',
];
