// A DPO run over preference groups, on any onnxruntime (node for scripts and
// tests, web in the LM worker): optimizer steps that each cover
// `prompts_per_step` prompts whatever M is (the paper keeps prompts per step
// constant across M), accumulated over micro-batches that fit `rows_per_pass`
// sequences, each step scoring the reference log-probs its passes are first to
// need (once per prompt). Resumable from a checkpoint of the full state.
import type { Tensor } from 'onnxruntime-common';
import { batchTensors, TrainSession, type ExecutionProvider, type HostTensor, type OrtApi } from '../onnx/runtime';
import { buildTrainStep, separateUpdatePays, splitTrainState } from '../onnx/train-step';
import { weightSpecs, type LmConfig } from '../model/config';
import { SequenceScorer, type SequenceScores } from '../model/sequence-scorer';
import { vocabChunksFor } from '../model/graphs';
import { createRng, shuffle } from '../random';
import { longest, packSequences, sequenceFeeds } from './batches';
import { dpoTrainStep, type Checkpointing } from './dpo';
import { checkpointingOf, dpoLossOptions, type DpoConfig } from './dpo-config';
import { initLora, loraParamSpecs, mergeLora, type LoraConfig } from './lora';
import { dataFingerprint, groupRows, type PreferenceGroup } from './preference-data';
import { learningRate, type Schedule } from './schedule';

/**
 * The training part of the memory estimate's workload for this run: its own rows per pass and LoRA, and the
 * longest sequence a pass can pad to — the longest prompt + response in its data after the cut to max_length
 * (a pass pads to its longest row, as TRL's collator does), or max_length when the data is not known.
 */
export function runWorkload(
  c: DpoConfig, defaultLoraConfig: LoraConfig, groups?: readonly PreferenceGroup[],
): { rows: number; length: number; lora: LoraConfig; checkpointing: Checkpointing } {
  const rows = promptsPerPass(c) * (1 + c.negatives_per_prompt);
  const longest = (g: PreferenceGroup) => Math.max(...groupRows(g, c.negatives_per_prompt, c.max_length).rows.map((r) => r.prompt.length + r.response.length));
  const usable = groups?.filter((g) => g.rejected.length > 0) ?? [];
  const length = usable.length ? Math.max(...usable.map(longest)) : c.max_length;
  return { rows, length, lora: c.lora ?? defaultLoraConfig, checkpointing: checkpointingOf(c) };
}

/** Less recomputation first: the order the memory plan tries. */
const CHECKPOINTING_LEVELS: readonly Checkpointing[] = ['none', 'lm-head', 'layers'];

/**
 * The run's config as asked when its memory `fits`; else the most prompts per pass that fit, trying the divisors of
 * prompts_per_step downward from what rows_per_pass allows — a step still covers the same prompts, in more passes (the
 * same gradient up to float rounding), as a TRL user lowers per_device_train_batch_size and raises
 * gradient_accumulation_steps; only when one prompt per pass does not fit either, the LM head recomputed (the same
 * gradient, one more LM-head matmul), then gradient checkpointing (every layer computed twice), each with the most
 * prompts per pass that fit. Never less recomputation than asked. null when nothing fits.
 */
export async function fitRowsPerPass(c: DpoConfig, fits: (c: DpoConfig) => Promise<boolean>): Promise<DpoConfig | null> {
  const asked = promptsPerPass(c);
  const perPass = Array.from({ length: asked }, (_, k) => asked - k).filter((p) => c.prompts_per_step % p === 0);
  const levels = CHECKPOINTING_LEVELS.slice(CHECKPOINTING_LEVELS.indexOf(checkpointingOf(c)));
  for (const level of levels) {
    for (const p of perPass) {
      const candidate = {
        ...c, gradient_checkpointing: level === 'layers', lm_head_checkpointing: level === 'lm-head', ...(p === asked ? {} : { rows_per_pass: p * (1 + c.negatives_per_prompt) }),
      };
      if (await fits(candidate)) return level === levels[0] && p === asked ? c : candidate;
    }
  }
  return null;
}

/** TRL's logged names, plus where and how fast. */
export const DPO_METRICS = [
  'loss', 'rewards/chosen', 'rewards/rejected', 'rewards/accuracies', 'rewards/margins', 'logps/chosen', 'logps/rejected', 'grad_norm', 'learning_rate',
] as const;
export type DpoMetricName = (typeof DPO_METRICS)[number];
/** `seconds`: the step's wall time, including `referenceSeconds` spent scoring reference log-probs its passes were first to need. */
/** `nll_loss`: TRL's, logged when the run has an RPO α. */
export type DpoStepLog = Record<DpoMetricName, number> & { nll_loss?: number; step: number; epoch: number; seconds: number; referenceSeconds: number; tokens: number };

export interface DpoCheckpoint {
  label: string;
  step: number;
  totalSteps: number;
  fingerprint: string;
  config: DpoConfig;
  history: DpoStepLog[];
  /** Trained parameters (full model or adapters) and their AdamW moments. */
  state: Record<string, HostTensor>;
}

export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
  constructor(step: number, loss: number) {
    super(`step ${step}: the loss is ${loss}; training stopped (the last checkpoint is kept). Try a lower learning rate or β.`);
  }
}

export interface DpoModel {
  config: LmConfig;
  weights: Map<string, Float32Array>;
  padTokenId: number;
}

/** Prompts per pass: the largest divisor of prompts_per_step whose rows fit, so every pass weighs the same. */
export function promptsPerPass(c: Pick<DpoConfig, 'prompts_per_step' | 'negatives_per_prompt' | 'rows_per_pass'>): number {
  let best = 1;
  for (let d = 1; d <= c.prompts_per_step; d++) if (c.prompts_per_step % d === 0 && d * (1 + c.negatives_per_prompt) <= c.rows_per_pass) best = d;
  return best;
}

/** Prompt order of epoch `epoch` (0-based): a seeded shuffle, so a resumed run sees the same order. */
function epochOrder(seed: number, epoch: number, prompts: number): number[] {
  return shuffle(createRng(seed * 7919 + epoch), Array.from({ length: prompts }, (_, i) => i));
}

/**
 * Reference log-probs [prompt · (1 + M) + k], scored when a pass first needs
 * them, with that pass's rows (as TRL computes the reference per batch, but
 * once per prompt): the same batches through the same numerics as the train
 * step, so at step 1, where policy = reference, every reward is exactly 0 as in
 * TRL (not ±1e-7, which would make accuracies noise). A run starts training at
 * once. The scorer lives only while a step scores (where it holds no weights:
 * its memory is then free for the train step); on WebGPU, whose scorer holds
 * the weights, until every prompt is scored.
 */
class LazyReference {
  readonly values: Float32Array;
  private readonly scored: Uint8Array;
  private left: number;
  private scorer: SequenceScorer | null = null;

  constructor(
    private readonly createScorer: () => Promise<SequenceScorer>,
    private readonly onGpu: boolean,
    private readonly groups: readonly PreferenceGroup[],
    private readonly config: DpoConfig,
    private readonly onProgress?: (done: number, total: number) => void,
  ) {
    this.values = new Float32Array(groups.length * (1 + config.negatives_per_prompt));
    this.scored = new Uint8Array(groups.length);
    this.left = groups.length;
  }

  /** Scores the prompts of these passes that have no log-probs yet, each pass whole (as it trains); returns the seconds it took. */
  async ensure(passes: readonly (readonly number[])[]): Promise<number> {
    const needed = passes.filter((pass) => pass.some((i) => !this.scored[i]));
    if (!needed.length) return 0;
    const t0 = performance.now();
    const width = 1 + this.config.negatives_per_prompt;
    this.scorer ??= await this.createScorer();
    try {
      for (const pass of needed) {
        const rows = pass.flatMap((i) => groupRows(this.groups[i], this.config.negatives_per_prompt, this.config.max_length).rows);
        // On the CPU EPs one prompt's rows a run, padded to the pass's length: a row's log-probs do not depend on the
        // rows beside it there (tested), and the scorer's activations are a pass's over its prompts (in node they sit
        // beside the train step's arena). WebGPU's kernels may pick another tiling by shape: the pass whole.
        const { sum } = await this.scorer.score(rows, { rowsPerRun: this.onGpu ? rows.length : width, length: longest(rows) });
        pass.forEach((i, k) => {
          if (this.scored[i]) return;
          this.values.set(sum.subarray(k * width, (k + 1) * width), i * width);
          this.scored[i] = 1;
          this.left--;
        });
        this.onProgress?.((this.groups.length - this.left) * width, this.values.length);
      }
    } finally {
      // On WebGPU the scorer holds the weights: kept until every prompt is scored.
      if (!this.onGpu || this.left === 0) await this.release();
    }
    return (performance.now() - t0) / 1000;
  }

  async release(): Promise<void> {
    await this.scorer?.release();
    this.scorer = null;
  }
}

export function planSteps(prompts: number, c: Pick<DpoConfig, 'prompts_per_step' | 'num_train_epochs' | 'max_steps'>): { perEpoch: number; total: number } {
  const perEpoch = Math.floor(prompts / c.prompts_per_step);
  return { perEpoch, total: perEpoch === 0 ? 0 : c.max_steps > 0 ? c.max_steps : perEpoch * c.num_train_epochs };
}

export class DpoRun {
  private orders = new Map<number, number[]>();
  private constructor(
    private readonly ort: OrtApi,
    private readonly model: DpoModel,
    private readonly groups: readonly PreferenceGroup[],
    readonly config: DpoConfig,
    private readonly session: TrainSession,
    private readonly reference: LazyReference,
    readonly fingerprint: string,
    readonly label: string,
    private completed: number,
    readonly history: DpoStepLog[],
  ) {}

  static async create(
    ort: OrtApi,
    ep: ExecutionProvider,
    model: DpoModel,
    groups: readonly PreferenceGroup[],
    config: DpoConfig,
    opts: {
      label?: string;
      resume?: DpoCheckpoint | null;
      onReference?: (done: number, total: number) => void;
    } = {},
  ): Promise<DpoRun> {
    const m = config.negatives_per_prompt;
    const usable = groups.filter((g) => g.rejected.length > 0);
    if (planSteps(usable.length, config).perEpoch === 0) {
      throw new Error(`DPO: ${usable.length} prompts have negatives; one optimizer step needs ${config.prompts_per_step}`);
    }
    const fingerprint = dataFingerprint(usable, m);
    const resume = opts.resume ?? null;
    if (resume && resume.fingerprint !== fingerprint) throw new Error('DPO: the checkpoint was trained on different data; start a new run');

    // The vocabulary sliced as dpoTrainStep slices it: the same numerics, so step-1 rewards are exactly 0.
    const createScorer = () => SequenceScorer.create(ort, model.config, model.weights, ep, model.padTokenId, { trainingForm: true, vocabChunks: vocabChunksFor(model.config) });
    const reference = new LazyReference(createScorer, ep === 'webgpu', usable, config, opts.onReference);

    const cfg = model.config;
    const passes = config.prompts_per_step / promptsPerPass(config);
    const spec = dpoTrainStep(cfg, dpoLossOptions(config), m, {
      lora: config.lora,
      optimizer: { weightDecay: config.weight_decay, maxGradNorm: config.max_grad_norm },
      gradientAccumulation: passes > 1,
      checkpointing: checkpointingOf(config),
    });
    const graph = buildTrainStep({ ...spec, separateUpdate: separateUpdatePays(ep, spec.trainable) });
    const shapes = new Map(weightSpecs(cfg).map((s) => [s.name, s.shape]));
    const host = (values: Map<string, Float32Array>, shape: (n: string) => number[]) =>
      Object.fromEntries([...values].map(([n, data]) => [n, { data, dims: shape(n) }]));
    let trainable: Record<string, HostTensor>;
    let frozen: Record<string, HostTensor> = {};
    if (resume) {
      trainable = Object.fromEntries(splitTrainState(Object.entries(resume.state)).params);
    } else if (config.lora) {
      const loraShapes = new Map(loraParamSpecs(cfg, config.lora).map((p) => [p.name, p.shape]));
      trainable = host(initLora(cfg, config.lora, config.seed), (n) => loraShapes.get(n)!);
    } else {
      trainable = host(model.weights, (n) => shapes.get(n)!);
    }
    if (config.lora) frozen = host(model.weights, (n) => shapes.get(n)!);
    const session = await TrainSession.create(ort, graph, ep, trainable, frozen, { initialState: resume?.state });
    const label = opts.label ?? resume?.label ?? `DPO M=${m}`;
    return new DpoRun(ort, model, usable, config, session, reference, fingerprint, label, resume?.step ?? 0, [...(resume?.history ?? [])]);
  }

  get stepsDone(): number {
    return this.completed;
  }

  get totalSteps(): number {
    return planSteps(this.groups.length, this.config).total;
  }

  get prompts(): number {
    return this.groups.length;
  }

  /** Prompts of optimizer step `step` (1-based), in their epoch's order. */
  private promptsOf(step: number): number[] {
    const { perEpoch } = planSteps(this.groups.length, this.config);
    const epoch = Math.floor((step - 1) / perEpoch);
    let order = this.orders.get(epoch);
    if (!order) {
      order = epochOrder(this.config.seed, epoch, this.groups.length);
      this.orders.set(epoch, order);
    }
    const at = ((step - 1) % perEpoch) * this.config.prompts_per_step;
    return order.slice(at, at + this.config.prompts_per_step);
  }

  private schedule(): Schedule {
    if (this.config.lr_scheduler_type === 'constant') return { kind: 'constant' };
    return { kind: 'cosine', warmupSteps: Math.ceil(this.config.warmup_ratio * this.totalSteps), totalSteps: this.totalSteps };
  }

  /** One optimizer step. Throws NonFiniteLossError when the loss is NaN or infinite. */
  async step(): Promise<DpoStepLog> {
    if (this.completed >= this.totalSteps) throw new Error('DPO: the run is finished');
    const t0 = performance.now();
    const step = this.completed + 1;
    const m = this.config.negatives_per_prompt;
    const prompts = this.promptsOf(step);
    const perPass = promptsPerPass(this.config);
    const lr = learningRate(this.config.learning_rate, step, this.schedule());
    const grouped = prompts.map((i) => groupRows(this.groups[i], m, this.config.max_length));
    // Each pass's share of the step: its real pairs (prompts for InfoNCA and sft,
    // whose loss is per prompt), so accumulated passes equal one pass over all
    // prompts. The NLL (RPO's term, sft's loss) is each pass's own token mean, as
    // TRL's is per micro-batch.
    const perPrompt = this.config.loss_type === 'infonca' || this.config.loss_type === 'sft';
    const weightOf = (g: { mask: number[] }) => (perPrompt ? 1 : g.mask.reduce((a, x) => a + x, 0) - 1);
    const totalWeight = grouped.reduce((a, g) => a + weightOf(g), 0);
    const pairWeight = (p: typeof grouped) => p.reduce((a, g) => a + weightOf(g), 0) / totalWeight;
    // Metrics are per pair for every loss (TRL's logging), so they weigh by real pairs whatever the passes.
    const pairsOf = (g: { mask: number[] }) => g.mask.reduce((a, x) => a + x, 0) - 1;
    const totalPairs = grouped.reduce((a, g) => a + pairsOf(g), 0);
    const metricWeight = (p: typeof grouped) => p.reduce((a, g) => a + pairsOf(g), 0) / totalPairs;
    const sums: Record<string, number> = {};
    let gradNorm = 0;
    let tokens = 0;
    const passes: number[][] = [];
    for (let at = 0; at < prompts.length; at += perPass) passes.push(prompts.slice(at, at + perPass));
    const referenceSeconds = await this.reference.ensure(passes);
    for (let at = 0; at < prompts.length; at += perPass) {
      const pass = grouped.slice(at, at + perPass);
      const rows = pass.flatMap((x) => x.rows);
      const mask = Float32Array.from(pass.flatMap((x) => x.mask));
      const ref = Float32Array.from(passes[at / perPass].flatMap((i) => Array.from(this.reference.values.subarray(i * (1 + m), (i + 1) * (1 + m)))));
      const packed = packSequences(rows, this.model.padTokenId);
      tokens += rows.reduce((a, r, k) => a + mask[k] * (r.prompt.length + r.response.length), 0);
      const feeds: Record<string, Tensor> = batchTensors(this.ort, {
        ...sequenceFeeds(packed),
        ref_logps: { type: 'float32', data: ref, dims: [rows.length] },
        row_mask: { type: 'float32', data: mask, dims: [rows.length] },
      });
      const share = pairWeight(pass);
      const last = at + perPass >= prompts.length;
      const out = last ? await this.session.step(feeds, lr, step, share) : await this.session.accumulate(feeds, share);
      for (const [name, v] of Object.entries(out)) {
        if (name === 'grad_norm') continue;
        sums[name] = (sums[name] ?? 0) + (name === 'loss' ? share : metricWeight(pass)) * v[0];
      }
      if (last) gradNorm = out.grad_norm[0];
    }
    const mean = (name: string) => sums[name];
    if (!Number.isFinite(mean('loss'))) throw new NonFiniteLossError(step, mean('loss'));
    this.completed = step;
    const log: DpoStepLog = {
      step,
      epoch: step / planSteps(this.groups.length, this.config).perEpoch,
      loss: mean('loss'),
      'rewards/chosen': mean('rewards/chosen'),
      'rewards/rejected': mean('rewards/rejected'),
      'rewards/accuracies': mean('rewards/accuracies'),
      'rewards/margins': mean('rewards/margins'),
      'logps/chosen': mean('logps/chosen'),
      'logps/rejected': mean('logps/rejected'),
      ...('nll_loss' in sums ? { nll_loss: mean('nll_loss') } : {}),
      grad_norm: gradNorm,
      learning_rate: lr,
      seconds: (performance.now() - t0) / 1000,
      referenceSeconds,
      tokens,
    };
    this.history.push(log);
    return log;
  }

  async checkpoint(): Promise<DpoCheckpoint> {
    return { ...this.checkpointInfo(), state: await this.session.fullState() };
  }

  /** checkpoint() whose state is a view of the run's own: valid until the next step, for a save (1.5 GiB not copied at 135M, full). */
  async checkpointViews(): Promise<DpoCheckpoint> {
    return { ...this.checkpointInfo(), state: await this.session.fullState({ views: true }) };
  }

  /** The checkpoint without its tensors. */
  checkpointInfo(): Omit<DpoCheckpoint, 'state'> {
    return { label: this.label, step: this.completed, totalSteps: this.totalSteps, fingerprint: this.fingerprint, config: this.config, history: [...this.history] };
  }

  /**
   * The policy as plain Hugging Face weights (LoRA merged). `final`: the run takes no more steps, so full
   * fine-tuning hands over its own parameters instead of a copy (0.5 GiB at 135M).
   */
  async policyWeights({ final = false } = {}): Promise<Map<string, Float32Array>> {
    const trained = new Map(Object.entries(await this.session.parameters({ views: final })));
    if (!this.config.lora) return trained;
    return mergeLora(this.model.weights, trained, this.model.config, this.config.lora);
  }

  /** LoRA adapters by PEFT name; null for full fine-tuning. */
  async adapters(): Promise<Map<string, Float32Array> | null> {
    return this.config.lora ? new Map(Object.entries(await this.session.parameters())) : null;
  }

  async release(): Promise<void> {
    await this.reference.release();
    await this.session.release();
  }
}

export interface RewardAccuracy {
  /** Fraction of (prompt, rejected) pairs where the chosen response's implicit reward is higher. */
  accuracy: number;
  margin: number;
  pairs: number;
}

/**
 * TRL's rewards/accuracies and rewards/margins on held-out groups packed as
 * groupRows does (rowMask 0 = padding): r = β·(log π − log π_ref).
 */
export function rewardAccuracy(policy: SequenceScores, reference: SequenceScores, rowMask: ArrayLike<number>, m: number, beta: number): RewardAccuracy {
  const groups = policy.sum.length / (1 + m);
  let correct = 0;
  let margin = 0;
  let pairs = 0;
  for (let b = 0; b < groups; b++) {
    const r = (k: number) => beta * (policy.sum[b * (1 + m) + k] - reference.sum[b * (1 + m) + k]);
    for (let k = 1; k <= m; k++) {
      if (!rowMask[b * (1 + m) + k]) continue;
      if (r(0) > r(k)) correct++;
      margin += r(0) - r(k);
      pairs++;
    }
  }
  return { accuracy: pairs ? correct / pairs : 0, margin: pairs ? margin / pairs : 0, pairs };
}
