import { describe, expect, it } from 'vitest';
import { parseConfig, weightSpecs } from './config';
import { TINY_CONFIGS } from './random-init';

describe('parseConfig', () => {
  it('reads Llama-family fields, grouped-query attention and Qwen2 biases', () => {
    const llama = parseConfig(TINY_CONFIGS.llama);
    expect(llama).toMatchObject({ family: 'llama', numHeads: 4, numKvHeads: 2, headDim: 8, qkvBias: false, tieEmbeddings: false, eosTokenIds: [2] });
    const qwen = parseConfig(TINY_CONFIGS.qwen2);
    expect(qwen).toMatchObject({ family: 'llama', numKvHeads: 1, qkvBias: true, tieEmbeddings: true, ropeTheta: 1000000 });
    expect(weightSpecs(qwen).some((s) => s.name === 'model.layers.0.self_attn.q_proj.bias')).toBe(true);
    expect(weightSpecs(qwen).some((s) => s.name === 'lm_head.weight')).toBe(false);
  });

  it('reads GPT-2 fields with Conv1D layouts', () => {
    const gpt2 = parseConfig(TINY_CONFIGS.gpt2);
    expect(gpt2).toMatchObject({ family: 'gpt2', hiddenSize: 32, numKvHeads: 4, intermediateSize: 128, activation: 'gelu_new' });
    expect(weightSpecs(gpt2).find((s) => s.name === 'h.0.attn.c_attn.weight')?.shape).toEqual([32, 96]);
  });

  it('names the supported model types when one is not', () => {
    expect(() => parseConfig({ ...TINY_CONFIGS.llama, model_type: 'mamba' })).toThrow('model_type "mamba" is not supported; supported: llama, mistral, qwen2, gpt2');
  });

  it('names a missing or ill-typed field', () => {
    const noHidden: Record<string, unknown> = { ...TINY_CONFIGS.llama };
    delete noHidden.hidden_size;
    expect(() => parseConfig(noHidden)).toThrow('missing field "hidden_size"');
    expect(() => parseConfig({ ...TINY_CONFIGS.llama, num_attention_heads: 'four' })).toThrow('field "num_attention_heads" should be an integer');
    expect(() => parseConfig({ ...TINY_CONFIGS.llama, rope_scaling: { rope_type: 'llama3', factor: 8 } })).toThrow('rope_scaling');
  });
});
