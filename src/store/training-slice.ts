import type { StateCreator } from 'zustand';
import type { Backend, CheckpointSummary, EvaluateRequest, EvaluateResult } from '../protocol';
import type { DpoStepLog } from '../lib/train/dpo-run';
import { dpoConfigFrom, type DpoConfig } from '../lib/train/dpo-config';
import { splitGroups } from '../lib/train/preference-data';
import { preferenceRecords, type PreferenceRecord } from '../lib/data/export';
import { createRng } from '../lib/random';
import { isBuiltinTask } from '../lib/task/builtin';
import { builtinTestPrompts } from '../lib/task/served';
import { exportRowsOf, type DataSlice } from './data-slice';
import type { ModelSlice } from './model-slice';
import { lmClient } from './workers';

export interface RunRecord {
  /** null for the SFT model itself (the reference). */
  runId: string | null;
  label: string;
  /** The run's DPO config, fixed when it started (null for the SFT row). */
  config: DpoConfig | null;
  status: 'running' | 'paused' | 'done' | 'failed' | 'stopped';
  stepsDone: number;
  totalSteps: number;
  prompts: number;
  evaluation: EvaluateResult | null;
  error: string | null;
  /** What this run (and the SFT row it is compared with) is evaluated on, fixed when it started: changing settings later changes nothing about it. */
  evalInputs?: EvalInputs;
  /** What it trains on and how often it checkpoints, fixed when it started: a resume after settings changed trains on the run's own data. */
  trainInputs?: TrainInputs;
}

export interface TrainInputs {
  records: PreferenceRecord[];
  checkpointEvery: number;
}

export type EvalInputs = Omit<EvaluateRequest, 'backend' | 'runId'>;

export interface TrainingSlice {
  training: {
    phase: 'idle' | 'evaluating' | 'reference' | 'training';
    runId: string | null;
    history: DpoStepLog[];
    totalSteps: number;
    progress: { stage: string; done: number; total: number } | null;
    lastCheckpoint: number | null;
    error: string | null;
    /** What the worker changed about the run to make it fit (fewer rows per pass), said beside the progress. */
    notice: string | null;
    /** Why the last checkpoint was not saved (the storage is full); null once one is. */
    checkpointFailure: string | null;
  };
  runs: RunRecord[];
  checkpoints: CheckpointSummary[];
  startTraining: (backend: Backend) => Promise<void>;
  resumeTraining: (runId: string, backend: Backend) => Promise<void>;
  /** Stops at the end of the current step and keeps a checkpoint to resume from. */
  pauseTraining: () => void;
  /** Pauses, then forgets the run and its checkpoint. */
  stopTraining: () => Promise<void>;
  refreshCheckpoints: () => Promise<void>;
  evaluateRun: (runId: string | null, backend: Backend) => Promise<void>;
  exportRun: (runId: string, format: 'merged' | 'adapter') => Promise<{ fileName: string; zip: Blob } | null>;
  deleteRun: (runId: string) => Promise<void>;
}

type Lab = TrainingSlice & DataSlice & ModelSlice;

/** The selected preference data: what DPO trains on, split by prompt into train and held-out. */
export function preferenceSplit(state: Pick<Lab, 'data' | 'settings'>): { train: PreferenceRecord[]; heldOut: PreferenceRecord[] } | null {
  const { scored, filter } = state.data;
  if (!scored || !filter) return null;
  const records = preferenceRecords(exportRowsOf(state.data), scored.table, filter);
  return splitGroups(records, state.settings.heldOut / 100, createRng(state.settings.seed + 101));
}

const runLabel = (c: DpoConfig) => `${c.negatives_per_prompt === 1 ? 'DPO' : 'Self-Contrast'}, M = ${c.negatives_per_prompt}${c.lora ? `, LoRA r = ${c.lora.r}` : ''}`;

let cancelRun: (() => void) | null = null;
/** The run Stop and discard is cancelling: its cancel ends it as stopped, not paused. */
let discarding: string | null = null;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const isCancel = (e: unknown) => e instanceof Error && e.name === 'CancelledError';

export const createTrainingSlice: StateCreator<Lab, [], [], TrainingSlice> = (set, get) => {
  const patchRun = (runId: string | null, patch: Partial<RunRecord>) =>
    set((s) => ({ runs: s.runs.map((r) => (r.runId === runId ? { ...r, ...patch } : r)) }));
  const upsertRun = (run: RunRecord) =>
    set((s) => ({ runs: s.runs.some((r) => r.runId === run.runId) ? s.runs.map((r) => (r.runId === run.runId ? { ...r, ...run } : r)) : [...s.runs, run] }));

  /** Verifier prompts when the dataset is the built-in task; none otherwise. */
  const evaluationPrompts = async (): Promise<string[]> => {
    const rows = get().data.rows;
    return isBuiltinTask(rows.map((r) => r.prompt)) ? (await builtinTestPrompts()).slice(0, get().settings.evalPrompts) : [];
  };

  /** The DPO config a run started now gets from the settings and the loaded model. */
  const configNow = (): DpoConfig => {
    const info = get().lm.info;
    if (!info) throw new Error('no language model is loaded');
    return dpoConfigFrom(get().settings, info.loraTargets, info.contextLength);
  };

  /** The evaluation a run with this config gets: the current held-out split and task prompts, recorded with the run. */
  const evalInputsFor = async (config: DpoConfig): Promise<EvalInputs> => {
    const split = preferenceSplit(get());
    return { taskPrompts: await evaluationPrompts(), maxNewTokens: get().settings.maxNewTokens, heldOut: split?.heldOut ?? [], config };
  };

  const evaluate = async (runId: string | null, backend: Backend) => {
    const run = get().runs.find((r) => r.runId === runId);
    // A run stored without its evaluation inputs is evaluated with its own config on today's held-out split.
    const inputs = run?.evalInputs ?? (await evalInputsFor(run?.config ?? configNow()));
    set((st) => ({ training: { ...st.training, phase: 'evaluating', progress: null } }));
    const result = await lmClient().call('evaluate', { backend, runId, ...inputs }, (progress) => set((st) => ({ training: { ...st.training, progress } }))).promise;
    patchRun(runId, { evaluation: result });
    return result;
  };

  /** What a run started now trains on: the current selection's train split and checkpoint interval. */
  const trainInputsNow = (): TrainInputs => {
    const split = preferenceSplit(get());
    if (!split) throw new Error('select negatives first (Filter)');
    return { records: split.train, checkpointEvery: get().settings.checkpointEvery };
  };

  /** A resumed run sends the config and data it started with; the worker takes its checkpoint's config in any case. */
  const train = async (runId: string, label: string, backend: Backend, config: DpoConfig, inputs: TrainInputs, resume: boolean) => {
    set((st) => ({ training: { ...st.training, phase: 'reference', runId, history: [], totalSteps: 0, progress: null, error: null, notice: null, lastCheckpoint: null, checkpointFailure: null } }));
    const call = lmClient().call('train-dpo', {
      runId, label, backend, config, records: inputs.records, checkpointEvery: inputs.checkpointEvery, resume,
    }, (p) => {
      if (p.stage === 'plan') {
        patchRun(runId, { config: p.config });
        set((st) => ({ training: { ...st.training, notice: p.reason } }));
      } else if (p.stage === 'reference') {
        // Scored as passes first need them: before step 1, and within later steps of the first epoch.
        set((st) => ({ training: { ...st.training, phase: st.training.phase === 'training' ? 'training' : 'reference', progress: { stage: 'reference log-probs', done: p.done, total: p.total } } }));
      }
      else if (p.stage === 'checkpoint') set((st) => ({ training: { ...st.training, lastCheckpoint: p.step, checkpointFailure: null } }));
      else if (p.stage === 'checkpoint-failed') set((st) => ({ training: { ...st.training, checkpointFailure: p.reason } }));
      else {
        set((st) => ({ training: { ...st.training, phase: 'training', totalSteps: p.totalSteps, history: [...st.training.history.filter((h) => h.step < p.log.step), p.log], progress: null } }));
        patchRun(runId, { stepsDone: p.log.step, totalSteps: p.totalSteps });
      }
    });
    cancelRun = call.cancel;
    try {
      const result = await call.promise;
      patchRun(runId, { status: 'done', stepsDone: result.stepsDone, totalSteps: result.totalSteps, prompts: result.prompts });
      void get().refreshCheckpoints();
      return true;
    } catch (e) {
      if (isCancel(e) && discarding === runId) {
        patchRun(runId, { status: 'stopped' });
      } else if (isCancel(e)) {
        // The worker finishes the step in flight and saves it: show what the checkpoint holds.
        await get().refreshCheckpoints();
        const ck = get().checkpoints.find((c) => c.runId === runId);
        patchRun(runId, { status: 'paused', ...(ck ? { stepsDone: ck.step, totalSteps: ck.totalSteps } : {}) });
        if (ck) set((st) => ({ training: { ...st.training, history: ck.history, lastCheckpoint: ck.step } }));
      } else {
        patchRun(runId, { status: 'failed', error: message(e) });
        set((st) => ({ training: { ...st.training, error: message(e) } }));
        void get().refreshCheckpoints();
      }
      return false;
    } finally {
      cancelRun = null;
      if (discarding === runId) discarding = null;
    }
  };

  const guarded = async (work: () => Promise<void>) => {
    try {
      await work();
    } catch (e) {
      set((st) => ({ training: { ...st.training, error: message(e) } }));
    } finally {
      set((st) => ({ training: { ...st.training, phase: 'idle', progress: null } }));
    }
  };

  return {
    training: { phase: 'idle', runId: null, history: [], totalSteps: 0, progress: null, lastCheckpoint: null, error: null, notice: null, checkpointFailure: null },
    runs: [],
    checkpoints: [],
    startTraining: (backend) =>
      guarded(async () => {
        set((st) => ({ training: { ...st.training, error: null } }));
        const config = configNow();
        const evalInputs = await evalInputsFor(config);
        // Before: the SFT model on the same prompts, once per session.
        if (!get().runs.some((r) => r.runId === null && r.evaluation)) {
          upsertRun({ runId: null, label: 'SFT (reference)', config: null, status: 'done', stepsDone: 0, totalSteps: 0, prompts: 0, evaluation: null, error: null, evalInputs });
          await evaluate(null, backend);
        }
        const runId = `run-${Date.now().toString(36)}`;
        const label = runLabel(config);
        const trainInputs = trainInputsNow();
        upsertRun({ runId, label, config, status: 'running', stepsDone: 0, totalSteps: 0, prompts: 0, evaluation: null, error: null, evalInputs, trainInputs });
        if (await train(runId, label, backend, config, trainInputs, false)) await evaluate(runId, backend);
      }),
    resumeTraining: (runId, backend) =>
      guarded(async () => {
        const ck = get().checkpoints.find((c) => c.runId === runId);
        const label = ck?.label ?? get().runs.find((r) => r.runId === runId)?.label ?? runId;
        const known = get().runs.find((r) => r.runId === runId);
        const config = ck?.config ?? known?.config ?? configNow();
        // A run stored before its inputs were recorded resumes on today's selection (its checkpoint's fingerprint checks it).
        const trainInputs = known?.trainInputs ?? trainInputsNow();
        upsertRun({ runId, label, config, status: 'running', stepsDone: ck?.step ?? 0, totalSteps: ck?.totalSteps ?? 0, prompts: 0, evaluation: null, error: null, evalInputs: known?.evalInputs, trainInputs });
        if (await train(runId, label, backend, config, trainInputs, true)) await evaluate(runId, backend);
      }),
    pauseTraining: () => cancelRun?.(),
    stopTraining: async () => {
      const runId = get().training.runId;
      discarding = runId;
      cancelRun?.();
      if (!runId) return;
      // Requests run in order: the worker saves on pause, then this removes it.
      await lmClient().call('delete-checkpoint', { runId }).promise;
      patchRun(runId, { status: 'stopped' });
      await get().refreshCheckpoints();
    },
    refreshCheckpoints: async () => {
      try {
        set({ checkpoints: await lmClient().call('list-checkpoints', {}).promise });
      } catch (e) {
        set((st) => ({ training: { ...st.training, error: `checkpoints: ${message(e)}` } }));
      }
    },
    evaluateRun: (runId, backend) => guarded(async () => void (await evaluate(runId, backend))),
    exportRun: async (runId, format) => {
      try {
        return await lmClient().call('export-model', { runId, format }).promise;
      } catch (e) {
        set((st) => ({ training: { ...st.training, error: message(e) } }));
        return null;
      }
    },
    deleteRun: async (runId) => {
      await lmClient().call('delete-checkpoint', { runId }).promise;
      set((s) => ({ runs: s.runs.filter((r) => r.runId !== runId) }));
      await get().refreshCheckpoints();
    },
  };
};
