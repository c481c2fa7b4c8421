// A random-initialised checkpoint with SmolLM2-135M's public config (hidden 576,
// 30 layers, 9/3 heads, intermediate 1536, vocabulary 49152, tied embeddings):
// real scale with no download, seeded so every bench sees the same weights.
import { parseConfig, type LmConfig } from '../src/lib/model/config';
import { randomWeights } from '../src/lib/model/random-init';
import { createRng } from '../src/lib/random';
import type { PreferenceGroup } from '../src/lib/train/preference-data';

/** config.json as the Hub has it (the shipped tokenizer's special ids: <|endoftext|> 0 pads, <|im_end|> 2 ends). */
export function smollm2ConfigJson(layers = 30): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: 49152, hidden_size: 576, intermediate_size: 1536, num_hidden_layers: layers,
    num_attention_heads: 9, num_key_value_heads: 3, max_position_embeddings: 8192, rms_norm_eps: 1e-5, rope_theta: 100000, tie_word_embeddings: true,
    hidden_act: 'silu', bos_token_id: 1, eos_token_id: 2, pad_token_id: 0, torch_dtype: 'float32',
  };
}

export function smollm2Config(layers = 30): LmConfig {
  return parseConfig(smollm2ConfigJson(layers));
}

export function smollm2Weights(config: LmConfig): Map<string, Float32Array> {
  return randomWeights(config, 1);
}

/** Token ids of random text (seeded): `prompts` groups of a prompt, a chosen and M rejected responses of `length / 2` tokens each. */
export function randomGroups(prompts: number, m: number, length: number, seed = 5): PreferenceGroup[] {
  const rng = createRng(seed);
  const ids = (n: number) => Array.from({ length: n }, () => 3 + Math.floor(rng() * 49000));
  const half = length / 2;
  return Array.from({ length: prompts }, () => ({ prompt: ids(half), chosen: ids(half), rejected: Array.from({ length: m }, () => ids(half)) }));
}

export const randomPrompt = (tokens: number, seed = 5): number[] => {
  const rng = createRng(seed);
  return Array.from({ length: tokens }, () => 3 + Math.floor(rng() * 49000));
};
