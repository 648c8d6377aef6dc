// A picked folder as a latent pack's files; licences; the prompt history; the stored pack prefs.
import { PACK_PREFS_LIMITS, type PackPrefs } from '../../src/protocol';
import { validatePackPrefs } from '../../src/plugin/pack-prefs';
import { isNonCommercial, isPackFile, readPickedFolder, withPrompt, type PickedFile } from '../../src/ui/panel/pack-folder';
import { latentMemoryRefusal } from '../../src/ui/runtime/memory-budget';

const picked = (path: string, text = path): PickedFile & { reads: number } => {
  const bytes = new TextEncoder().encode(text);
  const f = {
    name: path.slice(path.lastIndexOf('/') + 1),
    size: bytes.byteLength,
    webkitRelativePath: path,
    reads: 0,
    arrayBuffer: async () => {
      f.reads++;
      return bytes.buffer.slice(0) as ArrayBuffer;
    },
  };
  return f;
};

const PACK = ['model_index.json', 'scheduler/scheduler_config.json', 'tokenizer/vocab.json', 'tokenizer/merges.txt', 'unet/model.onnx', 'unet/model.onnx_data', 'unet/config.json', 'vae_decoder/model.onnx', 'text_encoder/model.onnx', 'vae_encoder/model.onnx'];

test('the pack files only, by their path inside the pack, named after its folder', async () => {
  const extra = [picked('sd-turbo/unet/diffusion_pytorch_model.safetensors'), picked('sd-turbo/README.md'), picked('sd-turbo/.git/config'), picked('sd-turbo/unet/sub/model.onnx')];
  const files = [...PACK.map((p) => picked(`sd-turbo/${p}`)), ...extra];
  const r = await readPickedFolder(files);
  expect(r.name).toBe('sd-turbo');
  expect([...r.files.keys()].sort()).toEqual([...PACK].sort());
  expect(new TextDecoder().decode(r.files.get('unet/model.onnx'))).toBe('sd-turbo/unet/model.onnx');
  // what the pack does not use is never read (a PyTorch checkpoint can be gigabytes)
  expect(extra.map((f) => f.reads)).toEqual([0, 0, 0, 0]);
  expect(r.bytes).toBe(PACK.reduce((n, p) => n + `sd-turbo/${p}`.length, 0));
});

test('a parent folder picked: the pack is the folder that holds model_index.json', async () => {
  const r = await readPickedFolder([picked('models/notes.txt'), ...PACK.map((p) => picked(`models/sdxs-512/${p}`))]);
  expect(r.name).toBe('sdxs-512');
  expect(r.files.has('model_index.json')).toBe(true);
});

test('a folder without model_index.json, or an empty one, is refused in words', async () => {
  await expect(readPickedFolder([picked('x/unet/model.onnx')])).rejects.toThrow('no model_index.json');
  await expect(readPickedFolder([])).rejects.toThrow('empty');
});

test('isPackFile: the layout a diffusers ONNX pack reads', () => {
  for (const p of ['model.json', 'vae/config.json', 'tokenizer/tokenizer.json', 'vae_encoder/weights.pb', 'text_encoder/model.onnx.data']) expect(isPackFile(p)).toBe(true);
  for (const p of ['scheduler/other.json', 'unet/model.safetensors', 'feature_extractor/preprocessor_config.json', 'unet']) expect(isPackFile(p)).toBe(false);
});

test('non-commercial licences: the sidecar flag wins, else the id', () => {
  expect(isNonCommercial(null)).toBe(false);
  expect(isNonCommercial({ id: 'creativeml-openrail-m' })).toBe(false);
  expect(isNonCommercial({ id: 'sai-nc-community' })).toBe(true);
  expect(isNonCommercial({ id: 'CC-BY-NC-4.0' })).toBe(true);
  expect(isNonCommercial({ id: 'stabilityai-research' })).toBe(true);
  expect(isNonCommercial({ id: 'custom', commercial: false })).toBe(true);
  expect(isNonCommercial({ id: 'sai-nc-community', commercial: true })).toBe(false);
});

test('the prompt history: newest first, once, trimmed, at most PACK_PREFS_LIMITS.prompts', () => {
  let p: PackPrefs = { pack: 'default', prompts: [], accepted: [] };
  for (let i = 0; i < 15; i++) p = withPrompt(p, `prompt ${i}`);
  p = withPrompt(p, '  prompt 3 ');
  p = withPrompt(p, '   ');
  expect(p.prompts[0]).toBe('prompt 3');
  expect(p.prompts).toHaveLength(PACK_PREFS_LIMITS.prompts);
  expect(new Set(p.prompts).size).toBe(p.prompts.length);
});

test('stored pack prefs are checked field by field (never throws)', () => {
  expect(validatePackPrefs(undefined)).toEqual({ pack: 'default', prompts: [], accepted: [] });
  expect(validatePackPrefs({ pack: 3, prompts: 'x', accepted: [1, 'sd-turbo', 'sd-turbo'] })).toEqual({ pack: 'default', prompts: [], accepted: ['sd-turbo'] });
  const long = 'x'.repeat(PACK_PREFS_LIMITS.promptChars + 1);
  const v = validatePackPrefs({ pack: 'sd-turbo', prompts: [long, 'a lake', ...Array.from({ length: 20 }, (_, i) => `p${i}`)], accepted: [] });
  expect(v.pack).toBe('sd-turbo');
  expect(v.prompts[0]).toBe('a lake');
  expect(v.prompts).toHaveLength(PACK_PREFS_LIMITS.prompts);
});

test('a latent run that cannot fit is refused with its numbers; one that fits is not', () => {
  const big = { part: 'unet' as const, weights: 3.4e9, activations: 1e9, total: 4.7e9 };
  const msg = latentMemoryRefusal(big, 512, 512);
  expect(msg).toContain('512×512 px');
  expect(msg).toContain('4.7 GB');
  expect(msg).toContain('unet weights 3.4 GB');
  expect(latentMemoryRefusal({ ...big, weights: 1e8, activations: 1e8, total: 5e8 }, 512, 512)).toBeNull();
});
