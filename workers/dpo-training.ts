// DPO in the LM worker: runs, checkpoints in OPFS, evaluation and export. The
// trained policies of this page's runs stay in memory; after a reload they come
// back from their checkpoints.
import type { Backend, CandidateLogProbsRequest, CheckpointSummary, ExperimentCellRequest, EvaluateRequest, EvaluateResult, ExportModelRequest, TrainDpoRequest, TrainDpoResult, TrainProgress } from '../src/protocol';
import { CancelledError } from '../src/protocol';
import type { OrtApi } from '../src/lib/onnx/runtime';
import { DpoRun, promptsPerPass, type DpoCheckpoint } from '../src/lib/train/dpo-run';
import { dpoConfigRecord, type DpoConfig } from '../src/lib/train/dpo-config';
import type { PreferenceRecord } from '../src/lib/data/export';
import { encodeRecord, type PreferenceGroup } from '../src/lib/train/preference-data';
import { mergeLora } from '../src/lib/train/lora';
import { lmCodec } from '../src/lib/model/codec';
import { DecoderSession } from '../src/lib/model/decoder-session';
import { adapterFiles, modelFiles } from '../src/lib/model/save';
import { zipBlob } from '../src/lib/data/zip';
import { evaluatePrompts } from '../src/lib/task/evaluate';
import { deleteCheckpoint, isQuotaError, listCheckpoints, loadCheckpoint, saveCheckpoint } from './checkpoint-store';
import type { LmModelState } from './lm-model';
import { memoryPlan } from './hub-plan';
import { hubIdOfLabel } from '../src/lib/model/hub';
import { splitTrainState } from '../src/lib/onnx/train-step';
import { trainAndEvaluate, type CellStage } from '../src/lib/experiments/cell-run';
import { candidateLogProbs } from '../src/lib/train/reward-choice';
import { heldOutRewards } from '../src/lib/train/held-out';
import type { CellOutcome } from '../src/lib/experiments/runner';

export class DpoTraining {
  /** Trained policies of this page's runs (LoRA merged), by run id. */
  private readonly policies = new Map<string, { weights: Map<string, Float32Array>; checkpoint: DpoCheckpoint }>();

  constructor(
    private readonly ort: OrtApi,
    private readonly model: LmModelState,
  ) {}

  async train(req: TrainDpoRequest, onProgress: (p: TrainProgress) => void): Promise<TrainDpoResult> {
    const lm = this.model.loaded();
    const codec = lmCodec(lm);
    const groups = req.records.map((r) => encodeRecord(codec, r));
    const resume = req.resume ? await loadCheckpoint(req.runId) : null;
    if (req.resume && !resume) throw new Error(`run ${req.runId}: no checkpoint to resume from`);
    // A resumed run goes on with the config it started with, whatever the settings say now.
    const config = await this.fitted(resume?.config ?? req.config, req.backend, groups, onProgress);
    await this.model.releaseDecoders();
    const run = await DpoRun.create(this.ort, req.backend, { config: lm.config, weights: lm.weights, padTokenId: lm.padTokenId }, groups, config, {
      label: req.label,
      resume,
      onReference: (done, total) => onProgress({ stage: 'reference', done, total }),
    });
    // A checkpoint the storage cannot hold does not end the run: it trains on in memory, and evaluation and export
    // still work on this page; only resuming after a reload needs the checkpoint. Returns what the page is told.
    const save = async (): Promise<TrainProgress> => {
      const checkpoint = await run.checkpointViews();
      try {
        await saveCheckpoint(req.runId, checkpoint);
        return { stage: 'checkpoint', step: run.stepsDone };
      } catch (e) {
        if (!isQuotaError(e)) throw e;
        const mib = Object.values(checkpoint.state).reduce((a, t) => a + t.data.byteLength, 0) / 2 ** 20;
        return {
          stage: 'checkpoint-failed', step: run.stepsDone,
          reason: `the checkpoint after step ${run.stepsDone} (${mib.toFixed(0)} MiB) was not saved: ${e instanceof Error ? e.message : String(e)} Training goes on in memory: export the model before leaving the page; after a reload the run cannot resume from here.`,
        };
      }
    };
    try {
      // A resumed run reports what it already did, so the charts continue where they were.
      for (const log of run.history) onProgress({ stage: 'step', log, totalSteps: run.totalSteps });
      while (run.stepsDone < run.totalSteps) {
        const log = await (req.backend === 'webgpu' ? this.model.guardGpu(run.step()) : run.step());
        if (run.stepsDone % req.checkpointEvery === 0 && run.stepsDone < run.totalSteps) onProgress(await save());
        onProgress({ stage: 'step', log, totalSteps: run.totalSteps });
      }
      const saved = await save();
      if (saved.stage === 'checkpoint-failed') onProgress(saved);
      this.policies.set(req.runId, { weights: await run.policyWeights({ final: true }), checkpoint: { ...run.checkpointInfo(), state: {} } });
      return { runId: req.runId, stepsDone: run.stepsDone, totalSteps: run.totalSteps, history: run.history, prompts: run.prompts };
    } catch (e) {
      // Pause: keep everything up to the last finished step. A non-finite loss
      // is not saved: the last good checkpoint stays.
      if (e instanceof CancelledError && (await save()).stage === 'checkpoint-failed') {
        throw new Error(`paused after step ${run.stepsDone}, but its checkpoint did not fit this browser's storage: the run cannot be resumed`, { cause: e });
      }
      // A lost WebGPU device: the last checkpoint stays (reading GPU state now would hang); the run resumes from it, on WASM.
      if (req.backend === 'webgpu' && e instanceof Error && /device lost/.test(e.message)) {
        throw new Error(`${e.message}. The run's last checkpoint is kept: resume it on WASM.`, { cause: e });
      }
      throw e;
    } finally {
      if (!(req.backend === 'webgpu' && this.model.gpuLost)) await run.release();
    }
  }

  /** One experiment cell from the loaded model: its training is not a run of the Runs table (no checkpoint), only its accuracy is kept. */
  async experimentCell(req: ExperimentCellRequest, onProgress: (p: { stage: CellStage; done: number; total: number }) => void): Promise<CellOutcome> {
    const lm = this.model.loaded();
    const codec = lmCodec(lm);
    const config = req.records.length ? await memoryPlan(lm.config, req.config, req.backend, req.records.map((r) => encodeRecord(codec, r))) : req.config;
    await this.model.releaseDecoders();
    return trainAndEvaluate(this.ort, req.backend, lm, req.records, config, {
      evalPrompts: req.evalPrompts, heldOut: req.heldOut, maxNewTokens: req.maxNewTokens, sampledSamplesPerPrompt: req.sampledSamplesPerPrompt,
      ...(req.probes ? { probes: req.probes } : {}), onProgress,
      guard: req.backend === 'webgpu' ? (w) => this.model.guardGpu(w) : undefined,
    });
  }

  /** The loaded model's log-probs of the reward probes' candidates: the same for every cell of a grid, so computed once. */
  async candidateLogProbs(req: CandidateLogProbsRequest, onProgress: (p: { done: number; total: number }) => void): Promise<{ logProbs: number[][] }> {
    const lm = this.model.loaded();
    await this.model.releaseDecoders();
    const work = candidateLogProbs(this.ort, req.backend, lm, lm.weights, req.candidates, { max_length: req.maxLength, rows_per_pass: req.rowsPerPass }, (done, total) => onProgress({ done, total }));
    return { logProbs: await (req.backend === 'webgpu' ? this.model.guardGpu(work) : work) };
  }

  /** The run's memory plan on this backend, said to the page when it changes what was asked. */
  private async fitted(config: DpoConfig, backend: Backend, groups: PreferenceGroup[], onProgress: (p: TrainProgress) => void): Promise<DpoConfig> {
    const fitted = await memoryPlan(this.model.loaded().config, config, backend, groups);
    if (fitted !== config) {
      const limit = backend === 'wasm' ? "WASM's 4 GiB" : "this WebGPU adapter's buffers";
      const changes = [
        ...(fitted.rows_per_pass !== config.rows_per_pass ? [`${promptsPerPass(fitted)} prompt(s) per pass instead of ${promptsPerPass(config)} (rows_per_pass ${fitted.rows_per_pass}; each step still covers ${config.prompts_per_step} prompts)`] : []),
        ...(fitted.gradient_checkpointing && !config.gradient_checkpointing ? ['gradient checkpointing on (each layer recomputed in the backward pass: a quarter more compute or more)'] : []),
        ...(fitted.lm_head_checkpointing && !config.lm_head_checkpointing ? ["the LM head's logits recomputed in the backward pass (one more LM-head matmul)"] : []),
      ];
      onProgress({ stage: 'plan', config: fitted, reason: `${changes.join(', and ')}: the memory estimate without does not fit ${limit}.` });
    }
    return fitted;
  }

  /**
   * Training tokens per second on one backend as the run would train there: the run's memory plan for this backend
   * (its prompts per pass, checkpointing), timed over one pass's prompts — the second of two steps; the first compiles.
   */
  async trainingThroughput(backend: Backend, config: DpoConfig, records: PreferenceRecord[]): Promise<number> {
    const lm = this.model.loaded();
    const codec = lmCodec(lm);
    const groups = records.map((r) => encodeRecord(codec, r));
    const planned = await memoryPlan(lm.config, config, backend, groups);
    const perPass = promptsPerPass(planned);
    const run = await DpoRun.create(this.ort, backend, { config: lm.config, weights: lm.weights, padTokenId: lm.padTokenId }, groups.slice(0, perPass), {
      ...planned, prompts_per_step: perPass, num_train_epochs: 1, max_steps: 2,
    });
    try {
      await run.step();
      const log = await run.step();
      return log.tokens / log.seconds;
    } finally {
      await run.release();
    }
  }

  private async policy(runId: string): Promise<{ weights: Map<string, Float32Array>; checkpoint: DpoCheckpoint }> {
    const cached = this.policies.get(runId);
    if (cached) return cached;
    const ck = await loadCheckpoint(runId);
    if (!ck) throw new Error(`run ${runId}: no checkpoint in this browser`);
    const lm = this.model.loaded();
    const trained = new Map(splitTrainState(Object.entries(ck.state)).params.map(([n, t]) => [n, t.data]));
    const weights = ck.config.lora ? mergeLora(lm.weights, trained, lm.config, ck.config.lora) : trained;
    const entry = { weights, checkpoint: ck };
    this.policies.set(runId, entry);
    return entry;
  }

  async evaluate(req: EvaluateRequest, onProgress: (p: { stage: string; done: number; total: number }) => void): Promise<EvaluateResult> {
    const lm = this.model.loaded();
    const codec = lmCodec(lm);
    const weights = req.runId ? (await this.policy(req.runId)).weights : lm.weights;
    let greedy: number | null = null;
    let sampled: number | null = null;
    if (req.taskPrompts.length) {
      const decoder = await DecoderSession.create(this.ort, lm.config, weights, req.backend);
      try {
        for (const [stage, temperature] of [['greedy', 0], ['sampled', 1]] as const) {
          const { accuracy } = await evaluatePrompts(decoder, codec, req.taskPrompts, {
            sampling: { temperature, topP: 1, topK: 0 }, seed: req.config.seed, maxNewTokens: req.maxNewTokens, maxBatchRows: 64,
            onProgress: (done, total) => onProgress({ stage, done, total }),
          });
          if (stage === 'greedy') greedy = accuracy.accuracy;
          else sampled = accuracy.accuracy;
        }
      } finally {
        await decoder.release();
      }
    }
    const reward = req.runId && req.heldOut.length
      ? await heldOutRewards(this.ort, req.backend, lm, weights, req.heldOut, req.config, (stage, done, total) => onProgress({ stage, done, total }))
      : null;
    return {
      runId: req.runId, greedy, sampled, taskPrompts: req.taskPrompts.length,
      rewardAccuracy: reward?.accuracy ?? null, rewardMargin: reward?.margin ?? null, pairs: reward?.pairs ?? 0,
    };
  }

  async exportModel(req: ExportModelRequest): Promise<{ fileName: string; zip: Blob }> {
    const lm = this.model.loaded();
    const { weights, checkpoint } = await this.policy(req.runId);
    const lora = checkpoint.config.lora;
    const hub = hubIdOfLabel(this.model.info().source);
    const base = { id: hub?.id ?? null, revision: hub?.revision ?? null };
    const c = checkpoint.config;
    const details = `Trained with ${c.loss_type} DPO (β = ${c.beta}), ${c.negatives_per_prompt} negatives per prompt, lr ${c.learning_rate}, ${checkpoint.step} optimizer steps of ${c.prompts_per_step} prompts${lora ? `, LoRA r = ${lora.r} on ${lora.target_modules.join(', ')}` : ', every weight'}.`;
    // The run's own config beside the weights, as TRL keeps its training arguments with a saved model.
    const configFile = { name: 'dpo_config.json', data: new TextEncoder().encode(JSON.stringify(dpoConfigRecord(c), null, 2) + '\n') };
    if (req.format === 'adapter') {
      if (!lora) throw new Error('export: this run trained every weight; there is no adapter to export (choose the merged model)');
      const ck = await loadCheckpoint(req.runId);
      if (!ck) throw new Error(`run ${req.runId}: no checkpoint in this browser`);
      const adapters = new Map(splitTrainState(Object.entries(ck.state)).params.map(([n, t]) => [n, t.data]));
      const files = [...adapterFiles(lm, adapters, lora, base, details), configFile];
      return { fileName: `${req.runId}-adapter.zip`, zip: zipBlob(files.map((f) => ({ name: `${req.runId}-adapter/${f.name}`, data: f.data }))) };
    }
    const files = [...modelFiles(lm, weights, base, details), configFile];
    return { fileName: `${req.runId}.zip`, zip: zipBlob(files.map((f) => ({ name: `${req.runId}/${f.name}`, data: f.data }))) };
  }

  list(): Promise<CheckpointSummary[]> {
    return listCheckpoints();
  }

  async remove(runId: string): Promise<{ deleted: boolean }> {
    this.policies.delete(runId);
    return { deleted: await deleteCheckpoint(runId) };
  }

  /** A new base model invalidates every policy trained from the old one. */
  forget(): void {
    this.policies.clear();
  }
}
