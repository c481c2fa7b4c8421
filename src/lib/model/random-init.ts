// Random-init weights for any config, by Hugging Face name: tiny models for
// tests, benchmarks and Hub-layout fixtures, and the start of the default LM.
import { weightSpecs, type LmConfig } from './config';
import { createRng, randomNormalArray } from '../random';

/** Matrices ~ N(0, std²) (GPT-2/Llama init uses 0.02); norm gains 1, biases 0. */
export function randomWeights(cfg: LmConfig, seed: number, std = 0.02): Map<string, Float32Array> {
  const rng = createRng(seed);
  const out = new Map<string, Float32Array>();
  for (const spec of weightSpecs(cfg)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const isNorm = /norm|ln_/.test(spec.name) && spec.name.endsWith('.weight');
    const data = spec.shape.length >= 2 ? randomNormalArray(rng, n, std) : isNorm ? new Float32Array(n).fill(1) : new Float32Array(n);
    out.set(spec.name, data);
  }
  return out;
}

/** Hugging Face config.json contents of tiny models, one per supported architecture. */
export const TINY_CONFIGS = {
  llama: {
    architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: 40, hidden_size: 32, intermediate_size: 48,
    num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, max_position_embeddings: 128, rms_norm_eps: 1e-5,
    rope_theta: 10000, tie_word_embeddings: false, hidden_act: 'silu', bos_token_id: 1, eos_token_id: 2, torch_dtype: 'float32',
  },
  qwen2: {
    architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', vocab_size: 40, hidden_size: 32, intermediate_size: 48,
    num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 1, max_position_embeddings: 128, rms_norm_eps: 1e-6,
    rope_theta: 1000000, tie_word_embeddings: true, hidden_act: 'silu', bos_token_id: 1, eos_token_id: 2, torch_dtype: 'float32',
  },
  gpt2: {
    architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', vocab_size: 40, n_embd: 32, n_layer: 2, n_head: 4, n_positions: 128,
    layer_norm_epsilon: 1e-5, activation_function: 'gelu_new', bos_token_id: 1, eos_token_id: 2, torch_dtype: 'float32',
  },
} as const;
