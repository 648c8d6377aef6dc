// Which pack the panel runs and the text it is prompted with: the embedded default, a folder
// the user picked (read locally, handed to the engine) or a URL pack (a catalogue entry or a
// typed Hub repo / address: found, its licence shown, then downloaded with progress and cancel),
// the prompt / negative prompt / guidance of a pack that uses text, the licence acceptance, and
// the pack choice and prompt history kept by the sandbox in clientStorage.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { DEFAULT_PACK_PREFS, type PackPrefs, type Settings } from '../../protocol';
import { CATALOGUE, type CatalogueEntry } from '../../model/latent/catalogue';
import type { Backend, Engine, ModelInfo, RunText } from '../runtime/engine-api';
import { DownloadError } from '../runtime/download';
import { PANEL_MEMORY_BYTES } from '../runtime/memory-budget';
import type { PackFileCache } from '../runtime/pack-cache';
import { PackSourceError, parsePackInput, type PackPlan } from '../runtime/pack-plan';
import { downloadPack, type PackProgress } from '../runtime/url-pack';
import type { Bridge } from './bridge';
import { isAbortError } from './debounce';
import { errorToUi, type UiError } from './errors';
import { PickedFolderError, isNonCommercial, readPickedFolder, withPrompt, type PickedFile } from './pack-folder';

export type PackLoad =
  | { status: 'idle'; note?: string }
  | { status: 'reading' | 'loading' | 'finding'; name: string }
  /** a URL pack found: its size and licence shown, waiting for Download */
  | { status: 'found'; plan: PackPlan }
  | { status: 'downloading'; plan: PackPlan; progress: PackProgress | null }
  | { status: 'failed'; error: UiError };

export interface PackControl {
  load: PackLoad;
  text: RunText;
  prefs: PackPrefs;
  pickFolder(files: ArrayLike<PickedFile>): Promise<void>;
  /** the packs offered for download */
  catalogue: readonly CatalogueEntry[];
  /** where downloaded files are kept between sessions (hosted mode), or null (once per session) */
  cacheKind: string | null;
  /** find a catalogue entry or what the user typed (Hub repo, address): its files and licence */
  findPack(what: CatalogueEntry | string): Promise<void>;
  /** download the found pack and make it the active one */
  downloadFound(): Promise<void>;
  /** stop a download or drop a found pack: nothing is loaded, the model in use stays */
  cancelDownload(): void;
  useEmbedded(): Promise<void>;
  setText(patch: Partial<RunText>): void;
  acceptLicense(name: string): void;
  /** the run's text when the active pack uses text (the prompt goes into the history) */
  runText(model: ModelInfo | null, remember: boolean): RunText | undefined;
}

/** The download's progress line is redrawn at most this often. */
const PROGRESS_EVERY_MS = 100;

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

/** A URL pack that could not be found or downloaded, in words; the model in use stays. */
export function urlPackError(e: unknown): UiError {
  const stays = 'The model in use stays as it was.';
  if (e instanceof PackSourceError) return { message: e.message, hint: e.code === 'input' ? '' : stays };
  if (e instanceof DownloadError) {
    const hint =
      e.code === 'sha256' || e.code === 'size'
        ? 'Nothing was loaded. Try again; if it keeps failing, the published files have changed: download the pack yourself and pick its folder.'
        : e.code === 'unreachable'
          ? `Check the connection and try again (a broken download is taken up where it stopped). ${stays}`
          : stays;
    return { message: e.message, hint };
  }
  return folderError(e);
}

export function usePack(opts: {
  engine: Engine;
  bridge: Bridge;
  /** downloaded pack files are read from and kept here (hosted mode); none in Figma's iframe */
  cache?: PackFileCache;
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

  /** Hand a pack's files to the engine; on success it is the panel's pack, with its settings. */
  const activate = useCallback(
    async (name: string, files: ReadonlyMap<string, Uint8Array>, origin?: string) => {
      setLoad({ status: 'loading', name });
      const r = await engine.usePack({ kind: 'folder', name, files, origin });
      const rec = r.model.latent?.recommended;
      const s = optsRef.current.settings();
      before.current ??= { t0: s.t0, steps: s.steps };
      setTextState((t) => ({ ...t, guidance: rec?.guidance ?? t.guidance }));
      optsRef.current.onActive(r, rec ? { t0: rec.t0, steps: rec.steps } : null);
      savePrefs({ ...prefsRef.current, pack: r.model.name });
      return r.model;
    },
    [engine, savePrefs],
  );

  const pickFolder = useCallback(
    async (files: ArrayLike<PickedFile>) => {
      setLoad({ status: 'reading', name: 'folder' });
      try {
        const picked = await readPickedFolder(files);
        await activate(picked.name, picked.files);
        setLoad({ status: 'idle' });
      } catch (e) {
        setLoad({ status: 'failed', error: folderError(e) });
      }
    },
    [activate],
  );

  const download = useRef<AbortController | null>(null);

  const findPack = useCallback(async (what: CatalogueEntry | string) => {
    download.current?.abort();
    const ctrl = new AbortController();
    download.current = ctrl;
    try {
      // what was typed is refused at once when it cannot be a pack, before the Hub client loads
      if (typeof what === 'string') parsePackInput(what);
      setLoad({ status: 'finding', name: typeof what === 'string' ? what.trim() : what.title });
      // the Hub client is loaded when a pack is first looked up, not with the panel
      const { resolveHubRepo, resolvePackInput } = await import('../runtime/pack-source');
      const plan =
        typeof what === 'string'
          ? await resolvePackInput(parsePackInput(what), { signal: ctrl.signal })
          : await resolveHubRepo(what.hub.repo, what.hub.revision, { entry: what, signal: ctrl.signal });
      if (download.current === ctrl) setLoad({ status: 'found', plan });
    } catch (e) {
      if (download.current === ctrl) setLoad(isAbortError(e) ? { status: 'idle' } : { status: 'failed', error: urlPackError(e) });
    }
  }, []);

  const loadRef = useRef(load);
  loadRef.current = load;

  const downloadFound = useCallback(async () => {
    const cur = loadRef.current;
    if (cur.status !== 'found') return;
    const { plan } = cur;
    const nc = isNonCommercial(plan.license);
    if (nc && !prefsRef.current.accepted.includes(plan.name)) return;
    download.current?.abort();
    const ctrl = new AbortController();
    download.current = ctrl;
    setLoad({ status: 'downloading', plan, progress: null });
    try {
      let shown = -Infinity;
      const onProgress = (progress: PackProgress) => {
        // a big pack reports every chunk: the panel redraws at most ~10 times a second
        const t = performance.now();
        if (download.current !== ctrl || (t - shown < PROGRESS_EVERY_MS && progress.loaded < progress.total)) return;
        shown = t;
        setLoad({ status: 'downloading', plan, progress });
      };
      const got = await downloadPack(plan, { signal: ctrl.signal, cache: optsRef.current.cache, onProgress });
      if (ctrl.signal.aborted) throw Object.assign(new Error('Cancelled'), { name: 'AbortError' });
      download.current = null;
      const model = await activate(plan.name, got.files, plan.source);
      const p = prefsRef.current;
      // the licence was accepted before the download, under the name the panel showed then
      if (nc && !p.accepted.includes(model.name)) savePrefs({ ...p, accepted: [model.name, ...p.accepted] });
      setLoad({ status: 'idle', note: got.cacheError ? `The pack works, but it could not be kept for next time (${got.cacheError}).` : undefined });
    } catch (e) {
      if (download.current !== ctrl && download.current !== null) return;
      download.current = null;
      setLoad(isAbortError(e) || ctrl.signal.aborted ? { status: 'idle', note: 'Download cancelled: nothing was loaded, the model in use stays as it was.' } : { status: 'failed', error: urlPackError(e) });
    }
  }, [activate, savePrefs]);

  const cancelDownload = useCallback(() => {
    const ctrl = download.current;
    download.current = null;
    ctrl?.abort();
    const cur = loadRef.current;
    if (cur.status === 'found' || cur.status === 'finding') setLoad({ status: 'idle' });
    else if (cur.status === 'downloading') setLoad({ status: 'idle', note: 'Download cancelled: nothing was loaded, the model in use stays as it was.' });
  }, []);

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

  const cacheKind = opts.cache?.kind ?? null;
  return { load, text, prefs, pickFolder, catalogue: CATALOGUE, cacheKind, findPack, downloadFound, cancelDownload, useEmbedded, setText, acceptLicense, runText };
}
