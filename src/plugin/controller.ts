// The sandbox's message loop: settings, selection → jobs, apply. All document work runs one task
// at a time (exports hide and restore layers; two at once would undo each other's changes).
import { DEFAULT_MULTIPLE, DEFAULT_SETTINGS, isUiToPlugin, roundWorkingSize } from '../protocol';
import type { JobInput, PluginToUi, Problem, Settings, StoredRun, UiToPlugin } from '../protocol';
import { applyResult, type JobRecord } from './apply';
import { HISTORY_KEY, validateHistory } from './history';
import { LIVE_EDIT_THROTTLE_MS, LiveEdits, type ChangeLike } from './live-edits';
import { SETTINGS_KEY, validateSettings } from './params';
import { PACK_PREFS_KEY, validatePackPrefs } from './pack-prefs';
import { Restorer, SceneCollector, exportJob, isProblem, pageOf } from './scene';
import { planSelection } from './selection';
import { pluginUiHtml } from './ui-html';

export const UI_WIDTH = 360;
export const UI_HEIGHT = 600;
/** clientStorage key of the panel size the user last dragged it to. */
export const UI_SIZE_KEY = 'sdedit-ui-size';
const UI_MIN = { width: 240, height: 200 };
const UI_MAX = 1600;
/** How many exported jobs are remembered for checking their source on apply. */
const MAX_JOB_RECORDS = 256;

export interface PluginHandle {
  /** Resolves when every queued task (export, apply, settings) is done. For tests. */
  idle(): Promise<void>;
}

/** Identity of one result placed one way: the same bytes with the same parameters for the same
 *  job. FNV-1a over the PNG is enough to tell two results apart; it is no security check. */
function applyKey(m: Extract<UiToPlugin, { type: 'apply' }>): string | null {
  if (!(m.png instanceof Uint8Array)) return null;
  let h = 0x811c9dc5;
  for (let i = 0; i < m.png.length; i++) h = Math.imul(h ^ m.png[i], 0x01000193) >>> 0;
  return `${String(m.jobId)}|${String(m.placement)}|${JSON.stringify(m.params)}|${m.png.length}|${h}`;
}

function clamp(v: unknown, lo: number, hi: number, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(hi, Math.max(lo, Math.round(v))) : fallback;
}

export interface StartOptions {
  /** hosted mode: the https address of dist/web; empty for the inline panel */
  hostedUrl?: string;
}

export function startPlugin(opts: StartOptions = {}): PluginHandle {
  let html = __html__;
  let hostedProblem: string | null = null;
  try {
    html = pluginUiHtml(__html__, opts.hostedUrl ?? '', figma.pluginId);
  } catch (e) {
    hostedProblem = `${(e as Error).message} The built-in panel is used instead.`;
  }
  figma.showUI(html, { width: UI_WIDTH, height: UI_HEIGHT, themeColors: true, title: 'SDEdit' });
  if (hostedProblem) figma.notify(hostedProblem, { error: true });

  let closed = false;
  let settings: Settings = { ...DEFAULT_SETTINGS };
  let history: StoredRun[] = [];
  let size = settings.size;
  let multiple = DEFAULT_MULTIPLE;
  let jobCounter = 0;
  let selectionGeneration = 0;
  const jobs = new Map<string, JobRecord>();
  /** Results already placed (applyKey → node): a second Apply of the same result makes no second
   *  layer while the first is still on the canvas (a double click, or Apply pressed again). */
  const placed = new Map<string, { nodeId: string; nodeName: string }>();
  /** Temporary document changes in flight: undone on 'close' if an export never finishes. */
  const inFlight = new Set<Restorer>();

  /** Frames the jobs last sent to the panel were exported from: live mode watches them. */
  let watchedFrames: ReadonlySet<string> = new Set();
  const live = new LiveEdits({
    enabled: () => !closed && settings.livePreview,
    frames: () => watchedFrames,
    refresh: () => void refreshSelection(),
  });

  let chain: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(task: () => Promise<T>): Promise<T> => {
    const run = chain.then(task);
    chain = run.catch(() => undefined);
    return run;
  };

  const post = (message: PluginToUi): void => {
    if (!closed) figma.ui.postMessage(message);
  };

  /** `jobId`: the job whose apply failed, null for a problem not tied to an apply. */
  const notifyProblem = (problem: Problem, jobId: string | null): void => {
    post({ type: 'problem', problem, jobId });
    if (!closed) figma.notify(problem.message, { error: true });
  };

  const uiSize = (width: unknown, height: unknown) => ({
    width: clamp(width, UI_MIN.width, UI_MAX, UI_WIDTH),
    height: clamp(height, UI_MIN.height, UI_MAX, UI_HEIGHT),
  });

  const loaded = exclusive(async () => {
    try {
      settings = validateSettings(await figma.clientStorage.getAsync(SETTINGS_KEY));
    } catch {
      settings = { ...DEFAULT_SETTINGS };
    }
    size = settings.size;
    try {
      history = validateHistory(await figma.clientStorage.getAsync(HISTORY_KEY));
    } catch {
      history = [];
    }
    try {
      const stored = (await figma.clientStorage.getAsync(UI_SIZE_KEY)) as { width?: unknown; height?: unknown } | undefined;
      if (stored && typeof stored === 'object' && !closed) {
        const s = uiSize(stored.width, stored.height);
        figma.ui.resize(s.width, s.height);
      }
    } catch {
      // an unreadable stored size: the panel keeps its default size
    }
  });

  const remember = (jobId: string, record: JobRecord): void => {
    jobs.set(jobId, record);
    while (jobs.size > MAX_JOB_RECORDS) jobs.delete(jobs.keys().next().value as string);
  };

  async function readSelection(generation: number): Promise<void> {
    const selected = figma.currentPage.selection;
    const collector = new SceneCollector();
    for (const node of selected) collector.add(node, selected.length === 1);
    const only = selected.length === 1 ? collector.nodes.get(selected[0].id) : undefined;
    if (only?.result) {
      // a result: plan its source (and, for a composite, the layers that made the mask)
      const ids = [only.result.sourceNodeId, ...only.result.layerIds];
      for (const id of ids) {
        const node = await figma.getNodeByIdAsync(id);
        if (node && !node.removed && pageOf(node)?.id === figma.currentPage.id) collector.add(node);
      }
    }
    const plan = planSelection(
      selected.map((n) => n.id),
      collector.nodes,
      { size, multiple },
    );
    const inputs: JobInput[] = [];
    const problems = [...plan.problems];
    for (const job of plan.jobs) {
      if (closed || generation !== selectionGeneration) return;
      const jobId = `job-${++jobCounter}`;
      const restorer = new Restorer();
      inFlight.add(restorer);
      try {
        const out = await exportJob(job, jobId, restorer);
        if (isProblem(out)) {
          problems.push(out);
        } else {
          inputs.push(out);
          const guide = await figma.getNodeByIdAsync(job.guideId);
          remember(jobId, {
            sourceNodeId: job.guideId,
            pageId: guide ? (pageOf(guide)?.id ?? '') : '',
            parentId: guide?.parent?.id ?? null,
            layerIds: job.layerIds,
            width: out.width,
            height: out.height,
          });
        }
      } finally {
        restorer.run();
        inFlight.delete(restorer);
      }
    }
    // a newer selection is on its way: this one is stale
    if (closed || generation !== selectionGeneration) return;
    watchedFrames = new Set(inputs.map((j) => j.sourceNodeId));
    post({ type: 'selection', jobs: inputs, problems, rerun: plan.rerun });
  }

  const refreshSelection = (): Promise<void> => {
    const generation = ++selectionGeneration;
    return exclusive(async () => {
      if (closed || generation !== selectionGeneration) return;
      try {
        await live.own(() => readSelection(generation));
      } catch (e) {
        if (generation === selectionGeneration) {
          post({
            type: 'selection',
            jobs: [],
            problems: [{ code: 'export-failed', message: `The selection could not be read: ${e instanceof Error ? e.message : String(e)}` }],
            rerun: null,
          });
        }
      }
    });
  };

  /** Names of the settings fields `value` lacks or holds invalid values for ('settings' when it is no object). */
  const badSettingsFields = (value: unknown, valid: Settings): string[] => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['settings'];
    const src = value as Record<string, unknown>;
    return (Object.keys(valid) as (keyof Settings)[]).filter((k) => !Object.is(valid[k], src[k]));
  };

  const saveSettings = (value: unknown): Promise<void> =>
    exclusive(async () => {
      const next = validateSettings(value);
      // a malformed message must not reset what the user saved to the defaults
      const bad = badSettingsFields(value, next);
      if (bad.length) {
        notifyProblem({
          code: 'settings-failed',
          message: `The panel sent settings the plugin cannot use (${bad.join(', ')}), so the saved settings were kept as they were.`,
        }, null);
        return;
      }
      // later exports use the saved working size (the UI sends 'refresh-selection' to redo now)
      size = roundWorkingSize(next.size, multiple);
      try {
        await figma.clientStorage.setAsync(SETTINGS_KEY, next);
        settings = next;
      } catch (e) {
        notifyProblem({
          code: 'settings-failed',
          message: `Settings could not be saved (${e instanceof Error ? e.message : String(e)}); they stay as they are for this session.`,
        }, null);
        settings = next;
      }
    });

  async function handle(message: UiToPlugin): Promise<void> {
    switch (message.type) {
      case 'ready':
        await loaded;
        post({ type: 'settings', settings });
        await refreshSelection();
        return;
      case 'refresh-selection':
        size = roundWorkingSize(clamp(message.size, 1, 4096, size), clamp(message.multiple, 1, 256, multiple));
        if (message.multiple !== undefined) multiple = clamp(message.multiple, 1, 256, multiple);
        await refreshSelection();
        return;
      case 'save-settings':
        await saveSettings(message.settings);
        return;
      case 'apply': {
        const key = applyKey(message);
        // the check and the apply are one task: a second Apply queued behind the first sees it
        const outcome = await exclusive(async () => {
          const prior = key === null ? undefined : placed.get(key);
          if (prior) {
            const node = await figma.getNodeByIdAsync(prior.nodeId);
            if (node && !node.removed) return { ok: true as const, existing: true, nodeId: prior.nodeId, nodeName: prior.nodeName, placement: message.placement };
            placed.delete(key as string); // undone or deleted: Apply places it again
          }
          const out = await live.own(() => applyResult(message, jobs));
          if (out.ok && key !== null) {
            placed.set(key, { nodeId: out.nodeId, nodeName: out.nodeName });
            while (placed.size > MAX_JOB_RECORDS) placed.delete(placed.keys().next().value as string);
          }
          return out;
        });
        if (outcome.ok && 'existing' in outcome) {
          post({ type: 'applied', jobId: String(message.jobId), nodeId: outcome.nodeId, nodeName: outcome.nodeName, placement: outcome.placement, existing: true });
          return;
        }
        if (outcome.ok) {
          post({ type: 'applied', jobId: String(message.jobId), nodeId: outcome.nodeId, nodeName: outcome.nodeName, placement: outcome.placement });
          if (!closed) figma.notify(`Placed “${outcome.nodeName}”`);
        } else {
          notifyProblem(outcome.problem, String(message.jobId));
        }
        return;
      }
      case 'load-history':
        await loaded;
        post({ type: 'history', runs: history });
        return;
      case 'save-history': {
        const runs = validateHistory(message.runs);
        await exclusive(async () => {
          try {
            await figma.clientStorage.setAsync(HISTORY_KEY, runs);
            history = runs;
          } catch (e) {
            notifyProblem({
              code: 'settings-failed',
              message: `The history could not be saved (${e instanceof Error ? e.message : String(e)}); this session's results stay in the panel.`,
            }, null);
          }
        });
        return;
      }
      case 'load-pack-prefs': {
        let prefs;
        try {
          prefs = validatePackPrefs(await figma.clientStorage.getAsync(PACK_PREFS_KEY));
        } catch {
          prefs = validatePackPrefs(null);
        }
        post({ type: 'pack-prefs', prefs });
        return;
      }
      case 'save-pack-prefs': {
        const prefs = validatePackPrefs(message.prefs);
        await exclusive(async () => {
          try {
            await figma.clientStorage.setAsync(PACK_PREFS_KEY, prefs);
          } catch {
            // the prompt history is a convenience: a full clientStorage only loses it
          }
        });
        return;
      }
      case 'notify':
        if (!closed) figma.notify(String(message.message).slice(0, 500), { error: message.error === true });
        return;
      case 'resize': {
        if (closed) return;
        const s = uiSize(message.width, message.height);
        figma.ui.resize(s.width, s.height);
        if (message.persist === true) {
          await exclusive(async () => {
            try {
              await figma.clientStorage.setAsync(UI_SIZE_KEY, s);
            } catch {
              // the size is a convenience: a full clientStorage keeps the default next time
            }
          });
        }
        return;
      }
    }
  }

  figma.ui.onmessage = (message: unknown) => {
    if (closed || !isUiToPlugin(message)) return;
    handle(message).catch((e: unknown) => {
      notifyProblem({ code: 'apply-failed', message: `Something went wrong: ${e instanceof Error ? e.message : String(e)}` }, message.type === 'apply' ? String(message.jobId) : null);
    });
  };

  figma.on('selectionchange', () => {
    if (!closed) void refreshSelection();
  });

  // live mode: edits inside the selected frame (see live-edits.ts for why 'nodechange')
  const onNodeChange = (event: { nodeChanges: readonly ChangeLike[] }) => {
    if (!closed) live.onChanges(event.nodeChanges);
  };
  let watchedPage: PageNode | null = null;
  const watchPage = () => {
    watchedPage?.off('nodechange', onNodeChange);
    watchedPage = figma.currentPage;
    watchedPage.on('nodechange', onNodeChange);
  };
  watchPage();
  figma.on('currentpagechange', () => {
    if (!closed) watchPage();
  });

  figma.on('close', () => {
    live.cancel();
    watchedPage?.off('nodechange', onNodeChange);
    // Nothing is half-done: results only appear on 'apply', which is synchronous once it starts
    // changing the document. An export may be awaiting Figma, with Mask layers hidden or a
    // temporary frame on the page: undo that now, synchronously.
    closed = true;
    for (const restorer of inFlight) restorer.run();
    inFlight.clear();
  });

  // Settings and the first selection also go out unasked, in case the UI was up before 'ready'.
  void loaded.then(() => {
    post({ type: 'settings', settings });
    return refreshSelection();
  });

  return {
    idle: async () => {
      // the chain may grow while we wait (selectionchange after apply): wait until it settles
      for (;;) {
        const current = chain;
        await current;
        await new Promise((r) => setTimeout(r, 0));
        if (live.pending()) {
          await new Promise((r) => setTimeout(r, LIVE_EDIT_THROTTLE_MS / 4));
          continue;
        }
        if (current === chain) return;
      }
    },
  };
}
