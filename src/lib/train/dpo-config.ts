// A DPO run's configuration, in the names TRL's DPOConfig gives its fields (and
// PEFT's LoraConfig for LoRA), each with a one-line help text as TRL's
// dataclass has. It is made once when a run starts, stored with the run and its
// checkpoint, and everything about the run reads it: the trainer, the
// evaluation, the memory check, the scale-out job, the comparison script and
// the runs table. Fields TRL has no name for (M, prompts per step, rows per
// pass) carry the lab's own names.
import type { LabSettings } from '../settings';
import { PAPER_DPO, type Checkpointing, type DpoOptions, type DpoVariant } from './dpo';
import type { LoraConfig } from './lora';

export interface DpoConfig {
  beta: number;
  loss_type: DpoVariant;
  label_smoothing: number;
  /** TRL's: α of the chosen responses' NLL added to the loss (RPO); null = off. */
  rpo_alpha: number | null;
  learning_rate: number;
  lr_scheduler_type: 'constant' | 'cosine';
  warmup_ratio: number;
  num_train_epochs: number;
  /** TRL's convention: −1 trains by epochs. */
  max_steps: number;
  weight_decay: number;
  max_grad_norm: number;
  max_length: number;
  seed: number;
  /** transformers' TrainingArguments field (DPOConfig inherits it); the memory plan turns it on when a run would not fit without. */
  gradient_checkpointing: boolean;
  /** The lab's: recompute the LM head's logits (implied by gradient_checkpointing); the memory plan turns it on first. */
  lm_head_checkpointing: boolean;
  negatives_per_prompt: number;
  prompts_per_step: number;
  rows_per_pass: number;
  lora: LoraConfig | null;
}

/** TRL's fields (what trl.DPOConfig takes), then the lab's own. */
export const TRL_FIELDS = [
  'beta', 'loss_type', 'label_smoothing', 'rpo_alpha', 'learning_rate', 'lr_scheduler_type', 'warmup_ratio', 'num_train_epochs', 'max_steps', 'weight_decay',
  'max_grad_norm', 'max_length', 'seed', 'gradient_checkpointing',
] as const satisfies readonly (keyof DpoConfig)[];
export const LAB_FIELDS = ['lm_head_checkpointing', 'negatives_per_prompt', 'prompts_per_step', 'rows_per_pass', 'lora'] as const satisfies readonly (keyof DpoConfig)[];

export const DPO_CONFIG_HELP: Record<keyof DpoConfig, string> = {
  beta: 'β: strength of the KL pull towards the reference model',
  loss_type: 'DPO loss: sigmoid, robust, hinge, ipo, sft (TRL; sft = the chosen responses\' NLL alone), or infonca (1 chosen against all M, which TRL lacks)',
  label_smoothing: 'ε: assumed share of flipped preference labels (cDPO, robust)',
  rpo_alpha: "α: weight of the chosen responses' negative log-likelihood per token added to the DPO loss (RPO); null: off",
  learning_rate: 'peak learning rate of AdamW',
  lr_scheduler_type: 'learning-rate schedule after warmup',
  warmup_ratio: 'share of the steps spent warming the learning rate up',
  num_train_epochs: 'passes over the preference data',
  max_steps: 'when > 0, exactly this many optimizer steps (overrides epochs); −1: by epochs',
  weight_decay: 'AdamW weight decay',
  max_grad_norm: 'gradient clipping norm',
  max_length: 'tokens per sequence (prompt + response); longer ones are cut',
  seed: 'seed of the data order and of LoRA initialisation',
  gradient_checkpointing: 'recompute each layer (and the LM head) in the backward pass instead of keeping its activations: far less memory, about a quarter more compute',
  lm_head_checkpointing: "recompute only the LM head's logits, one vocabulary slice at a time, in the backward pass: for a large vocabulary about 1 GiB less at 135M, one more LM-head matmul",
  negatives_per_prompt: 'M: self-generated negatives per prompt; each gives one (chosen, rejected) pair',
  prompts_per_step: 'prompts per optimizer step, the same for every M (the paper: 128)',
  rows_per_pass: 'sequences per forward/backward pass; a step accumulates gradients over passes',
  lora: 'LoRA adapters (PEFT LoraConfig: r, lora_alpha, target_modules); null: every weight trains',
};

/** The lab's defaults: the paper's loss and M, at the default model's scale. */
export const DPO_CONFIG_DEFAULTS: DpoConfig = {
  beta: PAPER_DPO.beta, loss_type: PAPER_DPO.variant, label_smoothing: PAPER_DPO.labelSmoothing, rpo_alpha: PAPER_DPO.rpoAlpha, learning_rate: 3e-5, lr_scheduler_type: 'cosine',
  warmup_ratio: 0.1, num_train_epochs: 1, max_steps: -1, weight_decay: 0, max_grad_norm: 1, max_length: 512, seed: 1,
  gradient_checkpointing: false, lm_head_checkpointing: false,
  negatives_per_prompt: 8, prompts_per_step: 16, rows_per_pass: 36, lora: null,
};

/**
 * The run a lab session's settings describe; LoRA targets PEFT's defaults for the family unless named.
 * Sequences are cut to 512 tokens, or to the model's context when it is shorter.
 */
export function dpoConfigFrom(s: LabSettings, defaultLoraTargets: readonly string[], contextLength = Infinity): DpoConfig {
  const named = s.loraTargets.split(',').map((t) => t.trim()).filter(Boolean);
  return {
    ...DPO_CONFIG_DEFAULTS,
    beta: s.beta, loss_type: s.dpoLoss, label_smoothing: s.labelSmoothing, rpo_alpha: s.rpoAlpha > 0 ? s.rpoAlpha : null, learning_rate: s.lr, lr_scheduler_type: s.schedule, warmup_ratio: s.warmupRatio,
    num_train_epochs: s.epochs, max_steps: s.maxSteps > 0 ? s.maxSteps : -1, max_length: Math.min(DPO_CONFIG_DEFAULTS.max_length, contextLength), seed: s.seed,
    gradient_checkpointing: s.gradientCheckpointing === 'on', lm_head_checkpointing: s.gradientCheckpointing === 'lm-head',
    negatives_per_prompt: s.m, prompts_per_step: s.promptsPerStep, rows_per_pass: s.rowsPerPass,
    lora: s.loraRank > 0 ? { r: s.loraRank, lora_alpha: s.loraAlpha, target_modules: named.length ? named : [...defaultLoraTargets] } : null,
  };
}

/** What the run's train step recomputes in its backward pass. */
export const checkpointingOf = (c: Pick<DpoConfig, 'gradient_checkpointing' | 'lm_head_checkpointing'>): Checkpointing =>
  c.gradient_checkpointing ? 'layers' : c.lm_head_checkpointing ? 'lm-head' : 'none';

export const dpoLossOptions = (c: DpoConfig): DpoOptions => ({ variant: c.loss_type, beta: c.beta, labelSmoothing: c.label_smoothing, rpoAlpha: c.rpo_alpha });

/** The config as the scale-out job writes it: what trl.DPOConfig(**trl) takes, and the lab's own fields beside it. */
export function dpoConfigRecord(c: DpoConfig): { trl: Record<string, unknown>; self_contrast: Record<string, unknown> } {
  const trl: Record<string, unknown> = Object.fromEntries(TRL_FIELDS.map((k) => [k, c[k]]));
  // TRL has no loss_type for the lab's 1-vs-M InfoNCA: null, which dpo.py refuses by name.
  trl.loss_type = c.loss_type === 'infonca' ? null : c.loss_type;
  return { trl, self_contrast: Object.fromEntries(LAB_FIELDS.map((k) => [k, c[k]])) };
}

/** What runs and checkpoints stored before the config took TRL's names hold. */
interface StoredRunSettings {
  loss: Omit<DpoOptions, 'rpoAlpha'>;
  negatives: number;
  promptsPerStep: number;
  maxRowsPerPass: number;
  learningRate: number;
  schedule: 'constant' | 'cosine';
  warmupRatio: number;
  epochs: number;
  maxSteps: number;
  weightDecay: number;
  maxGradNorm: number;
  maxLength: number;
  seed: number;
  lora: { rank: number; alpha: number; targetModules: string[] } | null;
}

export type StoredDpoConfig = DpoConfig | StoredRunSettings;

/** A stored run's config, whichever form it was saved in: paused runs from before the rename still resume. */
export function storedDpoConfig(stored: StoredDpoConfig): DpoConfig {
  // Configs stored before a field existed take that field's default.
  if (!('loss' in stored)) return { ...stored, rpo_alpha: stored.rpo_alpha ?? null, gradient_checkpointing: stored.gradient_checkpointing ?? false, lm_head_checkpointing: stored.lm_head_checkpointing ?? false };
  const s = stored;
  return {
    beta: s.loss.beta, loss_type: s.loss.variant, label_smoothing: s.loss.labelSmoothing, rpo_alpha: null, learning_rate: s.learningRate, lr_scheduler_type: s.schedule,
    warmup_ratio: s.warmupRatio, num_train_epochs: s.epochs, max_steps: s.maxSteps > 0 ? s.maxSteps : -1, weight_decay: s.weightDecay,
    max_grad_norm: s.maxGradNorm, max_length: s.maxLength, seed: s.seed, gradient_checkpointing: false, lm_head_checkpointing: false, negatives_per_prompt: s.negatives, prompts_per_step: s.promptsPerStep,
    rows_per_pass: s.maxRowsPerPass, lora: s.lora ? { r: s.lora.rank, lora_alpha: s.lora.alpha, target_modules: s.lora.targetModules } : null,
  };
}
