// The backend slice with a fake LM and embedding worker (the real probe and timings run in e2e/backend.spec.ts):
// what each measurement asks of the worker, how a software adapter is measured lightly, and when a training
// measurement is reused — it is keyed by the run's shape, not by today's settings.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { create } from 'zustand';
import { calls, replies, resetFakeWorkers } from './fake-workers.testutil';
import type { BackendReport } from '../protocol';
import type { StageTimings } from '../lib/backend-choice';
import { DEFAULT_SETTINGS, type LabSettings } from '../lib/settings';
import { dpoConfigFrom } from '../lib/train/dpo-config';

vi.mock('./workers', async () => (await import('./fake-workers.testutil')).fakeWorkersModule);

const { createBackendSlice, stageDecision } = await import('./backend-slice');
type Lab = ReturnType<typeof createBackendSlice> & { settings: LabSettings; lm: { info: { loraTargets: string[]; contextLength: number } | null } };

const LM_INFO = { loraTargets: ['q_proj', 'v_proj'], contextLength: 256 };
const lab = () => create<Lab>()((set, get, api) => ({
  ...createBackendSlice(set as never, get as never, api as never),
  settings: { ...DEFAULT_SETTINGS },
  lm: { info: LM_INFO },
}));

const adapter = (available: boolean, fallback: boolean) => ({ available, fallback, description: fallback ? 'SwiftShader' : 'a hardware GPU' });
const report = (chosen: BackendReport['chosen'], available = true, fallback = false): BackendReport => ({
  webgpu: { ok: available } as never, wasm: { ok: true } as never, maxAbsDiff: 0, chosen, wasmThreads: 1, crossOriginIsolated: true, adapter: adapter(available, fallback),
});
const measured = (webgpu: number, wasm: number, unit = 'tok'): StageTimings => ({ webgpu: { ok: true, perSecond: webgpu, unit }, wasm: { ok: true, perSecond: wasm, unit } });
const records = [{ prompt: 'p', chosen: 'c', rejected: ['r'] }] as never[];

beforeEach(() => {
  resetFakeWorkers();
});

describe('backend slice', () => {
  it('probes the backends: ready with the chosen one, failed with a reason when neither ran or the worker threw', async () => {
    const store = lab();
    replies['lm probe-backends'] = async (_p, onProgress) => {
      onProgress({ stage: 'webgpu' });
      expect(store.getState().backend).toMatchObject({ status: 'probing', stage: 'webgpu' });
      return report('webgpu');
    };
    await store.getState().probeBackends();
    expect(store.getState().backend).toMatchObject({ status: 'ready', stage: null, error: null, report: { chosen: 'webgpu' } });

    replies['lm probe-backends'] = async () => report(null);
    await store.getState().probeBackends();
    expect(store.getState().backend).toMatchObject({ status: 'failed', error: 'neither WebGPU nor WASM could run the probe graph' });

    replies['lm probe-backends'] = () => Promise.reject(Object.assign(new Error('the worker died'), { name: 'WorkerError' }));
    await store.getState().probeBackends();
    expect(store.getState().backend).toMatchObject({ status: 'failed', report: null, error: 'WorkerError: the worker died' });
  });

  it('times sampling and embedding on every available backend, lightly on a software adapter; auto then follows the measurement', async () => {
    const store = lab();
    store.setState((s) => ({ backend: { ...s.backend, report: report('webgpu', true, false) } }));
    replies['lm time-backends'] = async (_p, onProgress) => {
      onProgress({ backend: 'webgpu' });
      expect(store.getState().backend.measuring).toEqual({ stage: 'sample', backend: 'webgpu' });
      return measured(300, 100);
    };
    replies['embed time-backends'] = async () => measured(20, 200, 'texts');
    await store.getState().measureStage('sample');
    await store.getState().measureStage('embed');
    expect(calls.map((c) => [c.worker, c.payload])).toEqual([
      ['lm', { stage: 'sample', backends: ['wasm', 'webgpu'], samplesPerPrompt: Math.min(32, DEFAULT_SETTINGS.samplesPerPrompt), newTokens: 8 }],
      ['embed', { backends: ['wasm', 'webgpu'], texts: 32 }],
    ]);
    expect(store.getState().backend.measuring).toBeNull();
    expect(stageDecision(store.getState(), 'sample')).toMatchObject({ backend: 'webgpu', measured: true, overridden: false });
    expect(stageDecision(store.getState(), 'embed')).toMatchObject({ backend: 'wasm', measured: true });
    // A preference overrides the measurement, and says what the measurement would pick.
    store.setState((s) => ({ settings: { ...s.settings, embedBackend: 'webgpu' } }));
    expect(stageDecision(store.getState(), 'embed')).toMatchObject({ backend: 'webgpu', overridden: true, why: expect.stringContaining('measurement would pick WASM') });

    calls.length = 0;
    store.setState((s) => ({ backend: { ...s.backend, report: report('webgpu', true, true) } }));
    await store.getState().measureStage('sample');
    await store.getState().measureStage('embed');
    expect(calls.map((c) => c.payload)).toEqual([
      { stage: 'sample', backends: ['wasm', 'webgpu'], samplesPerPrompt: Math.min(8, DEFAULT_SETTINGS.samplesPerPrompt), newTokens: 3 },
      { backends: ['wasm', 'webgpu'], texts: 8 },
    ]);

    calls.length = 0;
    store.setState((s) => ({ backend: { ...s.backend, report: report('wasm', false) } }));
    await store.getState().measureStage('embed');
    expect(calls[0]!.payload.backends).toEqual(['wasm']);
  });

  it('a failed timing keeps the earlier measurement and names the stage', async () => {
    const store = lab();
    store.setState((s) => ({ backend: { ...s.backend, report: report('webgpu') } }));
    replies['lm time-backends'] = async () => measured(300, 100);
    await store.getState().measureStage('sample');
    replies['lm time-backends'] = () => Promise.reject(new Error('out of memory'));
    await store.getState().measureStage('sample');
    expect(store.getState().backend).toMatchObject({ error: 'timing sample failed: out of memory', measuring: null });
    expect(store.getState().backend.timings.sample).toEqual(measured(300, 100));
  });

  it("times training for the run's own config, once per run shape; a new model forgets it", async () => {
    const store = lab();
    store.setState((s) => ({ backend: { ...s.backend, report: report('webgpu') } }));
    replies['lm time-backends'] = async (p) => (p.stage === 'train' ? measured(2, 1, 'steps') : measured(300, 100));
    const fromSettings = dpoConfigFrom(store.getState().settings, LM_INFO.loraTargets, LM_INFO.contextLength);

    await store.getState().measureTraining(records);
    expect(calls.map((c) => c.payload)).toEqual([{ stage: 'train', backends: ['wasm', 'webgpu'], records, config: fromSettings }]);
    // The same shape again (another learning rate does not change a step's cost): not timed again.
    await store.getState().measureTraining(records, { ...fromSettings, learning_rate: 1 });
    expect(calls).toHaveLength(1);
    // A resumed run with another M is timed with its own config, whatever the settings say now.
    const resumed = { ...fromSettings, negatives_per_prompt: fromSettings.negatives_per_prompt + 3 };
    await store.getState().measureTraining(records, resumed);
    expect(calls.map((c) => c.payload.config)).toEqual([fromSettings, resumed]);
    await store.getState().measureTraining(records, resumed);
    expect(calls).toHaveLength(2);

    store.getState().forgetTimings('train');
    expect(store.getState().backend).toMatchObject({ trainTimedFor: null, timings: { train: { webgpu: null, wasm: null } } });
    await store.getState().measureTraining(records, resumed);
    expect(calls).toHaveLength(3);
  });

  it('does not time training on a software adapter that already sampled slower than WASM, and says why', async () => {
    const store = lab();
    store.setState((s) => ({ backend: { ...s.backend, report: report('webgpu', true, true), timings: { ...s.backend.timings, sample: measured(10, 400) } } }));
    replies['lm time-backends'] = async () => ({ webgpu: null, wasm: { ok: true, perSecond: 0.5, unit: 'steps' } });
    await store.getState().measureTraining(records);
    expect(calls[0]!.payload.backends).toEqual(['wasm']);
    expect(store.getState().backend.timings.train.webgpu).toEqual({ ok: false, skipped: true, reason: 'not timed: this software adapter sampled this model 40× slower than WASM' });
    expect(stageDecision(store.getState(), 'train')).toMatchObject({ backend: 'wasm', why: 'WASM: WebGPU not timed: this software adapter sampled this model 40× slower than WASM' });
  });

  it('without a loaded LM there is nothing to time', async () => {
    const store = lab();
    store.setState({ lm: { info: null } });
    await store.getState().measureTraining(records);
    expect(calls).toEqual([]);
  });
});
