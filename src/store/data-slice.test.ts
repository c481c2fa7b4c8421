// The data slice with fake workers (the real ones run in e2e): an import that fails keeps what the session had;
// sampling goes in chunks that name their prompts, keeps finished chunks on cancel and on failure, and says what a
// WebGPU failure keeps; settings go through the table; scoring feeds the filter.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { create } from 'zustand';
import type { SampleRequest } from '../protocol';

const lm = { sample: [] as SampleRequest[], failAt: -1, failWith: '', cancelAt: -1 };
/** Set once the chunk to cancel is running. */
let cancelNow: (() => void) | null = null;
const reply = <T,>(work: () => T, fail?: Error) => {
  let cancelled = false;
  return {
    promise: Promise.resolve().then(() => {
      if (fail) throw fail;
      if (cancelled) throw Object.assign(new Error('cancelled'), { name: 'CancelledError' });
      return work();
    }),
    cancel: () => void (cancelled = true),
  };
};
const importResult = { current: null as unknown, error: null as Error | null };
vi.mock('./workers', () => ({
  importClient: () => ({ call: () => reply(() => importResult.current, importResult.error ?? undefined) }),
  lmClient: () => ({
    call: (kind: string, payload: SampleRequest) => {
      if (kind !== 'sample') return reply(() => ({ lengths: [], contextLength: 512 }));
      lm.sample.push(payload);
      const n = lm.sample.length - 1;
      // The chunk to cancel runs until the page cancels it, as a long request does.
      if (n === lm.cancelAt) {
        let cancel = () => {};
        const promise = new Promise<never>((_, reject) => (cancel = () => reject(Object.assign(new Error('cancelled'), { name: 'CancelledError' }))));
        cancelNow = () => cancel();
        return { promise, cancel: () => cancel() };
      }
      const c = reply(() => ({ samples: payload.prompts.flatMap((_, p) => Array.from({ length: payload.samplesPerPrompt }, (_, j) => ({ promptIndex: p, sampleIndex: j, text: `s${payload.promptIndices![p]}.${j % 3}`, tokens: [1, 2], logprob: 0, finish: 'eos' }))), skipped: [], truncated: [], backend: payload.backend, tokensPerSecond: 1 }), n === lm.failAt ? new Error(lm.failWith) : undefined);
      return c;
    },
  }),
  // Each text's vector: its last digit's angle, so samples ending in different digits differ in similarity.
  embedClient: () => ({
    call: (_k: string, payload: { texts: string[] }) => reply(() => {
      const vectors = new Float32Array(payload.texts.length * 2);
      payload.texts.forEach((t, i) => {
        const a = /\.(\d)$/.test(t) ? 0.2 * (1 + Number(t.at(-1))) : 0;
        vectors.set([Math.cos(a), Math.sin(a)], 2 * i);
      });
      return { vectors, dimensions: 2, computed: payload.texts.length };
    }),
  }),
  restartWorker: () => {},
}));

const { createDataSlice } = await import('./data-slice');
type Data = ReturnType<typeof createDataSlice>;

const rows = Array.from({ length: 20 }, (_, i) => ({ prompt: `prompt ${i}`, target: `target ${i}` }));
const summary = (n: number) => ({ rows: rows.slice(0, n), errors: [], duplicatePrompts: 0, format: 'prompt-completion' });

function lab() {
  return create<Data>()((set, get, api) => ({
    ...createDataSlice(set as never, get as never, api as never),
    reloadLm: async () => null,
    reloadEmbedder: async () => null,
  }) as Data);
}

describe('data slice', () => {
  beforeEach(() => {
    lm.sample = [];
    lm.failAt = -1;
    lm.cancelAt = -1;
    cancelNow = null;
    importResult.error = null;
  });

  it('an import that fails keeps the rows already there, and says why', async () => {
    const store = lab();
    importResult.current = summary(20);
    await store.getState().importFile(new File(['x'], 'a.jsonl'));
    expect(store.getState().data.rows).toHaveLength(20);
    importResult.error = new Error('line 3, prompt: missing');
    await store.getState().importFile(new File(['y'], 'b.jsonl'));
    expect(store.getState().data).toMatchObject({ status: 'ready', importError: 'line 3, prompt: missing' });
    expect(store.getState().data.rows).toHaveLength(20);
  });

  it('samples in chunks of 8 that name their prompts, with the settings of the table', async () => {
    const store = lab();
    importResult.current = summary(20);
    await store.getState().importFile(new File(['x'], 'a.jsonl'));
    expect(store.getState().setSettings({ samplesPerPrompt: 4, stop: '["\\\\n"]', m: 0 } as never)).toEqual(['m=0']);
    await store.getState().sampleDataset('wasm');
    expect(lm.sample.map((r) => r.promptIndices)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15], [16, 17, 18, 19]]);
    expect(lm.sample.every((r) => r.samplesPerPrompt === 4 && r.stop.length === 1 && r.stop[0] === '\\n')).toBe(true);
    expect(store.getState().data.samples[19]).toEqual(['s19.0', 's19.1', 's19.2', 's19.0']);
    expect(store.getState().data.sampling.running).toBe(false);
  });

  it('a cancel keeps the finished chunks; the next run samples only the rest', async () => {
    const store = lab();
    importResult.current = summary(20);
    await store.getState().importFile(new File(['x'], 'a.jsonl'));
    lm.cancelAt = 1;
    const run = store.getState().sampleDataset('wasm');
    await vi.waitFor(() => expect(cancelNow).not.toBeNull());
    store.getState().cancelDatasetSampling();
    await run;
    const s = store.getState().data;
    expect(s.samples.filter(Boolean)).toHaveLength(8);
    expect(s.sampling).toMatchObject({ running: false, error: null });
    await store.getState().sampleDataset('wasm');
    expect(lm.sample.slice(2).map((r) => r.promptIndices)).toEqual([[8, 9, 10, 11, 12, 13, 14, 15], [16, 17, 18, 19]]);
    expect(store.getState().data.samples.every(Boolean)).toBe(true);
  });

  it('a WebGPU failure mid-run says what is kept and offers WASM; a WASM failure says only what failed', async () => {
    const store = lab();
    importResult.current = summary(20);
    await store.getState().importFile(new File(['x'], 'a.jsonl'));
    lm.failAt = 1;
    lm.failWith = 'device lost';
    await store.getState().sampleDataset('webgpu');
    expect(store.getState().data.sampling).toMatchObject({ failedOn: 'webgpu', error: 'The WebGPU device was lost (device lost); 8 of 20 prompts sampled before it are kept.' });
    lm.failAt = 2;
    lm.failWith = 'out of range';
    await store.getState().sampleDataset('wasm');
    expect(store.getState().data.sampling).toMatchObject({ failedOn: 'wasm', error: 'out of range' });
  });

  it('scores the samples, then a% and M re-select without re-embedding', async () => {
    const store = lab();
    importResult.current = summary(12);
    await store.getState().importFile(new File(['x'], 'a.jsonl'));
    store.getState().setSettings({ samplesPerPrompt: 6, a: 100, m: 1 });
    await store.getState().sampleDataset('wasm');
    await store.getState().scoreSamples('wasm');
    const first = store.getState().data;
    expect(first.scored!.rowIndex).toHaveLength(12);
    expect(first.filter!.negatives.length).toBe(12);
    store.getState().setSettings({ m: 2 });
    const second = store.getState().data;
    expect(second.scored).toBe(first.scored);
    expect(second.filter!.negatives.length).toBe(24);
  });
});
