// Tiny random-init models in the Hugging Face Hub's repository layout, for the
// tests' local Hub server (e2e/hub-server.ts serves /{org}/{name}/resolve/main/{file}):
//   lab-tiny/llama-sharded   Llama, weights split over two shards with model.safetensors.index.json
//   lab-tiny/qwen2-bf16      Qwen2 (q/k/v biases, tied embeddings), weights stored as BF16
//   lab-tiny/gpt2            GPT-2 (Conv1D layout, learned positions)
//   lab-tiny/bert-unsupported  a config the lab does not compile (for the error path)
// Real Hugging Face tensor names and config fields; the tokenizer is the default LM's.
// (The server also serves models/embed as lab-tiny/embed, a transformers.js-layout encoder.)
// Run: npx tsx scripts/build-hub-fixtures.ts
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, weightSpecs } from '../src/lib/model/config';
import { randomWeights } from '../src/lib/model/random-init';
import { writeSafetensors, type NamedTensor } from '../src/lib/model/safetensors';

const OUT = 'e2e/hub-fixtures/lab-tiny';
const tokenizerJson = readFileSync('models/lm/tokenizer.json');
const tokenizerConfig = JSON.parse(readFileSync('models/lm/tokenizer_config.json', 'utf8'));
const vocab = 1024;
const eos = 2; // <|im_end|> in the default tokenizer
const pad = 0;

const configs = {
  'llama-sharded': {
    architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: vocab, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2,
    num_attention_heads: 4, num_key_value_heads: 2, max_position_embeddings: 256, rms_norm_eps: 1e-5, rope_theta: 10000, tie_word_embeddings: false,
    hidden_act: 'silu', attention_bias: false, mlp_bias: false, bos_token_id: null, eos_token_id: eos, pad_token_id: pad, torch_dtype: 'float32',
  },
  'qwen2-bf16': {
    architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', vocab_size: vocab, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2,
    num_attention_heads: 4, num_key_value_heads: 1, max_position_embeddings: 256, rms_norm_eps: 1e-6, rope_theta: 1000000, tie_word_embeddings: true,
    hidden_act: 'silu', bos_token_id: null, eos_token_id: eos, pad_token_id: pad, torch_dtype: 'bfloat16',
  },
  gpt2: {
    architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', vocab_size: vocab, n_embd: 32, n_layer: 2, n_head: 4, n_positions: 256, n_inner: null,
    layer_norm_epsilon: 1e-5, activation_function: 'gelu_new', bos_token_id: eos, eos_token_id: eos, torch_dtype: 'float32',
  },
};

rmSync(OUT, { recursive: true, force: true });
const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';
Object.entries(configs).forEach(([name, config], k) => {
  const dir = join(OUT, name);
  mkdirSync(dir, { recursive: true });
  const cfg = parseConfig(config);
  // Std 0.2 so the logits are far from uniform and a wrong weight shows.
  const weights = randomWeights(cfg, 11 + k, 0.2);
  const tensors: NamedTensor[] = weightSpecs(cfg).map((s) => ({ name: s.name, shape: s.shape, data: weights.get(s.name)! }));
  writeFileSync(join(dir, 'config.json'), json(config));
  writeFileSync(join(dir, 'tokenizer.json'), tokenizerJson);
  writeFileSync(join(dir, 'tokenizer_config.json'), json(tokenizerConfig));
  writeFileSync(join(dir, 'generation_config.json'), json({ eos_token_id: eos, pad_token_id: pad }));
  if (name === 'llama-sharded') {
    const half = Math.ceil(tensors.length / 2);
    const shards = [tensors.slice(0, half), tensors.slice(half)];
    const weightMap: Record<string, string> = {};
    shards.forEach((shard, i) => {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      writeFileSync(join(dir, file), writeSafetensors(shard, { format: 'pt' }));
      for (const t of shard) weightMap[t.name] = file;
    });
    const totalSize = tensors.reduce((a, t) => a + 4 * t.data.length, 0);
    writeFileSync(join(dir, 'model.safetensors.index.json'), json({ metadata: { total_size: totalSize }, weight_map: weightMap }));
  } else {
    writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(tensors, { format: 'pt' }, name === 'qwen2-bf16' ? 'BF16' : 'F32'));
  }
});

const bert = join(OUT, 'bert-unsupported');
mkdirSync(bert, { recursive: true });
writeFileSync(join(bert, 'config.json'), json({ architectures: ['BertModel'], model_type: 'bert', vocab_size: vocab, hidden_size: 32 }));
writeFileSync(join(bert, 'tokenizer.json'), tokenizerJson);

console.log(`wrote ${OUT}`);
