// Model configs read from a Hugging Face config.json, for the two decoder
// families the lab compiles: Llama-style (Llama, Mistral, Qwen2, SmolLM…) and GPT-2.

export type Family = 'llama' | 'gpt2';

export interface LmConfig {
  family: Family;
  modelType: string;
  vocabSize: number;
  hiddenSize: number; // C
  numLayers: number;
  numHeads: number; // H
  numKvHeads: number; // KV (grouped-query attention when < H)
  headDim: number; // D
  intermediateSize: number;
  maxPositions: number;
  normEps: number;
  /** Llama family only. */
  ropeTheta: number;
  tieEmbeddings: boolean;
  /** Biases on q/k/v projections (Qwen2; Llama's attention_bias). */
  qkvBias: boolean;
  /** Bias on the attention output projection (Llama's attention_bias). */
  outBias: boolean;
  mlpBias: boolean;
  activation: 'silu' | 'gelu_new' | 'gelu';
  bosTokenId: number | null;
  eosTokenIds: number[];
  padTokenId: number | null;
}

export const SUPPORTED_MODEL_TYPES = ['llama', 'mistral', 'qwen2', 'gpt2'] as const;

type Json = Record<string, unknown>;

function field<T>(cfg: Json, names: string[], check: (v: unknown) => v is T, what: string, fallback?: T): T {
  for (const n of names) if (cfg[n] !== undefined && cfg[n] !== null) {
    if (!check(cfg[n])) throw new Error(`config.json: field "${n}" should be ${what}, got ${JSON.stringify(cfg[n])}`);
    return cfg[n];
  }
  if (fallback !== undefined) return fallback;
  throw new Error(`config.json: missing field "${names[0]}"`);
}

const isInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isStr = (v: unknown): v is string => typeof v === 'string';

function tokenIds(v: unknown): number[] {
  if (v === undefined || v === null) return [];
  if (isInt(v)) return [v];
  if (Array.isArray(v) && v.every(isInt)) return v;
  throw new Error(`config.json: eos_token_id should be an integer or a list of integers, got ${JSON.stringify(v)}`);
}

export function parseConfig(json: unknown): LmConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('config.json: expected a JSON object');
  const cfg = json as Json;
  const modelType = field(cfg, ['model_type'], isStr, 'a string');
  if (!(SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType)) {
    throw new Error(`config.json: model_type "${modelType}" is not supported; supported: ${SUPPORTED_MODEL_TYPES.join(', ')}`);
  }
  const common = {
    modelType,
    vocabSize: field(cfg, ['vocab_size'], isInt, 'an integer'),
    bosTokenId: cfg.bos_token_id === undefined || cfg.bos_token_id === null ? null : field(cfg, ['bos_token_id'], isInt, 'an integer'),
    eosTokenIds: tokenIds(cfg.eos_token_id),
    padTokenId: cfg.pad_token_id === undefined || cfg.pad_token_id === null ? null : field(cfg, ['pad_token_id'], isInt, 'an integer'),
  };

  if (modelType === 'gpt2') {
    const hiddenSize = field(cfg, ['n_embd', 'hidden_size'], isInt, 'an integer');
    const numHeads = field(cfg, ['n_head', 'num_attention_heads'], isInt, 'an integer');
    const act = field(cfg, ['activation_function'], isStr, 'a string', 'gelu_new');
    if (act !== 'gelu_new' && act !== 'gelu') throw new Error(`config.json: activation_function "${act}" is not supported for gpt2 (gelu_new, gelu)`);
    return {
      ...common,
      family: 'gpt2',
      hiddenSize,
      numLayers: field(cfg, ['n_layer', 'num_hidden_layers'], isInt, 'an integer'),
      numHeads,
      numKvHeads: numHeads,
      headDim: hiddenSize / numHeads,
      intermediateSize: field(cfg, ['n_inner'], isInt, 'an integer', 4 * hiddenSize),
      maxPositions: field(cfg, ['n_positions', 'max_position_embeddings'], isInt, 'an integer'),
      normEps: field(cfg, ['layer_norm_epsilon'], isNum, 'a number', 1e-5),
      ropeTheta: 0,
      tieEmbeddings: field(cfg, ['tie_word_embeddings'], isBool, 'a boolean', true),
      qkvBias: true,
      outBias: true,
      mlpBias: true,
      activation: act,
    };
  }

  const ropeScaling = cfg.rope_scaling as Json | null | undefined;
  if (ropeScaling && !['default', undefined].includes((ropeScaling.rope_type ?? ropeScaling.type) as string | undefined)) {
    throw new Error(`config.json: rope_scaling ${JSON.stringify(ropeScaling)} is not supported yet (only default RoPE)`);
  }
  const act = field(cfg, ['hidden_act'], isStr, 'a string', 'silu');
  if (act !== 'silu') throw new Error(`config.json: hidden_act "${act}" is not supported for ${modelType} (silu)`);
  const hiddenSize = field(cfg, ['hidden_size'], isInt, 'an integer');
  const numHeads = field(cfg, ['num_attention_heads'], isInt, 'an integer');
  const numKvHeads = field(cfg, ['num_key_value_heads'], isInt, 'an integer', numHeads);
  if (numHeads % numKvHeads !== 0) throw new Error(`config.json: num_attention_heads ${numHeads} is not a multiple of num_key_value_heads ${numKvHeads}`);
  const attentionBias = field(cfg, ['attention_bias'], isBool, 'a boolean', false);
  return {
    ...common,
    family: 'llama',
    hiddenSize,
    numLayers: field(cfg, ['num_hidden_layers'], isInt, 'an integer'),
    numHeads,
    numKvHeads,
    headDim: field(cfg, ['head_dim'], isInt, 'an integer', hiddenSize / numHeads),
    intermediateSize: field(cfg, ['intermediate_size'], isInt, 'an integer'),
    maxPositions: field(cfg, ['max_position_embeddings'], isInt, 'an integer'),
    normEps: field(cfg, ['rms_norm_eps'], isNum, 'a number', 1e-6),
    ropeTheta: field(cfg, ['rope_theta'], isNum, 'a number', 10000),
    tieEmbeddings: field(cfg, ['tie_word_embeddings'], isBool, 'a boolean', modelType === 'qwen2'),
    qkvBias: modelType === 'qwen2' || attentionBias,
    outBias: attentionBias,
    mlpBias: field(cfg, ['mlp_bias'], isBool, 'a boolean', false),
    activation: 'silu',
  };
}

export interface TensorSpec {
  name: string;
  shape: number[];
}

/** Every weight the model needs, by Hugging Face name and shape ([out, in] for Linear, [in, out] for GPT-2 Conv1D). */
export function weightSpecs(cfg: LmConfig): TensorSpec[] {
  const { hiddenSize: C, headDim: D, numHeads: H, numKvHeads: KV, intermediateSize: I, vocabSize: V } = cfg;
  const specs: TensorSpec[] = [];
  const add = (name: string, ...shape: number[]) => specs.push({ name, shape });
  if (cfg.family === 'gpt2') {
    add('wte.weight', V, C);
    add('wpe.weight', cfg.maxPositions, C);
    for (let l = 0; l < cfg.numLayers; l++) {
      const p = `h.${l}.`;
      add(`${p}ln_1.weight`, C); add(`${p}ln_1.bias`, C);
      add(`${p}attn.c_attn.weight`, C, 3 * C); add(`${p}attn.c_attn.bias`, 3 * C);
      add(`${p}attn.c_proj.weight`, C, C); add(`${p}attn.c_proj.bias`, C);
      add(`${p}ln_2.weight`, C); add(`${p}ln_2.bias`, C);
      add(`${p}mlp.c_fc.weight`, C, I); add(`${p}mlp.c_fc.bias`, I);
      add(`${p}mlp.c_proj.weight`, I, C); add(`${p}mlp.c_proj.bias`, C);
    }
    add('ln_f.weight', C); add('ln_f.bias', C);
    if (!cfg.tieEmbeddings) add('lm_head.weight', V, C);
    return specs;
  }
  add('model.embed_tokens.weight', V, C);
  for (let l = 0; l < cfg.numLayers; l++) {
    const p = `model.layers.${l}.`;
    add(`${p}input_layernorm.weight`, C);
    add(`${p}self_attn.q_proj.weight`, H * D, C);
    add(`${p}self_attn.k_proj.weight`, KV * D, C);
    add(`${p}self_attn.v_proj.weight`, KV * D, C);
    if (cfg.qkvBias) {
      add(`${p}self_attn.q_proj.bias`, H * D);
      add(`${p}self_attn.k_proj.bias`, KV * D);
      add(`${p}self_attn.v_proj.bias`, KV * D);
    }
    add(`${p}self_attn.o_proj.weight`, C, H * D);
    if (cfg.outBias) add(`${p}self_attn.o_proj.bias`, C);
    add(`${p}post_attention_layernorm.weight`, C);
    add(`${p}mlp.gate_proj.weight`, I, C);
    add(`${p}mlp.up_proj.weight`, I, C);
    add(`${p}mlp.down_proj.weight`, C, I);
    if (cfg.mlpBias) {
      add(`${p}mlp.gate_proj.bias`, I);
      add(`${p}mlp.up_proj.bias`, I);
      add(`${p}mlp.down_proj.bias`, C);
    }
  }
  add('model.norm.weight', C);
  if (!cfg.tieEmbeddings) add('lm_head.weight', V, C);
  return specs;
}
