import { describe, expect, it } from 'vitest';
import { memoryPlan } from './hub-plan';
import { smollm2Config, randomGroups } from '../bench/smollm2-shape';
import { parseConfig } from '../src/lib/model/config';
import { dpoConfigFrom } from '../src/lib/train/dpo-config';
import { DEFAULT_SETTINGS } from '../src/lib/settings';
import { promptsPerPass } from '../src/lib/train/dpo-run';

describe('memoryPlan', () => {
  // SmolLM2-135M's shape at the lab's default run size (4 prompts × (1 + 8) sequences a step, 36 rows a pass asked):
  // what a user who loads it by Hub id and presses Train meets, and what the backend timing must time.
  const settings = { ...DEFAULT_SETTINGS, m: 8, promptsPerStep: 4, rowsPerPass: 36 };
  const data = randomGroups(4, 8, 118);
  const asked = (loraRank: number) => dpoConfigFrom({ ...settings, loraRank }, ['q_proj', 'v_proj'], 8192);

  it("fits LoRA into WASM's 4 GiB with fewer prompts per pass, without checkpointing", async () => {
    const planned = await memoryPlan(smollm2Config(), asked(8), 'wasm', data);
    expect(planned).toMatchObject({ rows_per_pass: 9, prompts_per_step: 4, gradient_checkpointing: false });
    expect(promptsPerPass(planned)).toBe(1);
  });

  it("recomputes only the LM head for full fine-tuning on sequences of 80 tokens, where one prompt's pass kept whole does not fit", async () => {
    const planned = await memoryPlan(smollm2Config(), asked(0), 'wasm', randomGroups(4, 8, 80));
    expect(planned).toMatchObject({ rows_per_pass: 9, gradient_checkpointing: false, lm_head_checkpointing: true, lora: null });
  });

  it('turns checkpointing on for full fine-tuning, whose state leaves too little of the 4 GiB for one pass kept whole', async () => {
    const planned = await memoryPlan(smollm2Config(), asked(0), 'wasm', data);
    expect(planned).toMatchObject({ rows_per_pass: 36, gradient_checkpointing: true, lm_head_checkpointing: false, lora: null });
  });

  it('refuses what does not fit at one prompt a pass, checkpointed: the mode, the backend and the limit in words', async () => {
    // Qwen2.5-0.5B: 494 M parameters, whose weights, gradients and AdamW moments alone pass 4 GiB.
    const qwen = parseConfig({
      model_type: 'qwen2', vocab_size: 151936, hidden_size: 896, intermediate_size: 4864, num_hidden_layers: 24, num_attention_heads: 14,
      num_key_value_heads: 2, max_position_embeddings: 32768, rms_norm_eps: 1e-6, rope_theta: 1000000, tie_word_embeddings: true, hidden_act: 'silu',
    });
    await expect(memoryPlan(qwen, asked(0), 'wasm', data)).rejects.toThrow(/^full fine-tuning on WASM: needs about [\d.]+ GiB; WebAssembly memory stops at 4 GiB\. Use LoRA/);
  });
});
