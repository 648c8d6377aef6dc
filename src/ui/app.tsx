// The plugin panel. All UI state lives in one store (useReducer over ./panel/store); messages
// with the sandbox go through a Bridge; the engine runs models. Effects here only wire them.
import { useCallback, useEffect, useMemo, useReducer, useRef } from 'preact/hooks';
import { DEFAULT_MULTIPLE, type JobInput, type Placement, type Settings, type StoredRun } from '../protocol';
import { LATENT_AUTO_T0_UNAVAILABLE, runRequest, type Backend, type Engine, type ModelInfo } from './runtime/engine-api';
import type { PackFileCache } from './runtime/pack-cache';
import { figmaBridge, type Bridge } from './panel/bridge';
import { SettingsControls } from './panel/controls';
import { debounce, isAbortError, realClock, type Clock } from './panel/debounce';
import { Earlier } from './panel/earlier';
import { ErrorBox, Notices, StatusLine } from './panel/messages';
import { Queue } from './panel/queue';
import { History, Results } from './panel/results';
import { ResizeHandle } from './panel/resize';
import { RunControls } from './panel/run';
import { SelectionCard } from './panel/selection';
import { errorToUi } from './panel/errors';
import { seedForRun } from './panel/settings';
import { galleryItems, initialState, isApplying, reducer, type HistoryEntry } from './panel/store';
import { useLivePreview } from './panel/live-preview';
import { useRunFocus } from './panel/focus';
import { T0Control } from './panel/t0';
import { useAutoT0 } from './panel/auto-t0';
import { makeThumbnail, type MakeThumbnail } from './panel/thumbnail';
import { PackCard, PromptCard } from './panel/pack';
import { packBlockedReason, usePack } from './panel/use-pack';
import { useRunKeys } from './panel/keys';
import { useSandboxMessages } from './panel/use-sandbox';
import { pageContext, secureContextNotice, type PageContext } from './panel/secure-context';

export interface AppProps {
  engine: Engine;
  /** defaults to the Figma bridge (parent.postMessage / window message events) */
  bridge?: Bridge;
  clock?: Clock;
  random?: () => number;
  /** live preview debounce after the last t0 / selection change */
  previewDelayMs?: number;
  /** settings save debounce */
  saveDelayMs?: number;
  /** thumbnails for the lasting history; defaults to the canvas-based one */
  thumbnail?: MakeThumbnail;
  /** what the page offers (secure context, WebGPU); defaults to this window's */
  page?: PageContext;
  /** where downloaded pack files are kept between sessions (hosted mode); none in Figma's iframe */
  packCache?: PackFileCache;
}

interface GenerateOptions {
  jobs?: JobInput[];
  settings?: Settings;
  seed?: number;
  /** started by the queue */
  queued?: boolean;
}

export function App(props: AppProps) {
  const { engine } = props;
  const clock = props.clock ?? realClock;
  const thumbnail = props.thumbnail ?? makeThumbnail;
  const random = props.random ?? Math.random;
  const [state, dispatch] = useReducer(reducer, undefined, () => initialState());
  const stateRef = useRef(state);
  stateRef.current = state;

  const bridge = useMemo(() => props.bridge ?? figmaBridge(), [props.bridge]);
  const loadRef = useRef<Promise<{ backend: Backend; model: ModelInfo }> | null>(null);
  const runCtrl = useRef<AbortController | null>(null);
  const runCounter = useRef(0);

  // ---- engine ----------------------------------------------------------------------------
  useEffect(() => {
    const notice = secureContextNotice(props.page ?? pageContext());
    if (notice) dispatch({ type: 'notice', notice });
  }, [props.page]);

  useEffect(() => {
    let live = true;
    engine.onNotice((notice) => {
      if (live) dispatch({ type: 'notice', notice });
    });
    const p = engine.load();
    loadRef.current = p;
    // a pack made active while the built-in model still loads (a cached pack takes milliseconds,
    // a big default pack seconds to verify) replaces loadRef: the built-in model's late answer
    // must not put it back on the panel
    const current = () => live && loadRef.current === p;
    p.then(
      (r) => current() && dispatch({ type: 'engine-ready', backend: r.backend, model: r.model }),
      (e: unknown) => current() && dispatch({ type: 'engine-failed', error: errorToUi(e, 'load') }),
    );
    return () => {
      live = false;
    };
  }, [engine]);

  // ---- sandbox messages ------------------------------------------------------------------
  useSandboxMessages(bridge, dispatch);

  // ---- the pack: the embedded default, a folder the user picked or a downloaded one --------
  const pack = usePack({
    engine,
    bridge,
    cache: props.packCache,
    settings: () => stateRef.current.settings,
    onActive: (r, defaults) => {
      loadRef.current = Promise.resolve(r);
      dispatch({ type: 'engine-ready', backend: r.backend, model: r.model });
      if (defaults) dispatch({ type: 'set', patch: defaults });
    },
  });
  const { runText } = pack;

  // ---- settings: save (debounced) and re-export the selection when size/edges change ------
  const saver = useMemo(
    () => debounce(() => bridge.post({ type: 'save-settings', settings: stateRef.current.settings }), props.saveDelayMs ?? 400, clock),
    [bridge, clock, props.saveDelayMs],
  );
  const refresher = useMemo(
    () =>
      debounce(
        () => {
          const { settings: s, engine: e } = stateRef.current;
          bridge.post({ type: 'refresh-selection', size: s.size, dilation: s.dilation, feather: s.feather, multiple: e.model?.multiple ?? DEFAULT_MULTIPLE });
        },
        300,
        clock,
      ),
    [bridge, clock],
  );
  useEffect(() => {
    // the plugin window can close at any time: do not lose a pending save
    const flush = () => saver.flush();
    window.addEventListener('pagehide', flush);
    return () => {
      window.removeEventListener('pagehide', flush);
      saver.flush();
    };
  }, [saver]);
  useEffect(() => () => refresher.cancel(), [refresher]);

  const loadedSettings = useRef<Settings | null>(null);
  const { settings, settingsLoaded } = state;
  useEffect(() => {
    if (!settingsLoaded) return;
    if (loadedSettings.current === null) {
      loadedSettings.current = settings; // what the sandbox sent: nothing to save yet
      return;
    }
    if (settings !== loadedSettings.current) saver.call();
  }, [settings, settingsLoaded, saver]);

  // the model's spatial multiple is part of the export too (the sandbox rounds the size to it)
  const exportKey = `${settings.size}/${settings.dilation}/${settings.feather}/${state.engine.model?.multiple ?? DEFAULT_MULTIPLE}`;
  const lastExportKey = useRef<string | null>(null);
  useEffect(() => {
    if (!settingsLoaded) return;
    if (lastExportKey.current !== null && lastExportKey.current !== exportKey) refresher.call();
    lastExportKey.current = exportKey;
  }, [exportKey, settingsLoaded, refresher]);

  // ---- live preview ----------------------------------------------------------------------
  const previewRunner = useLivePreview(engine, clock, stateRef, loadRef, dispatch, props.previewDelayMs ?? 250, runText);
  useEffect(() => () => void previewRunner.cancel(), [previewRunner]);

  const { t0, livePreview } = settings;
  const selVersion = state.selection.version;
  const hasJobs = state.selection.jobs.length > 0;
  // a latent pack: the signal kept comes from its own scheduler, and there is no Auto t0
  const latentT0 = state.engine.model?.latent ?? null;
  useEffect(() => {
    if (!livePreview) {
      void previewRunner.cancel();
      dispatch({ type: 'preview-clear' });
      return;
    }
    if (!hasJobs) {
      void previewRunner.cancel();
      if (selVersion > 0) dispatch({ type: 'preview-clear' });
      return;
    }
    if (stateRef.current.run.status === 'idle') previewRunner.trigger();
  }, [t0, selVersion, livePreview, hasJobs, previewRunner]);

  // ---- generate / cancel -----------------------------------------------------------------
  const generate = useCallback(
    async (opts: GenerateOptions = {}) => {
      const s = stateRef.current;
      const jobs = opts.jobs ?? s.selection.jobs;
      if (jobs.length === 0) return;
      const base = opts.settings ?? s.settings;
      const seed = opts.seed ?? seedForRun(base, random);
      // a run is going (runCtrl is set synchronously, the rendered state may lag): queue this one
      if (runCtrl.current || s.run.status !== 'idle') {
        dispatch({ type: 'queue-add', jobs, settings: base, seed });
        return;
      }
      const settings = { ...base, seed };
      const runId = ++runCounter.current;
      const ctrl = new AbortController();
      runCtrl.current = ctrl;
      dispatch({ type: 'run-start', runId, jobCount: jobs.length, seed, queued: opts.queued });
      try {
        await previewRunner.cancel(); // full quality only on Generate: a preview in flight goes
        if (loadRef.current) await loadRef.current;
        const text = runText(stateRef.current.engine.model, true);
        for (let i = 0; i < jobs.length; i++) {
          if (ctrl.signal.aborted) throw Object.assign(new Error('Cancelled'), { name: 'AbortError' });
          const job = jobs[i];
          dispatch({ type: 'run-job', runId, jobIndex: i });
          const res = await engine.run({ ...runRequest(job, settings, seed, false), ...(text ? { text } : {}) }, (progress) => dispatch({ type: 'run-progress', runId, progress }), ctrl.signal);
          dispatch({
            type: 'run-result',
            runId,
            job,
            settings,
            result: { pngs: res.pngs, width: res.width, height: res.height, params: res.params, backend: res.backend, totalMs: res.timings.totalMs },
          });
          const createdAt = Date.now();
          void thumbnail(res.pngs[0], res.width, res.height).then((thumbPng) =>
            dispatch({
              type: 'run-stored',
              run: {
                id: `${createdAt.toString(36)}-${runId}-${i}`,
                createdAt,
                sourceName: job.sourceName,
                sourceNodeId: job.sourceNodeId,
                params: res.params,
                backend: res.backend,
                totalMs: res.timings.totalMs,
                thumbPng,
              },
            }),
          );
        }
        dispatch({ type: 'run-end', runId, outcome: 'done' });
      } catch (e) {
        if (ctrl.signal.aborted || isAbortError(e)) dispatch({ type: 'run-end', runId, outcome: 'cancelled' });
        else dispatch({ type: 'run-end', runId, outcome: 'failed', error: errorToUi(e) });
      } finally {
        if (runCtrl.current === ctrl) runCtrl.current = null;
      }
    },
    [engine, previewRunner, random, thumbnail, runText],
  );

  // the queue: when a run ends, the next waiting one starts
  const queueHead = state.queue[0];
  const idle = state.run.status === 'idle';
  useEffect(() => {
    if (!idle || !queueHead || runCtrl.current) return;
    dispatch({ type: 'queue-remove', id: queueHead.id });
    void generate({ jobs: queueHead.jobs, settings: queueHead.settings, seed: queueHead.seed, queued: true });
  }, [idle, queueHead, generate]);

  // the lasting history goes to the sandbox (clientStorage) whenever it changes after loading
  const { saved, savedLoaded } = state;
  const lastSaved = useRef<StoredRun[] | null>(null);
  useEffect(() => {
    if (!savedLoaded) return;
    const first = lastSaved.current === null;
    if (saved === lastSaved.current) return;
    lastSaved.current = saved;
    // on loading, only runs finished before it arrived need saving
    if (!first || stateRef.current.savedThisSession.length > 0) bridge.post({ type: 'save-history', runs: saved });
  }, [saved, savedLoaded, bridge]);

  const cancel = useCallback(() => {
    const ctrl = runCtrl.current;
    if (!ctrl) return;
    ctrl.abort();
    dispatch({ type: 'run-cancel-requested', runId: runCounter.current });
  }, []);

  const apply = useCallback(
    (entry: HistoryEntry, index: number, placement: Placement) => {
      const png = entry.pngs[index];
      const params = entry.params[index];
      if (!png || !params) return;
      // the ref, not the rendered state: two clicks within one frame must not post twice
      if (isApplying(stateRef.current, entry.id, index, placement)) return;
      stateRef.current = reducer(stateRef.current, { type: 'apply-requested', entryId: entry.id, index, placement });
      dispatch({ type: 'apply-requested', entryId: entry.id, index, placement });
      bridge.post({
        type: 'apply',
        jobId: entry.job.jobId,
        sourceNodeId: entry.job.sourceNodeId,
        png,
        width: entry.width,
        height: entry.height,
        params,
        placement,
      });
    },
    [bridge],
  );

  // a working-size live preview is applied as it is: it becomes a results entry, then Apply
  const applyPreview = useCallback(() => {
    if (!stateRef.current.preview.applicable) return;
    stateRef.current = reducer(stateRef.current, { type: 'preview-keep' });
    dispatch({ type: 'preview-keep' });
    apply(stateRef.current.history[0], 0, 'new-node');
  }, [apply]);

  const rerun = useCallback(
    (entry: HistoryEntry) => {
      const p = entry.params[0];
      const s = stateRef.current.settings;
      const patch: Partial<Settings> = p
        ? { t0: p.t0, steps: p.steps, sampler: p.sampler, repeats: p.repeats, size: p.size, model: p.model, seed: p.seed, variations: entry.pngs.length }
        : {};
      dispatch({ type: 'set', patch });
      void generate({ jobs: [entry.job], settings: { ...s, ...patch }, seed: p?.seed ?? entry.settings.seed });
    },
    [generate],
  );

  useRunKeys(runCtrl, cancel, generate, previewRunner, () => dispatch({ type: 'preview-stopped' }));

  // ---- focus: a run starting moves it to Cancel, a run ending back to Generate
  const { generateRef, cancelRef } = useRunFocus(state.run.status);

  // ---- render ----------------------------------------------------------------------------
  const set = (patch: Partial<Settings>) => dispatch({ type: 'set', patch });
  const auto = useAutoT0(
    engine,
    useCallback(() => ({ job: stateRef.current.selection.jobs[0] ?? null, settings: stateRef.current.settings, ready: loadRef.current }), []),
    useCallback((t0: number) => dispatch({ type: 'set', patch: { t0 } }), []),
    state.selection.version,
    useCallback((e: unknown) => dispatch({ type: 'preview-failed', error: errorToUi(e) }), []),
  );
  const busy = state.run.status !== 'idle';
  const packBlocked = packBlockedReason(state.engine.model, pack.prefs);
  const blockedReason =
    state.engine.status === 'failed'
      ? 'The model could not be loaded, so nothing can be generated.'
      : !hasJobs
        ? 'Select a frame on the canvas first.'
        : packBlocked;
  const canGenerate = hasJobs && state.engine.status !== 'failed' && packBlocked === null;

  return (
    <main class="sd-app" aria-busy={busy}>
      <SelectionCard
        selection={state.selection}
        preview={state.preview}
        settings={settings}
        onLivePreview={(on) => set({ livePreview: on })}
        onSettings={set}
        onUseRerun={() => dispatch({ type: 'use-rerun-params' })}
        onApplyPreview={applyPreview}
      />
      {state.engine.model?.latent?.usesText && <PromptCard control={pack} disabled={busy} />}
      <section class="sd-card">
        <T0Control t0={settings.t0} sde={state.engine.model?.sde ?? 'vp'} pack={latentT0 && { schedule: latentT0.schedule, steps: settings.steps }} onChange={(v) => set({ t0: v })}
          onAuto={auto.onAuto} autoUnavailable={latentT0 ? LATENT_AUTO_T0_UNAVAILABLE : undefined} autoT0={auto.autoT0} autoBusy={auto.busy || !hasJobs} />
      </section>
      {/* feedback first: at Figma's 360×600 the run's progress and its results are in view */}
      <RunControls
        run={state.run}
        engine={state.engine}
        canGenerate={canGenerate}
        blockedReason={blockedReason}
        onGenerate={() => void generate()}
        onEnqueue={() => void generate()}
        onCancel={cancel}
        generateRef={generateRef}
        cancelRef={cancelRef}
      />
      <Queue queue={state.queue} onCancel={(id) => dispatch({ type: 'queue-remove', id })} />
      <ErrorBox
        error={state.error ?? state.engine.error}
        onDismiss={state.error ? () => dispatch({ type: 'dismiss-error' }) : undefined}
      />
      <Notices notices={state.notices} onDismiss={(id) => dispatch({ type: 'dismiss-notice', id })} />
      <StatusLine text={state.status} />
      <Results items={galleryItems(state)} onApply={apply} applying={(id, index, placement) => isApplying(state, id, index, placement)} />
      {/* below the feedback: at 360×600 the run and its results stay in view */}
      <PackCard control={pack} model={state.engine.model} backend={state.engine.backend} busy={busy} />
      <SettingsControls settings={settings} engine={state.engine} disabled={busy} onChange={set} />
      <History history={state.history} gallery={state.gallery} busy={busy} onShow={(id) => dispatch({ type: 'show-entry', id })} onRerun={rerun} />
      <Earlier runs={state.saved.filter((r) => !state.savedThisSession.includes(r.id))} onUse={(id) => dispatch({ type: 'use-stored', id })} />
      <ResizeHandle onResize={(m) => bridge.post(m)} />
    </main>
  );
}

export default App;
