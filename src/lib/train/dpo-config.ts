// A DPO run's settings under the names TRL's DPOConfig gives them, each with a
// one-line help text: what the runs table shows for a run and what the
// scale-out job hands to trl.DPOConfig(**...). Fields TRL has no name for
// (M, prompts per step, LoRA) are listed under the lab's own names.
import type { DpoRunSettings } from './dpo-run';

export interface ConfigField {
  name: string;
  value: unknown;
  help: string;
}

/** TRL's loss_type for the lab's loss; null where TRL has none (1-vs-M InfoNCA). */
export const trlLossType = (variant: DpoRunSettings['loss']['variant']): string | null => (variant === 'infonca' ? null : variant);

/** The fields trl.DPOConfig takes, in its names. */
export function trlDpoFields(s: DpoRunSettings): ConfigField[] {
  return [
    { name: 'beta', value: s.loss.beta, help: 'β: strength of the KL pull towards the reference model' },
    { name: 'loss_type', value: trlLossType(s.loss.variant), help: 'DPO loss (sigmoid, robust, hinge, ipo); null: the lab trained InfoNCA, which TRL lacks' },
    { name: 'label_smoothing', value: s.loss.labelSmoothing, help: 'ε: assumed share of flipped preference labels (cDPO, robust)' },
    { name: 'learning_rate', value: s.learningRate, help: 'peak learning rate of AdamW' },
    { name: 'lr_scheduler_type', value: s.schedule === 'cosine' ? 'cosine' : 'constant', help: 'learning-rate schedule after warmup' },
    { name: 'warmup_ratio', value: s.warmupRatio, help: 'share of the steps spent warming the learning rate up' },
    { name: 'num_train_epochs', value: s.epochs, help: 'passes over the preference data' },
    { name: 'max_steps', value: s.maxSteps > 0 ? s.maxSteps : -1, help: 'when > 0, exactly this many optimizer steps (overrides epochs)' },
    { name: 'weight_decay', value: s.weightDecay, help: 'AdamW weight decay' },
    { name: 'max_grad_norm', value: s.maxGradNorm, help: 'gradient clipping norm' },
    { name: 'max_length', value: s.maxLength, help: 'tokens per sequence (prompt + response); longer ones are cut' },
    { name: 'seed', value: s.seed, help: 'seed of the data order and of LoRA initialisation' },
  ];
}

/** What the lab adds to TRL's config: negatives per prompt, the step's size in prompts, LoRA (PEFT's names). */
export function labDpoFields(s: DpoRunSettings): ConfigField[] {
  return [
    { name: 'negatives_per_prompt', value: s.negatives, help: 'M: self-generated negatives per prompt; each gives one (chosen, rejected) pair' },
    { name: 'prompts_per_step', value: s.promptsPerStep, help: 'prompts per optimizer step, the same for every M (the paper: 128)' },
    { name: 'rows_per_pass', value: s.maxRowsPerPass, help: 'sequences per forward/backward pass; a step accumulates gradients over passes' },
    { name: 'lora', value: s.lora ? { r: s.lora.rank, lora_alpha: s.lora.alpha, target_modules: s.lora.targetModules } : null, help: 'LoRA adapters (PEFT LoraConfig); null: every weight trains' },
  ];
}

const asObject = (fields: ConfigField[]) => Object.fromEntries(fields.map((f) => [f.name, f.value]));

/** The run's config as the scale-out job writes it: TRL's DPOConfig fields, and the lab's own beside them. */
export function dpoConfigRecord(s: DpoRunSettings): { trl: Record<string, unknown>; self_contrast: Record<string, unknown> } {
  return { trl: asObject(trlDpoFields(s)), self_contrast: asObject(labDpoFields(s)) };
}
