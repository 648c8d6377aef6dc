// A folder the user picked (<input type=file webkitdirectory>) as a latent pack's files: only
// the files a diffusers ONNX pack uses are read (a downloaded Hugging Face folder also holds
// PyTorch weights, READMEs and images), locally with File.arrayBuffer: nothing is uploaded.
import { PACK_PREFS_LIMITS, type PackPrefs } from '../../protocol';
import { isPackFile } from '../../model/latent/pack-files';

export { isPackFile };

/** What the panel needs of a picked File (jsdom's and the browser's). */
export interface PickedFile {
  readonly name: string;
  readonly size: number;
  /** "folder/unet/model.onnx" for a file of a picked folder */
  readonly webkitRelativePath: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export class PickedFolderError extends Error {
  override name = 'PickedFolderError';
}

/**
 * The pack's files by their path inside the pack. The pack's root is the folder that holds
 * model_index.json (the picked folder itself, or one level down when the user picked its parent).
 */
export async function readPickedFolder(picked: ArrayLike<PickedFile>): Promise<{ name: string; files: Map<string, Uint8Array>; bytes: number }> {
  const all = Array.from(picked);
  if (all.length === 0) throw new PickedFolderError('The folder is empty.');
  const index = all
    .map((f) => f.webkitRelativePath || f.name)
    .filter((p) => p.endsWith('model_index.json'))
    .sort((a, b) => a.split('/').length - b.split('/').length)[0];
  if (index === undefined) throw new PickedFolderError('This folder has no model_index.json: pick the folder of a diffusers ONNX pack (the one with unet/, vae_encoder/, vae_decoder/, text_encoder/ and tokenizer/).');
  const root = index.slice(0, index.length - 'model_index.json'.length);
  const parts = root.split('/').filter(Boolean);
  const name = parts[parts.length - 1] ?? 'folder pack';
  const files = new Map<string, Uint8Array>();
  let bytes = 0;
  for (const f of all) {
    const path = f.webkitRelativePath || f.name;
    if (!path.startsWith(root)) continue;
    const inner = path.slice(root.length);
    if (!isPackFile(inner)) continue;
    files.set(inner, new Uint8Array(await f.arrayBuffer()));
    bytes += f.size;
  }
  return { name, files, bytes };
}

/** A licence that rules out commercial use: the sidecar says so, or its id is a non-commercial one. */
export function isNonCommercial(license: { id: string; commercial?: boolean } | null): boolean {
  if (!license) return false;
  if (license.commercial !== undefined) return !license.commercial;
  return /(^|[-_ ])nc([-_ ]|$)|non[- ]?commercial|research/i.test(license.id);
}

/** The prompt history with `prompt` first (once), trimmed to PACK_PREFS_LIMITS. */
export function withPrompt(prefs: PackPrefs, prompt: string): PackPrefs {
  const p = prompt.trim().slice(0, PACK_PREFS_LIMITS.promptChars);
  if (!p) return prefs;
  return { ...prefs, prompts: [p, ...prefs.prompts.filter((x) => x !== p)].slice(0, PACK_PREFS_LIMITS.prompts) };
}
