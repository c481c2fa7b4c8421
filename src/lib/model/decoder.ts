// The causal LM as graph ops, for both families, with Hugging Face weight names
// and layouts so checkpoints load as they are:
//   B batch, T new tokens, P cached tokens, S = P + T, C hidden, H heads,
//   KV key/value heads, G = H / KV, D head dim, V vocabulary.
// Inputs follow transformers.js' decoder convention (input_ids, attention_mask,
// position_ids, past_key_values.N.key/value → logits, present.N.key/value).
import type { Value } from '../onnx/graph';
import {
  add, cast, concat, cos, div, pow, erf, gather, lessOrEqual, matmul, mul, neg, reduceMean, reshape, range, scalar, shapeOf, sigmoid, sin, slice, softmax, sqrt, sub, tanh, transpose, transposeLast2, unsqueeze, where, END,
} from '../onnx/ops';
import type { LmConfig } from './config';
import { layerNorm, linearStored } from './layers';

/** The model's weights by Hugging Face name. */
export interface Weights {
  get(name: string): Value;
  /**
   * The weight transposed to [in, out], when the graph can hold such a copy
   * (inference graphs with weights as initializers); null otherwise. One
   * MatMul then replaces the reshape–Gemm–reshape of a Linear layer.
   */
  transposed(name: string): Value | null;
}

export interface KvPair {
  key: Value; // [B, KV, S, D]
  value: Value; // [B, KV, S, D]
}

export interface DecoderInputs {
  ids: Value; // [B, T] int64
  positions: Value; // [B, T] int64
  mask: Value; // [B, S] int64, 1 for real tokens
  past: KvPair[] | null; // per layer [B, KV, P, D]
}

export interface DecoderOutputs {
  logits: Value; // [B, T, V], or [B, 1, V] with lastTokenOnly
  presents: KvPair[];
}

const MASKED = -1e9; // large but finite: fully padded query rows stay NaN-free

/** torch.nn.Linear: one MatMul on a pre-transposed copy when the graph holds one, else Gemm on the stored weight. */
function linear(x: Value, weights: Weights, name: string, b: Value | null): Value {
  const pre = weights.transposed(name);
  if (pre) return b ? add(matmul(x, pre), b) : matmul(x, pre);
  return linearStored(x, weights.get(name), b);
}

function rmsNorm(x: Value, w: Value, eps: number): Value {
  // Pow and Div, not Mul and Reciprocal: ORT fuses this form into one SimplifiedLayerNormalization.
  const variance = reduceMean(pow(x, 2), [-1], true);
  return mul(div(x, sqrt(add(variance, eps))), w);
}

function activation(x: Value, kind: LmConfig['activation']): Value {
  switch (kind) {
    case 'silu':
      return mul(x, sigmoid(x));
    case 'gelu_new': {
      // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
      const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
      return mul(mul(x, 0.5), add(tanh(inner), 1));
    }
    case 'gelu':
      return mul(mul(x, 0.5), add(erf(div(x, Math.SQRT2)), 1));
  }
}

/** The float type the model computes in: its weights' (float64 only in gradient checks). */
type FloatType = 'float32' | 'float64';

/** Additive attention bias [B, 1, 1, T, S]: causal over cache indices plus key padding. */
function attentionBias(ids: Value, mask: Value, ft: FloatType): Value {
  const g = ids.graph;
  const [T, S] = [ids.shape[1], mask.shape[1]];
  // Index arithmetic stays in float32: exact for any context length a browser holds.
  const total = cast(reshape(slice(shapeOf(mask), [0], [1], [2]), []), 'float32');
  const fresh = cast(reshape(slice(shapeOf(ids), [0], [1], [2]), []), 'float32');
  const one = scalar(g, 1);
  const queryIndex = range(sub(total, fresh), total, one, T); // [T]: P … S-1
  const keyIndex = range(scalar(g, 0), total, one, S); // [S]
  const causal = where(lessOrEqual(unsqueeze(keyIndex, [0]), unsqueeze(queryIndex, [1])), scalar(g, 0, ft), scalar(g, MASKED, ft)); // [T, S]
  const padding = mul(sub(scalar(g, 1, ft), cast(mask, ft)), MASKED); // [B, S]
  return add(causal, unsqueeze(padding, [1, 2, 3])); // [B, 1, 1, T, S]
}

interface Rotary {
  cos: Value;
  sin: Value;
}

/** RoPE cos/sin for the positions in HF's half-split layout, shaped for q [.., KV, G, T, D] and k [.., KV, T, D]. */
function rotaryTables(positions: Value, headDim: number, theta: number, ft: FloatType): { q: Rotary; k: Rotary } {
  const g = positions.graph;
  const half = headDim / 2;
  const invFreq = Array.from({ length: half }, (_, i) => 1 / theta ** ((2 * i) / headDim));
  const table = g.initializer(g.fresh('inv_freq'), ft, [half], ft === 'float32' ? Float32Array.from(invFreq) : Float64Array.from(invFreq));
  const freqs = mul(unsqueeze(cast(positions, ft), [-1]), table); // [B, T, D/2]
  const emb = concat([freqs, freqs], -1); // [B, T, D]
  const [c, s] = [cos(emb), sin(emb)];
  return { q: { cos: unsqueeze(c, [1, 2]), sin: unsqueeze(s, [1, 2]) }, k: { cos: unsqueeze(c, [1]), sin: unsqueeze(s, [1]) } };
}

function rotateHalf(x: Value, headDim: number): Value {
  const half = headDim / 2;
  return concat([neg(slice(x, [-1], [half], [END])), slice(x, [-1], [0], [half])], -1);
}

function applyRotary(x: Value, rope: Rotary, headDim: number): Value {
  return add(mul(x, rope.cos), mul(rotateHalf(x, headDim), rope.sin));
}

/** Splits [B, T, n·D] into heads [B, n, T, D]. */
function toHeads(x: Value, n: number, D: number): Value {
  return transpose(reshape(x, [0, 0, n, D]), [0, 2, 1, 3]);
}

interface AttentionParts {
  q: Value; // [B, T, H·D]
  k: Value; // [B, T, KV·D]
  v: Value; // [B, T, KV·D]
}

/** Grouped-query attention with a KV cache; returns [B, T, H·D] and the new cache. */
function attention(cfg: LmConfig, parts: AttentionParts, bias: Value, past: KvPair | null, rope: { q: Rotary; k: Rotary } | null): { out: Value; present: KvPair } {
  const { numHeads: H, numKvHeads: KV, headDim: D } = cfg;
  const G = H / KV;
  // q as [B, KV, G, T, D] so each group of G query heads shares one KV head by broadcasting.
  let q = transpose(reshape(parts.q, [0, 0, KV, G, D]), [0, 2, 3, 1, 4]);
  let k = toHeads(parts.k, KV, D); // [B, KV, T, D]
  const vNew = toHeads(parts.v, KV, D);
  if (rope) {
    q = applyRotary(q, rope.q, D);
    k = applyRotary(k, rope.k, D);
  }
  const key = past ? concat([past.key, k], 2) : k; // [B, KV, S, D]
  const value = past ? concat([past.value, vNew], 2) : vNew;
  const scores = add(div(matmul(q, transposeLast2(unsqueeze(key, [2]))), Math.sqrt(D)), bias); // [B, KV, G, T, S]
  const mixed = matmul(softmax(scores, -1), unsqueeze(value, [2])); // [B, KV, G, T, D]
  const out = reshape(transpose(mixed, [0, 3, 1, 2, 4]), [0, 0, H * D]); // [B, T, H·D]
  return { out, present: { key, value } };
}

export function decoderForward(cfg: LmConfig, weights: Weights, io: DecoderInputs, opts: { lastTokenOnly?: boolean } = {}): DecoderOutputs {
  const w = (name: string) => weights.get(name);
  const ft: FloatType = w(cfg.family === 'gpt2' ? 'wte.weight' : 'model.embed_tokens.weight').dtype === 'float64' ? 'float64' : 'float32';
  const bias = attentionBias(io.ids, io.mask, ft);
  const presents: KvPair[] = [];
  const { hiddenSize: C, headDim: D } = cfg;
  const optional = (name: string, present: boolean) => (present ? w(name) : null);

  let x: Value;
  let finalNorm: (h: Value) => Value;
  let lmHead: string;
  if (cfg.family === 'gpt2') {
    x = add(gather(w('wte.weight'), io.ids), gather(w('wpe.weight'), io.positions)); // [B, T, C]
    for (let l = 0; l < cfg.numLayers; l++) {
      const p = `h.${l}.`;
      const h = layerNorm(x, w(`${p}ln_1.weight`), w(`${p}ln_1.bias`), cfg.normEps);
      const qkv = add(matmul(h, w(`${p}attn.c_attn.weight`)), w(`${p}attn.c_attn.bias`)); // [B, T, 3C]
      const parts = { q: slice(qkv, [-1], [0], [C]), k: slice(qkv, [-1], [C], [2 * C]), v: slice(qkv, [-1], [2 * C], [3 * C]) };
      const a = attention(cfg, parts, bias, io.past?.[l] ?? null, null);
      presents.push(a.present);
      x = add(x, add(matmul(a.out, w(`${p}attn.c_proj.weight`)), w(`${p}attn.c_proj.bias`)));
      const h2 = layerNorm(x, w(`${p}ln_2.weight`), w(`${p}ln_2.bias`), cfg.normEps);
      const up = activation(add(matmul(h2, w(`${p}mlp.c_fc.weight`)), w(`${p}mlp.c_fc.bias`)), cfg.activation);
      x = add(x, add(matmul(up, w(`${p}mlp.c_proj.weight`)), w(`${p}mlp.c_proj.bias`)));
    }
    finalNorm = (h) => layerNorm(h, w('ln_f.weight'), w('ln_f.bias'), cfg.normEps);
    lmHead = cfg.tieEmbeddings ? 'wte.weight' : 'lm_head.weight';
  } else {
    x = gather(w('model.embed_tokens.weight'), io.ids); // [B, T, C]
    const rope = rotaryTables(io.positions, D, cfg.ropeTheta, ft);
    for (let l = 0; l < cfg.numLayers; l++) {
      const p = `model.layers.${l}.`;
      const h = rmsNorm(x, w(`${p}input_layernorm.weight`), cfg.normEps);
      const parts = {
        q: linear(h, weights, `${p}self_attn.q_proj.weight`, optional(`${p}self_attn.q_proj.bias`, cfg.qkvBias)),
        k: linear(h, weights, `${p}self_attn.k_proj.weight`, optional(`${p}self_attn.k_proj.bias`, cfg.qkvBias)),
        v: linear(h, weights, `${p}self_attn.v_proj.weight`, optional(`${p}self_attn.v_proj.bias`, cfg.qkvBias)),
      };
      const a = attention(cfg, parts, bias, io.past?.[l] ?? null, rope);
      presents.push(a.present);
      x = add(x, linear(a.out, weights, `${p}self_attn.o_proj.weight`, optional(`${p}self_attn.o_proj.bias`, cfg.outBias)));
      const h2 = rmsNorm(x, w(`${p}post_attention_layernorm.weight`), cfg.normEps);
      const gate = activation(linear(h2, weights, `${p}mlp.gate_proj.weight`, optional(`${p}mlp.gate_proj.bias`, cfg.mlpBias)), 'silu');
      const up = linear(h2, weights, `${p}mlp.up_proj.weight`, optional(`${p}mlp.up_proj.bias`, cfg.mlpBias));
      x = add(x, linear(mul(gate, up), weights, `${p}mlp.down_proj.weight`, optional(`${p}mlp.down_proj.bias`, cfg.mlpBias)));
    }
    finalNorm = (h) => rmsNorm(h, w('model.norm.weight'), cfg.normEps);
    lmHead = cfg.tieEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
  }
  const last = opts.lastTokenOnly ? slice(x, [1], [-1], [END]) : x; // [B, 1 or T, C]
  const logits = linear(finalNorm(last), weights, lmHead, null); // [B, T, V]
  return { logits, presents };
}
