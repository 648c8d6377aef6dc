// Which pack the panel runs and the text it is prompted with: the embedded default or a folder
// the user picked (read locally, handed to the engine), the prompt / negative prompt / guidance
// of a pack that uses text, the licence acceptance, and the pack choice and prompt history kept
// by the sandbox in clientStorage.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { DEFAULT_PACK_PREFS, type PackPrefs, type Settings } from '../../protocol';
import type { Backend, Engine, ModelInfo, RunText } from '../runtime/engine-api';
import { PANEL_MEMORY_BYTES } from '../runtime/memory-budget';
import type { Bridge } from './bridge';
import { errorToUi, type UiError } from './errors';
import { PickedFolderError, isNonCommercial, readPickedFolder, withPrompt, type PickedFile } from './pack-folder';

export type PackLoad = { status: 'idle' } | { status: 'reading' | 'loading'; name: string } | { status: 'failed'; error: UiError };

export interface PackControl {
  load: PackLoad;
  text: RunText;
  prefs: PackPrefs;
  pickFolder(files: ArrayLike<PickedFile>): Promise<void>;
  useEmbedded(): Promise<void>;
  setText(patch: Partial<RunText>): void;
  acceptLicense(name: string): void;
  /** the run's text when the active pack uses text (the prompt goes into the history) */
  runText(model: ModelInfo | null, remember: boolean): RunText | undefined;
}

/** Why the active pack cannot run yet, or null. */
export function packBlockedReason(model: ModelInfo | null, prefs: PackPrefs): string | null {
  const l = model?.latent;
  if (!l || !model) return null;
  if (isNonCommercial(l.license) && !prefs.accepted.includes(model.name)) return `Accept the licence of “${model.name}” first (it does not allow commercial use).`;
  if (l.memoryBytes > PANEL_MEMORY_BYTES) return 'This pack needs more memory than the panel can use (see the pack info).';
  return null;
}

/** A folder that is not a usable pack says exactly what is wrong with it (the file and field). */
export function folderError(e: unknown): UiError {
  const code = (e as { code?: unknown } | null)?.code;
  if (e instanceof PickedFolderError || code === 'invalid-pack') {
    return { message: (e as Error).message, hint: 'Pick the folder of a diffusers ONNX pack (model_index.json, unet/, vae_encoder/, vae_decoder/, text_encoder/, tokenizer/). The model in use stays as it was.' };
  }
  return errorToUi(e, 'load');
}

export function usePack(opts: {
  engine: Engine;
  bridge: Bridge;
  /** a pack became active: the panel shows it and its recommended settings */
  onActive: (r: { backend: Backend; model: ModelInfo }, defaults: Partial<Settings> | null) => void;
  /** the settings to give back when the embedded pack returns */
  settings: () => Settings;
}): PackControl {
  const { engine, bridge } = opts;
  const [load, setLoad] = useState<PackLoad>({ status: 'idle' });
  const [text, setTextState] = useState<RunText>({ prompt: '', negative: '', guidance: 0 });
  const [prefs, setPrefs] = useState<PackPrefs>(DEFAULT_PACK_PREFS);
  const textRef = useRef(text);
  textRef.current = text;
  const prefsRef = useRef(prefs);
  prefsRef.current = prefs;
  const before = useRef<Partial<Settings> | null>(null);
  const optsRef = useRef(opts);
  optsRef.current = opts;

  useEffect(() => {
    const off = bridge.listen((m) => {
      if (m.type === 'pack-prefs') setPrefs(m.prefs);
    });
    bridge.post({ type: 'load-pack-prefs' });
    return off;
  }, [bridge]);

  const savePrefs = useCallback(
    (next: PackPrefs) => {
      prefsRef.current = next;
      setPrefs(next);
      bridge.post({ type: 'save-pack-prefs', prefs: next });
    },
    [bridge],
  );

  const pickFolder = useCallback(
    async (files: ArrayLike<PickedFile>) => {
      setLoad({ status: 'reading', name: 'folder' });
      try {
        const picked = await readPickedFolder(files);
        setLoad({ status: 'loading', name: picked.name });
        const r = await engine.usePack({ kind: 'folder', name: picked.name, files: picked.files });
        const rec = r.model.latent?.recommended;
        const s = optsRef.current.settings();
        before.current ??= { t0: s.t0, steps: s.steps };
        setTextState((t) => ({ ...t, guidance: rec?.guidance ?? t.guidance }));
        optsRef.current.onActive(r, rec ? { t0: rec.t0, steps: rec.steps } : null);
        savePrefs({ ...prefsRef.current, pack: r.model.name });
        setLoad({ status: 'idle' });
      } catch (e) {
        setLoad({ status: 'failed', error: folderError(e) });
      }
    },
    [engine, savePrefs],
  );

  const useEmbedded = useCallback(async () => {
    setLoad({ status: 'loading', name: 'default' });
    try {
      const r = await engine.usePack({ kind: 'embedded' });
      optsRef.current.onActive(r, before.current);
      before.current = null;
      savePrefs({ ...prefsRef.current, pack: 'default' });
      setLoad({ status: 'idle' });
    } catch (e) {
      setLoad({ status: 'failed', error: errorToUi(e, 'load') });
    }
  }, [engine, savePrefs]);

  const setText = useCallback((patch: Partial<RunText>) => setTextState((t) => ({ ...t, ...patch })), []);

  const acceptLicense = useCallback(
    (name: string) => {
      const p = prefsRef.current;
      if (!p.accepted.includes(name)) savePrefs({ ...p, accepted: [name, ...p.accepted] });
    },
    [savePrefs],
  );

  const runText = useCallback(
    (model: ModelInfo | null, remember: boolean): RunText | undefined => {
      if (!model?.latent?.usesText) return undefined;
      const t = textRef.current;
      if (remember && t.prompt.trim() && prefsRef.current.prompts[0] !== t.prompt.trim()) savePrefs(withPrompt(prefsRef.current, t.prompt));
      return { ...t };
    },
    [savePrefs],
  );

  return { load, text, prefs, pickFolder, useEmbedded, setText, acceptLicense, runText };
}
