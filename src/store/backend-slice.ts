import type { StateCreator } from 'zustand';
import type { BackendReport } from '../protocol';
import { decideBackend, type AdapterInfo, type Backend, type BackendDecision, type Stage, type StageTimings } from '../lib/backend-choice';
import { dpoConfigFrom, type DpoConfig } from '../lib/train/dpo-config';
import type { LabSettings } from '../lib/settings';
import type { PreferenceRecord } from '../lib/data/export';
import { embedClient, lmClient } from './workers';

const NONE: StageTimings = { webgpu: null, wasm: null };
const NO_ADAPTER: AdapterInfo = { available: false, fallback: false, description: 'not probed yet' };

export interface BackendSlice {
  backend: {
    status: 'idle' | 'probing' | 'ready' | 'failed';
    stage: string | null;
    report: BackendReport | null;
    error: string | null;
    /** Each stage's measurement with the loaded models; training's is keyed by the run shape it timed. */
    timings: Record<Stage, StageTimings>;
    trainTimedFor: string | null;
    measuring: { stage: Stage; backend: Backend | null } | null;
  };
  probeBackends: () => Promise<void>;
  /** Times the loaded LM's sampling, or the loaded encoder, on every available backend. */
  measureStage: (stage: 'sample' | 'embed') => Promise<void>;
  /** Times one DPO step of this run's shape on each backend worth timing (before training on auto). */
  /** `config`: the run's own (a resumed run is timed as it trains); a new run's from the settings when not given. */
  measureTraining: (records: PreferenceRecord[], config?: DpoConfig) => Promise<void>;
  /** Forgets a stage's measurement (its model changed). */
  forgetTimings: (stage: Stage) => void;
}

type Lab = BackendSlice & { settings: LabSettings; lm: { info: { loraTargets: string[]; contextLength: number } | null } };

/** The setting that holds each stage's backend preference. */
export const STAGE_SETTING = { sample: 'sampleBackend', embed: 'embedBackend', train: 'trainBackend' } as const satisfies Record<Stage, keyof LabSettings>;

/** The backend a stage runs on now, and why. */
export function stageDecision(s: Pick<Lab, 'backend' | 'settings'>, stage: Stage): BackendDecision {
  return decideBackend(stage, s.settings[STAGE_SETTING[stage]], s.backend.timings[stage], s.backend.report?.adapter ?? NO_ADAPTER);
}

/** What a training measurement depends on besides the model: the run's shape and what its memory plan reads. */
const trainShape = (c: DpoConfig) => JSON.stringify([c.negatives_per_prompt, c.lora, c.rows_per_pass, c.prompts_per_step, c.gradient_checkpointing, c.lm_head_checkpointing, c.max_length]);

export const createBackendSlice: StateCreator<Lab, [], [], BackendSlice> = (set, get) => {
  const available = (): Backend[] => (get().backend.report?.adapter.available ? ['wasm', 'webgpu'] : ['wasm']);
  const setTimings = (stage: Stage, timings: StageTimings) => set((s) => ({ backend: { ...s.backend, timings: { ...s.backend.timings, [stage]: timings } } }));
  const measuring = (m: BackendSlice['backend']['measuring']) => set((s) => ({ backend: { ...s.backend, measuring: m } }));
  return {
    backend: { status: 'idle', stage: null, report: null, error: null, timings: { sample: NONE, embed: NONE, train: NONE }, trainTimedFor: null, measuring: null },
    probeBackends: async () => {
      set((s) => ({ backend: { ...s.backend, status: 'probing', stage: null, report: null, error: null } }));
      try {
        const report = await lmClient().call('probe-backends', { seed: 1 }, (p) => set((s) => ({ backend: { ...s.backend, stage: p.stage } }))).promise;
        set((s) => ({ backend: { ...s.backend, status: report.chosen ? 'ready' : 'failed', stage: null, report, error: report.chosen ? null : 'neither WebGPU nor WASM could run the probe graph' } }));
      } catch (e) {
        set((s) => ({ backend: { ...s.backend, status: 'failed', stage: null, report: null, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) } }));
      }
    },
    measureStage: async (stage) => {
      measuring({ stage, backend: null });
      // A software adapter needs only enough work to show it is slow (seconds, not minutes).
      const light = get().backend.report?.adapter.fallback ?? false;
      try {
        const onProgress = (p: { backend: Backend }) => measuring({ stage, backend: p.backend });
        const R = get().settings.samplesPerPrompt;
        const timings = stage === 'sample'
          ? await lmClient().call('time-backends', { stage: 'sample', backends: available(), samplesPerPrompt: light ? Math.min(8, R) : Math.min(32, R), newTokens: light ? 3 : 8 }, onProgress).promise
          : await embedClient().call('time-backends', { backends: available(), texts: light ? 8 : 32 }, onProgress).promise;
        setTimings(stage, timings);
      } catch (e) {
        // The worker itself failed (not one backend): keep the prior choice and say so.
        set((s) => ({ backend: { ...s.backend, error: `timing ${stage} failed: ${e instanceof Error ? e.message : String(e)}` } }));
      } finally {
        measuring(null);
      }
    },
    measureTraining: async (records, runConfig) => {
      const info = get().lm.info;
      if (!info) return;
      const config = runConfig ?? dpoConfigFrom(get().settings, info.loraTargets, info.contextLength);
      if (get().backend.trainTimedFor === trainShape(config)) return;
      // A software adapter that already lost to WASM at sampling this model is not worth minutes of training steps.
      const sampling = get().backend.timings.sample;
      const skipGpu = get().backend.report?.adapter.fallback && sampling.webgpu?.ok && sampling.wasm?.ok && sampling.webgpu.perSecond < sampling.wasm.perSecond;
      const backends = available().filter((b) => !(b === 'webgpu' && skipGpu));
      measuring({ stage: 'train', backend: null });
      try {
        const timings = await lmClient().call('time-backends', {
          stage: 'train', backends, records, config,
        }, (p) => measuring({ stage: 'train', backend: p.backend })).promise;
        if (skipGpu && sampling.webgpu?.ok && sampling.wasm?.ok) {
          timings.webgpu = { ok: false, skipped: true, reason: `not timed: this software adapter sampled this model ${(sampling.wasm.perSecond / sampling.webgpu.perSecond).toFixed(0)}× slower than WASM` };
        }
        setTimings('train', timings);
        set((st) => ({ backend: { ...st.backend, trainTimedFor: trainShape(config) } }));
      } catch (e) {
        // The worker itself failed: training still starts, on the choice made without this measurement.
        set((st) => ({ backend: { ...st.backend, error: `timing train failed: ${e instanceof Error ? e.message : String(e)}` } }));
      } finally {
        measuring(null);
      }
    },
    forgetTimings: (stage) => {
      setTimings(stage, NONE);
      if (stage === 'train') set((s) => ({ backend: { ...s.backend, trainTimedFor: null } }));
    },
  };
};
