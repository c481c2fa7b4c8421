// The training slice with fake workers over the real data slice (the real worker runs in e2e/dpo.spec.ts): a run is
// fixed when it starts — its data, config and checkpoint interval — and a resume after the settings changed sends
// exactly those; Pause keeps the run resumable, Stop and discard ends it and deletes its checkpoint.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { create } from 'zustand';
import type { CheckpointSummary, SampleRequest, TrainDpoRequest } from '../protocol';

const worker = { train: [] as TrainDpoRequest[], evaluate: [] as (string | null)[], deleted: [] as string[], checkpoints: [] as CheckpointSummary[], pauseAfter: Infinity };
const cancelled = () => Object.assign(new Error('cancelled'), { name: 'CancelledError' });
const done = <T,>(v: T) => ({ promise: Promise.resolve(v), cancel: () => {} });
vi.mock('./workers', () => ({
  importClient: () => ({ call: () => done({ rows: Array.from({ length: 12 }, (_, i) => ({ prompt: `prompt ${i}`, target: `target ${i}` })), errors: [], duplicatePrompts: 0, format: 'prompt-completion' }) }),
  embedClient: () => ({
    call: (_k: string, p: { texts: string[] }) => done((() => {
      const vectors = new Float32Array(p.texts.length * 2);
      p.texts.forEach((t, i) => {
        const a = /\.(\d)$/.test(t) ? 0.2 * (1 + Number(t.at(-1))) : 0;
        vectors.set([Math.cos(a), Math.sin(a)], 2 * i);
      });
      return { vectors, dimensions: 2, computed: p.texts.length };
    })()),
  }),
  lmClient: () => ({
    call: (kind: string, payload: never, onProgress?: (p: unknown) => void) => {
      if (kind === 'sample') {
        const r = payload as SampleRequest;
        return done({ samples: r.prompts.flatMap((_, p) => Array.from({ length: r.samplesPerPrompt }, (_, j) => ({ promptIndex: p, sampleIndex: j, text: `s${r.promptIndices![p]}.${j % 4}`, tokens: [1], logprob: 0, finish: 'eos' }))), skipped: [], truncated: [], backend: r.backend, tokensPerSecond: 1 });
      }
      if (kind === 'evaluate') {
        const r = payload as { runId: string | null };
        worker.evaluate.push(r.runId);
        return done({ runId: r.runId, greedy: null, sampled: null, taskPrompts: 0, rewardAccuracy: 0.5, rewardMargin: 0.1, pairs: 3 });
      }
      if (kind === 'list-checkpoints') return done(worker.checkpoints);
      if (kind === 'delete-checkpoint') {
        const r = payload as { runId: string };
        worker.deleted.push(r.runId);
        worker.checkpoints = worker.checkpoints.filter((c) => c.runId !== r.runId);
        return done({ deleted: true });
      }
      if (kind === 'train-dpo') {
        // Steps until done, or until the page cancels after `pauseAfter` steps; each step is a checkpoint here.
        const r = payload as TrainDpoRequest;
        worker.train.push(r);
        let stop = false;
        const total = 6;
        const promise = (async () => {
          for (let step = (r.resume ? worker.checkpoints.find((c) => c.runId === r.runId)?.step ?? 0 : 0) + 1; step <= total; step++) {
            await new Promise((res) => setTimeout(res, 1));
            if (stop) throw cancelled();
            worker.checkpoints = [...worker.checkpoints.filter((c) => c.runId !== r.runId), { runId: r.runId, label: r.label, step, totalSteps: total, config: r.config, history: [], bytes: 1, savedAt: step }];
            onProgress?.({ stage: 'step', log: { step, loss: 0.69 }, totalSteps: total });
            if (step >= worker.pauseAfter) await new Promise((res) => setTimeout(res, 50));
          }
          return { runId: r.runId, stepsDone: total, totalSteps: total, history: [], prompts: r.records.length };
        })();
        return { promise, cancel: () => void (stop = true) };
      }
      return done(null);
    },
  }),
  restartWorker: () => {},
}));

const { createDataSlice } = await import('./data-slice');
const { createTrainingSlice } = await import('./training-slice');
type Lab = ReturnType<typeof createDataSlice> & ReturnType<typeof createTrainingSlice>;

async function labWithPairs() {
  const store = create<Lab>()((set, get, api) => ({
    ...createDataSlice(set as never, get as never, api as never),
    ...createTrainingSlice(set as never, get as never, api as never),
    lm: { status: 'ready', info: { loraTargets: ['q_proj', 'v_proj'], contextLength: 256 }, progress: null, error: null },
    reloadLm: async () => null,
    reloadEmbedder: async () => null,
  }) as Lab);
  await store.getState().importFile(new File(['x'], 'own.jsonl'));
  store.getState().setSettings({ samplesPerPrompt: 8, a: 100, m: 2, heldOut: 20, promptsPerStep: 2, checkpointEvery: 3, lr: 1e-4 });
  await store.getState().sampleDataset('wasm');
  await store.getState().scoreSamples('wasm');
  return store;
}

describe('training slice', () => {
  beforeEach(() => {
    worker.train = [];
    worker.evaluate = [];
    worker.deleted = [];
    worker.checkpoints = [];
    worker.pauseAfter = Infinity;
  });

  it('a run evaluates the SFT model first, trains on the selection with the settings of the moment, then is evaluated', async () => {
    const store = await labWithPairs();
    await store.getState().startTraining('wasm');
    const [req] = worker.train;
    expect(worker.evaluate).toEqual([null, req.runId]);
    expect(req).toMatchObject({ backend: 'wasm', resume: false, checkpointEvery: 3 });
    expect(req.config).toMatchObject({ learning_rate: 1e-4, negatives_per_prompt: 2, prompts_per_step: 2 });
    const run = store.getState().runs.find((r) => r.runId === req.runId)!;
    expect(run).toMatchObject({ status: 'done', stepsDone: 6 });
    expect(run.trainInputs!.records).toEqual(req.records);
    expect(req.records.every((r) => r.rejected.length === 2)).toBe(true);
  });

  it('Pause keeps it resumable; a resume after a%, M, held-out %, lr and the checkpoint interval changed sends what the run started with', async () => {
    const store = await labWithPairs();
    worker.pauseAfter = 2;
    const started = store.getState().startTraining('wasm');
    await vi.waitFor(() => expect(store.getState().training.history.length).toBeGreaterThanOrEqual(2));
    store.getState().pauseTraining();
    await started;
    const first = worker.train[0];
    const paused = store.getState().runs.find((r) => r.runId === first.runId)!;
    expect(paused.status).toBe('paused');
    expect(paused.stepsDone).toBe(worker.checkpoints[0].step);

    store.getState().setSettings({ a: 50, m: 1, heldOut: 40, lr: 5e-2, checkpointEvery: 1 });
    worker.pauseAfter = Infinity;
    await store.getState().resumeTraining(first.runId, 'wasm');
    const resumed = worker.train[1];
    expect(resumed).toMatchObject({ runId: first.runId, resume: true, checkpointEvery: 3 });
    expect(resumed.records).toEqual(first.records);
    expect(resumed.config).toEqual(first.config);
    expect(store.getState().runs.find((r) => r.runId === first.runId)).toMatchObject({ status: 'done', stepsDone: 6 });
  });

  it('Stop and discard ends the run as stopped and deletes its checkpoint', async () => {
    const store = await labWithPairs();
    worker.pauseAfter = 1;
    const started = store.getState().startTraining('wasm');
    await vi.waitFor(() => expect(store.getState().training.history.length).toBeGreaterThanOrEqual(1));
    const stopping = store.getState().stopTraining();
    await Promise.all([started, stopping]);
    const runId = worker.train[0].runId;
    expect(store.getState().runs.find((r) => r.runId === runId)!.status).toBe('stopped');
    expect(worker.deleted).toEqual([runId]);
    expect(store.getState().checkpoints.some((c) => c.runId === runId)).toBe(false);
  });
});
