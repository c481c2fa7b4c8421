// The Experiments slice with fake workers (their real counterparts run in e2e/experiments.spec.ts): what it stores,
// what a cancel keeps, and that a resumed grid runs the rest with its own settings whatever the page says now.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { create } from 'zustand';
import { readFileSync } from 'node:fs';
import { DEFAULT_SETTINGS } from '../lib/settings';
import { verify } from '../lib/task/builtin';
import type { ExperimentCellRequest, SampleRequest } from '../protocol';

const disk = new Map<string, unknown>();
vi.mock('./session-storage', () => ({
  storedValue: async (k: string) => structuredClone(disk.get(k)),
  storeValue: async (k: string, v: unknown) => void disk.set(k, structuredClone(v)),
  deleteValue: async (k: string) => void disk.delete(k),
}));
const testPrompts = readFileSync('public/builtin/test.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l).prompt as string);
vi.mock('../lib/task/served', () => ({ builtinTestPrompts: async () => testPrompts }));

/** What the fake LM worker was asked, and a hook that cancels the grid at a chosen call. */
const calls = { sample: [] as SampleRequest[], cells: [] as ExperimentCellRequest[], cancelAtCell: -1 };
let onCellCall: (() => void) | null = null;
const cancellable = <T,>(work: () => T) => {
  let cancelled = false;
  return {
    promise: Promise.resolve().then(() => {
      if (cancelled) throw Object.assign(new Error('cancelled'), { name: 'CancelledError' });
      return work();
    }),
    cancel: () => void (cancelled = true),
  };
};
vi.mock('./workers', () => ({
  lmClient: () => ({
    call: (kind: string, payload: SampleRequest & ExperimentCellRequest) => {
      if (kind === 'sample') {
        calls.sample.push(payload);
        // Sample j of a prompt says "wrong (j mod 12)": the verifier judges it (right when the answer is that number).
        return cancellable(() => ({ samples: payload.prompts.flatMap((_, p) => Array.from({ length: payload.samplesPerPrompt }, (_, j) => ({ promptIndex: p, sampleIndex: j, text: `wrong ${j % 12}`, tokens: [1], logprob: 0, finish: 'eos' }))), skipped: [], truncated: [] }));
      }
      calls.cells.push(payload);
      const c = cancellable(() => ({ accuracy: payload.records.length / 1000, steps: payload.records.length ? 2 : 0, finalLoss: 0.6, finalMargin: 0.1, seconds: { train: 1, evaluate: 1 } }));
      if (calls.cells.length - 1 === calls.cancelAtCell) onCellCall?.();
      return c;
    },
  }),
  embedClient: () => ({
    // Unit vectors: a text's similarity to the target falls with the number in it, so the filter has an order.
    call: (_kind: string, payload: { texts: string[] }) => cancellable(() => {
      const vectors = new Float32Array(payload.texts.length * 2);
      payload.texts.forEach((t, i) => {
        const angle = /wrong (\d+)/.test(t) ? 0.1 * (1 + Number(/wrong (\d+)/.exec(t)![1])) : 0;
        vectors.set([Math.cos(angle), Math.sin(angle)], 2 * i);
      });
      return { vectors, dimensions: 2, computed: payload.texts.length };
    }),
  }),
}));

const { createExperimentSlice } = await import('./experiment-slice');
const pool = readFileSync('public/builtin/pool.jsonl', 'utf8').trim().split('\n').slice(0, 40).map((l) => JSON.parse(l) as { prompt: string; completion: string });

function lab() {
  const NONE = { webgpu: null, wasm: null };
  // The slices the Experiments step reads, as plain state: the loaded built-in pool, a loaded model, measured backends.
  return create<ReturnType<typeof createExperimentSlice> & Record<string, unknown>>()((set, get, api) => ({
    settings: { ...DEFAULT_SETTINGS, gridMethods: 'sft,self-contrast', gridMs: '1,2', gridPrompts: 24, gridEvalPrompts: 5, promptsPerStep: 4 },
    data: { rows: pool.map((r) => ({ prompt: r.prompt, target: r.completion })) },
    lm: { info: { loraTargets: [], contextLength: 256 } },
    backend: { timings: { sample: NONE, embed: NONE, train: NONE }, report: null },
    setSettings: (patch: object) => set((s) => ({ settings: { ...(s.settings as object), ...patch } })),
    ...createExperimentSlice(set as never, get as never, api as never),
  }));
}

describe('experiment slice', () => {
  beforeEach(() => {
    disk.clear();
    calls.sample = [];
    calls.cells = [];
    calls.cancelAtCell = -1;
    onCellCall = null;
  });

  it('runs the grid, samples the pool once in chunks that keep each prompt its streams, and stores every cell', async () => {
    const store = lab();
    await store.getState().startGrid();
    const run = store.getState().experiment.run!;
    expect(run.status).toBe('done');
    expect(run.results.map((r) => `${r.cell.method}/${r.cell.m}`)).toEqual(['sft/0', 'self-contrast/1', 'self-contrast/2']);
    expect(calls.sample.map((s) => s.promptIndices)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15], [16, 17, 18, 19, 20, 21, 22, 23]]);
    expect(calls.sample.every((s) => s.samplesPerPrompt === 32 && s.temperature === 1 && s.seed === DEFAULT_SETTINGS.seed)).toBe(true);
    // Each cell's config is the grid's settings with the cell's M and seed; SFT only evaluates.
    expect(calls.cells.map((c) => [c.records.length > 0, c.config.negatives_per_prompt, c.evalPrompts.length, c.sampledSamplesPerPrompt])).toEqual([[false, 1, 5, 0], [true, 1, 5, 0], [true, 2, 5, 0]]);
    expect(disk.get('experiment')).toEqual(run);
    expect(Object.keys(run.finishedAt)).toHaveLength(3);
    const wrong = pool.slice(0, 24).reduce((n, r) => n + Array.from({ length: 32 }, (_, j) => verify(r.prompt, `wrong ${j % 12}`) !== true).filter(Boolean).length, 0);
    expect(run.labelling).toEqual({ samples: 24 * 32, wrong });
  });

  it('a cancel keeps the finished cells; a resume after a reload runs the rest with the grid\'s own settings', async () => {
    const store = lab();
    calls.cancelAtCell = 2;
    onCellCall = () => store.getState().cancelGrid();
    await store.getState().startGrid();
    const paused = store.getState().experiment.run!;
    expect(paused.status).toBe('paused');
    expect(paused.results).toHaveLength(2);

    // A new page: the stored grid comes back paused; the settings changed meanwhile change nothing about it.
    const reloaded = lab();
    (reloaded.getState().setSettings as (p: object) => void)({ gridMs: '8', lr: 1e-3, maxNewTokens: 7 });
    await reloaded.getState().restoreGrid();
    expect(reloaded.getState().experiment.run!.status).toBe('paused');
    const before = calls.cells.length;
    const sampledBefore = calls.sample.length;
    await reloaded.getState().resumeGrid();
    const done = reloaded.getState().experiment.run!;
    expect(done.status).toBe('done');
    expect(done.results.slice(0, 2)).toEqual(paused.results);
    expect(done.finishedAt['sft/seed1']).toBe(paused.finishedAt['sft/seed1']);
    // Only the unfinished cell ran, on the stored pool (no new sampling), with the grid's M, lr and token budget.
    expect(calls.cells.slice(before).map((c) => [c.config.negatives_per_prompt, c.config.learning_rate, c.maxNewTokens])).toEqual([[2, DEFAULT_SETTINGS.lr, DEFAULT_SETTINGS.maxNewTokens]]);
    expect(calls.sample.length).toBe(sampledBefore);
  });

  it("the authors' T = 1 evaluation: each cell is asked for the grid's samples per test prompt, a run stored without the setting for none", async () => {
    const store = lab();
    store.setState({ settings: { ...(store.getState().settings as object), gridEvalSampled: 3 } } as never);
    await store.getState().startGrid();
    expect(calls.cells.map((c) => c.sampledSamplesPerPrompt)).toEqual([3, 3, 3]);
    expect(store.getState().experiment.run!.settings.gridEvalSampled).toBe(3);

    // A grid stored before the setting existed resumes greedy only, as it ran.
    calls.cells = [];
    calls.cancelAtCell = 1;
    onCellCall = () => store.getState().cancelGrid();
    store.setState({ settings: { ...(store.getState().settings as object), gridEvalSampled: 0 } } as never);
    await store.getState().startGrid();
    const paused = store.getState().experiment.run!;
    const older: Partial<typeof paused.settings> = { ...paused.settings };
    delete older.gridEvalSampled;
    disk.set('experiment', { ...paused, settings: older });
    const reloaded = lab();
    (reloaded.getState().setSettings as (p: object) => void)({ gridEvalSampled: 5 });
    await reloaded.getState().restoreGrid();
    onCellCall = null;
    const before = calls.cells.length;
    await reloaded.getState().resumeGrid();
    expect(reloaded.getState().experiment.run!.status).toBe('done');
    expect(calls.cells.slice(before).map((c) => c.sampledSamplesPerPrompt)).toEqual([0, 0]);
  });

  it('on data without a verifier: Self-Contrast cells only, scored by reward accuracy on held-out pairs from the prompts after the pool', async () => {
    const store = lab();
    const own = Array.from({ length: 40 }, (_, i) => ({ prompt: `Write one line about topic ${i}.`, target: `A line about topic ${i}.` }));
    store.setState({ data: { rows: own }, settings: { ...(store.getState().settings as object), gridMethods: 'sft,dpo-std,self-contrast', gridPrompts: 20, gridEvalPrompts: 8 } } as never);
    await store.getState().startGrid();
    const run = store.getState().experiment.run!;
    expect(run.status).toBe('done');
    expect(run.metric).toBe('reward');
    expect(run.results.map((r) => `${r.cell.method}/${r.cell.m}`)).toEqual(['self-contrast/1', 'self-contrast/2']);
    // Pool and held-out prompts sampled together, each with its own index; the held-out pairs are the prompts after the pool.
    expect(calls.sample.flatMap((x) => x.promptIndices)).toEqual(Array.from({ length: 28 }, (_, i) => i));
    for (const c of calls.cells) {
      expect(c.evalPrompts).toEqual([]);
      expect(c.sampledSamplesPerPrompt).toBe(0);
      expect(c.heldOut.length).toBeGreaterThan(0);
      expect(c.heldOut.every((r) => own.slice(20).some((o) => o.prompt === r.prompt && o.target === r.chosen) && r.rejected.length === 1)).toBe(true);
      expect(c.records.every((r) => own.slice(0, 20).some((o) => o.prompt === r.prompt))).toBe(true);
    }
    expect(run.results.every((r) => Number.isNaN(r.dataAccuracy))).toBe(true);
    expect(run.labelling).toBeNull();
  });

  it('does not start without enough prompts, and says why', async () => {
    const store = lab();
    store.setState({ data: { rows: [] } } as never);
    await store.getState().startGrid();
    expect(store.getState().experiment.startError).toMatch(/load data first/);
    store.setState({ data: { rows: pool.slice(0, 10).map((r) => ({ prompt: r.prompt, target: r.completion })) } } as never);
    await store.getState().startGrid();
    expect(store.getState().experiment.startError).toBe('the grid asks for 24 pool prompts; the data has 10');
    // Without a verifier the held-out prompts come after the pool: 24 + 5 are needed.
    store.setState({ data: { rows: Array.from({ length: 26 }, (_, i) => ({ prompt: `p${i}`, target: `t${i}` })) } } as never);
    await store.getState().startGrid();
    expect(store.getState().experiment.startError).toBe('the grid asks for 24 pool prompts and 5 held-out prompts after them; the data has 26');
    expect(store.getState().experiment.run).toBeNull();
  });
});
