// The model slice with fake workers (the real loads run in e2e/hub.spec.ts and every flow spec): what a load asks
// of the worker, that each load is followed by timing its stage, that the settings name the loaded model (so a link
// reproduces it), that a reload repeats the last source, and that a failed load names the error and keeps the model.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { create } from 'zustand';
import { calls, replies, resetFakeWorkers } from './fake-workers.testutil';
import { DEFAULT_SETTINGS, SHIPPED_EMBEDDER, SHIPPED_LM, type LabSettings } from '../lib/settings';
import type { EmbedderInfo, LmInfo } from '../protocol';

vi.mock('./workers', async () => (await import('./fake-workers.testutil')).fakeWorkersModule);

const { createModelSlice, DEFAULT_EMBEDDER } = await import('./model-slice');
const { createBackendSlice } = await import('./backend-slice');
type Lab = ReturnType<typeof createModelSlice> & ReturnType<typeof createBackendSlice> & { settings: LabSettings; setSettings: (p: Partial<LabSettings>) => void };

const lab = () => create<Lab>()((set, get, api) => ({
  ...createBackendSlice(set as never, get as never, api as never),
  ...createModelSlice(set as never, get as never, api as never),
  settings: { ...DEFAULT_SETTINGS },
  setSettings: (patch) => set((s) => ({ settings: { ...s.settings, ...patch } })),
}));

const lmInfo = (source: string): LmInfo => ({ source, modelType: 'llama', parameters: 1, vocabSize: 2, layers: 1, hiddenSize: 4, contextLength: 256, hasChatTemplate: false, loraTargets: ['q_proj'] });
const embedderInfo = (source: string, backend: EmbedderInfo['backend']): EmbedderInfo => ({ source, backend, dimensions: 8, pooling: 'mean', poolingSource: 'model' });
const timing = { webgpu: null, wasm: { ok: true, perSecond: 1, unit: 'x' } };
const kinds = () => calls.map((c) => `${c.worker} ${c.kind}`);

beforeEach(() => {
  resetFakeWorkers();
  replies['lm time-backends'] = async () => timing;
  replies['embed time-backends'] = async () => timing;
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('model slice', () => {
  it('loads the shipped LM by default, shows the download, names it in the settings, then times sampling and forgets the training timing', async () => {
    const store = lab();
    store.setState((s) => ({ settings: { ...s.settings, lm: 'someone/else' }, backend: { ...s.backend, trainTimedFor: 'an old shape' } }));
    replies['lm load-lm'] = async (_p, onProgress) => {
      onProgress({ file: 'model.safetensors', loaded: 5, total: 10 });
      expect(store.getState().lm).toMatchObject({ status: 'loading', progress: { file: 'model.safetensors', loaded: 5, total: 10 } });
      return lmInfo('shipped');
    };
    const info = await store.getState().loadLm();
    expect(info).toEqual(lmInfo('shipped'));
    expect(calls[0]!.payload).toEqual({ kind: 'url', baseUrl: SHIPPED_LM });
    expect(kinds()).toEqual(['lm load-lm', 'lm time-backends']);
    expect(store.getState().lm).toEqual({ status: 'ready', info: lmInfo('shipped'), progress: null, error: null });
    expect(store.getState().settings.lm).toBe(SHIPPED_LM);
    expect(store.getState().backend.trainTimedFor).toBeNull();
  });

  it('a Hub model is named by its id in the settings, and a reload loads it again, not the default', async () => {
    const store = lab();
    replies['lm load-lm'] = async (p) => lmInfo(String(p.id));
    await store.getState().loadLm({ kind: 'hub', id: ' org/tiny-lm ', host: 'http://127.0.0.1:4180' });
    expect(store.getState().settings.lm).toBe('org/tiny-lm');
    calls.length = 0;
    await store.getState().reloadLm();
    expect(calls[0]).toEqual({ worker: 'lm', kind: 'load-lm', payload: { kind: 'hub', id: ' org/tiny-lm ', host: 'http://127.0.0.1:4180' } });
  });

  it('dropped files are named as files in the settings', async () => {
    const store = lab();
    replies['lm load-lm'] = async () => lmInfo('my-model');
    await store.getState().loadLm({ kind: 'files', files: [] });
    expect(store.getState().settings.lm).toBe('files:my-model');
  });

  it('a failed load names the error and keeps the loaded model and the settings as they were', async () => {
    const store = lab();
    replies['lm load-lm'] = async () => lmInfo('shipped');
    await store.getState().loadLm();
    replies['lm load-lm'] = () => Promise.reject(new Error('config.json: model_type "mamba" is not supported'));
    calls.length = 0;
    expect(await store.getState().loadLm({ kind: 'hub', id: 'org/mamba', host: 'h' })).toBeNull();
    expect(store.getState().lm).toEqual({ status: 'failed', info: lmInfo('shipped'), progress: null, error: 'config.json: model_type "mamba" is not supported' });
    expect(store.getState().settings.lm).toBe(SHIPPED_LM);
    expect(kinds()).toEqual(['lm load-lm']);
  });

  it("loads the shipped encoder with the pooling setting, then times embedding; a reload uses today's backend decision and the last source", async () => {
    const store = lab();
    store.setState((s) => ({ settings: { ...s.settings, embedPooling: 'cls' } }));
    replies['embed load-embedder'] = async (p) => embedderInfo('shipped', p.backend as EmbedderInfo['backend']);
    await store.getState().loadEmbedder('webgpu');
    expect(calls[0]!.payload).toEqual({ source: { kind: 'local', ...DEFAULT_EMBEDDER }, backend: 'webgpu', pooling: 'cls' });
    expect(kinds()).toEqual(['embed load-embedder', 'embed time-backends']);
    expect(store.getState().settings.embedder).toBe(SHIPPED_EMBEDDER);
    expect(`${DEFAULT_EMBEDDER.localModelPath}${DEFAULT_EMBEDDER.modelId}`).toBe(SHIPPED_EMBEDDER);

    // The timing above measured WASM only: auto decides WASM, and the reload follows it.
    calls.length = 0;
    store.setState((s) => ({ backend: { ...s.backend, report: { adapter: { available: false, fallback: false, description: 'none' } } as never } }));
    await store.getState().reloadEmbedder();
    expect(calls[0]!.payload).toMatchObject({ source: { kind: 'local', ...DEFAULT_EMBEDDER }, backend: 'wasm' });

    replies['embed load-embedder'] = async () => embedderInfo('org/e5', 'wasm');
    await store.getState().loadEmbedder('wasm', { kind: 'hub', id: 'org/e5', host: 'h' });
    expect(store.getState().settings.embedder).toBe('org/e5');
    calls.length = 0;
    await store.getState().reloadEmbedder();
    expect(calls[0]!.payload).toMatchObject({ source: { kind: 'hub', id: 'org/e5' } });

    replies['embed load-embedder'] = () => Promise.reject(new Error('no tokenizer.json'));
    expect(await store.getState().reloadEmbedder()).toBeNull();
    expect(store.getState().embedder).toMatchObject({ status: 'failed', info: embedderInfo('org/e5', 'wasm'), error: 'no tokenizer.json' });
  });

  it("plans a Hub model before its weights download, and names a plan's failure", async () => {
    const store = lab();
    replies['lm hub-plan'] = async (p) => ({ id: p.id, files: [] });
    expect(await store.getState().planHub('org/tiny-lm', 'h')).toEqual({ id: 'org/tiny-lm', files: [] });
    expect(store.getState().hub).toEqual({ id: 'org/tiny-lm', status: 'ready', plan: { id: 'org/tiny-lm', files: [] }, error: null });
    replies['lm hub-plan'] = () => Promise.reject(new Error('org/missing: 404 Not Found'));
    expect(await store.getState().planHub('org/missing', 'h')).toBeNull();
    expect(store.getState().hub).toEqual({ id: 'org/missing', status: 'failed', plan: null, error: 'org/missing: 404 Not Found' });
  });

  it('clears both download stores, and a store never written is not an error', async () => {
    const store = lab();
    const removed: string[] = [];
    const deleted: string[] = [];
    const notFound = new DOMException('A requested file or directory could not be found.', 'NotFoundError');
    vi.stubGlobal('navigator', { storage: { getDirectory: async () => ({ removeEntry: async (name: string) => { removed.push(name); throw notFound; } }) } });
    vi.stubGlobal('caches', { delete: async (name: string) => deleted.push(name) > 0 });
    store.setState({ hub: { id: 'org/tiny-lm', status: 'ready', plan: null, error: null } });
    await store.getState().clearDownloads();
    expect(removed).toEqual(['hub-v1']);
    expect(deleted).toEqual(['transformers-cache']);
    expect(store.getState().hub).toEqual({ id: '', status: 'idle', plan: null, error: null });
  });
});
