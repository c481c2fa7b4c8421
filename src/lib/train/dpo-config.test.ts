import { describe, expect, it } from 'vitest';
import { dpoConfigRecord, trlDpoFields } from './dpo-config';
import { DPO_RUN_DEFAULTS } from './dpo-run';

describe("a run's DPO config in TRL's names", () => {
  it('maps every field, with help text, and says where TRL has no equivalent', () => {
    const fields = trlDpoFields(DPO_RUN_DEFAULTS);
    for (const f of fields) expect(f.help.length, f.name).toBeGreaterThan(10);
    const record = dpoConfigRecord({ ...DPO_RUN_DEFAULTS, maxSteps: 40, loss: { variant: 'infonca', beta: 0.2, labelSmoothing: 0 }, lora: { rank: 8, alpha: 16, targetModules: ['q_proj', 'v_proj'] } });
    expect(record.trl).toMatchObject({ beta: 0.2, loss_type: null, max_steps: 40, learning_rate: DPO_RUN_DEFAULTS.learningRate });
    expect(record.self_contrast).toEqual({ negatives_per_prompt: 8, prompts_per_step: 16, rows_per_pass: 36, lora: { r: 8, lora_alpha: 16, target_modules: ['q_proj', 'v_proj'] } });
  });
});
