import type { StateCreator } from 'zustand';
import type { Backend, EmbedderInfo, EmbedderSource, HubPlan, LmInfo, LmSource } from '../protocol';
import { embedClient, lmClient } from './workers';
import { stageDecision, type BackendSlice } from './backend-slice';
import { SHIPPED_EMBEDDER, SHIPPED_LM, type LabSettings } from '../lib/settings';
import { HUB_CACHE_ROOT } from '../lib/model/hub';

/** transformers.js' view of SHIPPED_EMBEDDER: the folder above it, and its name. */
export const DEFAULT_EMBEDDER = { localModelPath: SHIPPED_EMBEDDER.slice(0, SHIPPED_EMBEDDER.lastIndexOf('/') + 1), modelId: SHIPPED_EMBEDDER.slice(SHIPPED_EMBEDDER.lastIndexOf('/') + 1) };

type Loading = { file: string; loaded: number; total: number | null } | null;

export interface ModelSlice {
  lm: {
    status: 'idle' | 'loading' | 'ready' | 'failed';
    info: LmInfo | null;
    progress: Loading;
    error: string | null;
  };
  /** The shipped default when no source is given. */
  loadLm: (source?: LmSource) => Promise<LmInfo | null>;
  /** Sizes, cache state and memory estimate of a Hub model, before its weights download. */
  hub: { id: string; status: 'idle' | 'checking' | 'ready' | 'failed'; plan: HubPlan | null; error: string | null };
  planHub: (id: string, host: string) => Promise<HubPlan | null>;
  embedder: {
    status: 'idle' | 'loading' | 'ready' | 'failed';
    info: EmbedderInfo | null;
    progress: Loading;
    error: string | null;
  };
  /** The shipped default unless a source is given. */
  loadEmbedder: (backend: Backend, source?: EmbedderSource) => Promise<EmbedderInfo | null>;
  /** Loads the current encoder again (after a pooling change, or in a fresh worker). */
  reloadEmbedder: () => Promise<EmbedderInfo | null>;
  /** Loads the current LM again (in a fresh worker). */
  reloadLm: () => Promise<LmInfo | null>;
  /**
   * Forgets every downloaded model: LMs in the origin-private file system (hub-v1/), encoders in
   * transformers.js' Cache API store. One place to clear both; the loaded models stay loaded.
   */
  clearDownloads: () => Promise<void>;
}

/** transformers.js' Cache API store (its env.cacheKey default), where downloaded encoders live. */
const TRANSFORMERS_CACHE = 'transformers-cache';

let embedderSource: EmbedderSource = { kind: 'local', ...DEFAULT_EMBEDDER };
let lmSource: LmSource = { kind: 'url', baseUrl: SHIPPED_LM };

/** Each model load is followed by timing its stage on every backend: the measurement picks the backend. */
export const createModelSlice: StateCreator<ModelSlice & BackendSlice & { settings: LabSettings; setSettings: (patch: Partial<LabSettings>) => void }, [], [], ModelSlice> = (set, get) => ({
  lm: { status: 'idle', info: null, progress: null, error: null },
  reloadLm: () => get().loadLm(lmSource),
  clearDownloads: async () => {
    const root = await navigator.storage.getDirectory();
    await root.removeEntry(HUB_CACHE_ROOT, { recursive: true }).catch((e: unknown) => {
      if (!(e instanceof DOMException && e.name === 'NotFoundError')) throw e;
    });
    if ('caches' in globalThis) await caches.delete(TRANSFORMERS_CACHE);
    set({ hub: { id: '', status: 'idle', plan: null, error: null } });
  },
  loadLm: async (source = { kind: 'url', baseUrl: SHIPPED_LM }) => {
    lmSource = source;
    set((s) => ({ lm: { ...s.lm, status: 'loading', progress: null, error: null } }));
    try {
      const info = await lmClient().call('load-lm', source, (progress) => set((s) => ({ lm: { ...s.lm, progress } }))).promise;
      set({ lm: { status: 'ready', info, progress: null, error: null } });
      // The settings name the model, so a link reproduces it (dropped files are named, not carried).
      get().setSettings({ lm: source.kind === 'hub' ? source.id.trim() : source.kind === 'files' ? `files:${info.source}` : SHIPPED_LM });
      get().forgetTimings('train');
      await get().measureStage('sample');
      return info;
    } catch (e) {
      // A failed load leaves the previous model in place in the worker; say what happened.
      set((s) => ({ lm: { ...s.lm, status: 'failed', progress: null, error: e instanceof Error ? e.message : String(e) } }));
      return null;
    }
  },
  hub: { id: '', status: 'idle', plan: null, error: null },
  planHub: async (id, host) => {
    set({ hub: { id, status: 'checking', plan: null, error: null } });
    try {
      const plan = await lmClient().call('hub-plan', { id, host }).promise;
      set({ hub: { id, status: 'ready', plan, error: null } });
      return plan;
    } catch (e) {
      set({ hub: { id, status: 'failed', plan: null, error: e instanceof Error ? e.message : String(e) } });
      return null;
    }
  },
  embedder: { status: 'idle', info: null, progress: null, error: null },
  reloadEmbedder: () => get().loadEmbedder(stageDecision(get(), 'embed').backend, embedderSource),
  loadEmbedder: async (backend, source = { kind: 'local', ...DEFAULT_EMBEDDER }) => {
    embedderSource = source;
    set((s) => ({ embedder: { ...s.embedder, status: 'loading', progress: null, error: null } }));
    try {
      const info = await embedClient().call('load-embedder', { source, backend, pooling: get().settings.embedPooling }, (progress) => set((s) => ({ embedder: { ...s.embedder, progress } }))).promise;
      set({ embedder: { status: 'ready', info, progress: null, error: null } });
      get().setSettings({ embedder: source.kind === 'hub' ? source.id.trim() : source.kind === 'files' ? `files:${info.source}` : SHIPPED_EMBEDDER });
      await get().measureStage('embed');
      return info;
    } catch (e) {
      set((s) => ({ embedder: { ...s.embedder, status: 'failed', progress: null, error: e instanceof Error ? e.message : String(e) } }));
      return null;
    }
  },
});
