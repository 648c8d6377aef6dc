// Which files of a published diffusers ONNX folder a latent pack reads: a Hugging Face repo or a
// downloaded folder also holds PyTorch weights, READMEs and images, which are never read or
// fetched. One rule for a picked folder and for a Hub listing.

const PART_DIRS = ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'];
const PART_FILES = ['model.onnx', 'model.onnx_data', 'model.onnx.data', 'weights.pb', 'config.json'];

/** Whether a path inside the pack is one a latent pack reads. */
export function isPackFile(path: string): boolean {
  if (path === 'model_index.json' || path === 'model.json' || path === 'vae/config.json') return true;
  const [dir, file, ...rest] = path.split('/');
  if (rest.length > 0 || file === undefined) return false;
  if (dir === 'scheduler') return file === 'scheduler_config.json';
  if (dir === 'tokenizer') return file.endsWith('.json') || file === 'merges.txt';
  return PART_DIRS.includes(dir) && PART_FILES.includes(file);
}
