import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../settings';
import { DPO_CONFIG_DEFAULTS, DPO_CONFIG_HELP, dpoConfigFrom, dpoConfigRecord, dpoLossOptions, LAB_FIELDS, storedDpoConfig, TRL_FIELDS } from './dpo-config';

describe("a run's DPO config in TRL's names", () => {
  it('has a help line for every field, and the lab defaults are what a run started with default settings trains', () => {
    for (const name of [...TRL_FIELDS, ...LAB_FIELDS]) expect(DPO_CONFIG_HELP[name].length, name).toBeGreaterThan(10);
    expect(Object.keys(DPO_CONFIG_HELP).sort()).toEqual([...TRL_FIELDS, ...LAB_FIELDS].sort());
    expect(dpoConfigFrom(DEFAULT_SETTINGS, ['q_proj', 'v_proj'])).toEqual(DPO_CONFIG_DEFAULTS);
  });

  it('takes the settings, PEFT defaults for LoRA targets, and the model context', () => {
    const c = dpoConfigFrom({ ...DEFAULT_SETTINGS, loraRank: 4, loraAlpha: 8, loraTargets: '', maxSteps: 7, m: 2 }, ['c_attn'], 128);
    expect(c).toMatchObject({ lora: { r: 4, lora_alpha: 8, target_modules: ['c_attn'] }, max_steps: 7, max_length: 128, negatives_per_prompt: 2 });
    expect(dpoConfigFrom({ ...DEFAULT_SETTINGS, loraRank: 4, loraTargets: 'q_proj, o_proj' }, ['c_attn']).lora!.target_modules).toEqual(['q_proj', 'o_proj']);
    // RPO α 0 is TRL's None (off); any other value is rpo_alpha, and the loss options carry it.
    expect(dpoConfigFrom(DEFAULT_SETTINGS, []).rpo_alpha).toBeNull();
    const rpo = dpoConfigFrom({ ...DEFAULT_SETTINGS, rpoAlpha: 0.5 }, []);
    expect(rpo.rpo_alpha).toBe(0.5);
    expect(dpoLossOptions(rpo)).toEqual({ variant: 'sigmoid', beta: 0.1, labelSmoothing: 0, rpoAlpha: 0.5 });
    expect(dpoConfigRecord(rpo).trl.rpo_alpha).toBe(0.5);
  });

  it("writes TRL's DPOConfig fields and says where TRL has no equivalent", () => {
    const record = dpoConfigRecord({ ...DPO_CONFIG_DEFAULTS, max_steps: 40, loss_type: 'infonca', beta: 0.2, lora: { r: 8, lora_alpha: 16, target_modules: ['q_proj', 'v_proj'] } });
    expect(Object.keys(record.trl)).toEqual([...TRL_FIELDS]);
    expect(record.trl).toMatchObject({ beta: 0.2, loss_type: null, max_steps: 40, learning_rate: DPO_CONFIG_DEFAULTS.learning_rate });
    expect(record.self_contrast).toEqual({ lm_head_checkpointing: false, negatives_per_prompt: 8, prompts_per_step: 16, rows_per_pass: 36, lora: { r: 8, lora_alpha: 16, target_modules: ['q_proj', 'v_proj'] } });
  });

  it('reads runs and checkpoints stored before the config took these names', () => {
    const legacy = {
      loss: { variant: 'ipo' as const, beta: 0.3, labelSmoothing: 0 }, negatives: 4, promptsPerStep: 8, maxRowsPerPass: 20, learningRate: 1e-4, schedule: 'constant' as const,
      warmupRatio: 0, epochs: 2, maxSteps: 0, weightDecay: 0, maxGradNorm: 1, maxLength: 256, seed: 9, lora: { rank: 4, alpha: 8, targetModules: ['q_proj'] },
    };
    expect(storedDpoConfig(legacy)).toEqual({
      beta: 0.3, loss_type: 'ipo', label_smoothing: 0, rpo_alpha: null, learning_rate: 1e-4, lr_scheduler_type: 'constant', warmup_ratio: 0, num_train_epochs: 2, max_steps: -1,
      weight_decay: 0, max_grad_norm: 1, max_length: 256, seed: 9, gradient_checkpointing: false, lm_head_checkpointing: false, negatives_per_prompt: 4, prompts_per_step: 8, rows_per_pass: 20,
      lora: { r: 4, lora_alpha: 8, target_modules: ['q_proj'] },
    });
    expect(storedDpoConfig(DPO_CONFIG_DEFAULTS)).toEqual(DPO_CONFIG_DEFAULTS);
    // Stored in TRL's names before gradient_checkpointing (and lm_head_checkpointing, rpo_alpha) existed: without them.
    const before: Partial<typeof DPO_CONFIG_DEFAULTS> = { ...DPO_CONFIG_DEFAULTS };
    delete before.gradient_checkpointing;
    delete before.lm_head_checkpointing;
    delete before.rpo_alpha;
    expect(storedDpoConfig(before as typeof DPO_CONFIG_DEFAULTS)).toEqual(DPO_CONFIG_DEFAULTS);
  });
});
