// The causal LM as graph ops, for both families, with Hugging Face weight names
// and layouts so checkpoints load as they are:
//   B batch, T new tokens, P cached tokens, S = P + T, C hidden, H heads,
//   KV key/value heads, G = H / KV, D head dim, V vocabulary.
// Inputs follow transformers.js' decoder convention (input_ids, attention_mask,
// position_ids, past_key_values.N.key/value → logits, present.N.key/value).
import type { Value } from '../onnx/graph';
import {
  add, cast, concat, cos, div, pow, erf, gather, lessOrEqual, matmul, mul, neg, reduceMean, reshape, range, scalar, shapeOf, sigmoid, sin, slice, softmax, split, sqrt, sub, tanh, transpose, transposeLast2, unsqueeze, where, END,
} from '../onnx/ops';
import type { LmConfig } from './config';
import { layerNorm, linearStored } from './layers';

/** The model's weights by Hugging Face name. */
export interface Weights {
  get(name: string): Value;
  /**
   * These weights transposed to [in, out] and joined along out, when the graph
   * can hold such a copy (inference graphs with weights as initializers); null
   * otherwise. One MatMul then replaces the reshape–Gemm–reshape of each Linear
   * layer that reads the same input.
   */
  transposed(names: readonly string[]): Value | null;
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

interface LinearLayer {
  weight: string;
  outFeatures: number;
  bias: Value | null;
}

/**
 * torch.nn.Linear layers reading one input. With pre-transposed copies they are
 * one MatMul on the joined weights and a Split (fewer, larger GEMMs); otherwise
 * a Gemm on each stored weight.
 */
function linears(x: Value, weights: Weights, layers: readonly LinearLayer[]): Value[] {
  const joined = weights.transposed(layers.map((l) => l.weight));
  if (!joined) return layers.map((l) => linearStored(x, weights.get(l.weight), l.bias));
  const y = matmul(x, joined);
  const parts = layers.length === 1 ? [y] : split(y, layers.map((l) => l.outFeatures), -1);
  return parts.map((part, i) => (layers[i].bias ? add(part, layers[i].bias!) : part));
}

function rmsNorm(x: Value, w: Value, eps: number): Value {
  // Pow and Div, not Mul and Reciprocal: ORT fuses this form into one SimplifiedLayerNormalization.
  const variance = reduceMean(pow(x, 2), [-1], true);
  return mul(div(x, sqrt(add(variance, eps))), w);
}

function activation(x: Value, kind: LmConfig['activation']): Value {
  switch (kind) {
    case 'silu': {
      // torch keeps x (and x·σ(x), which the next product reads), not σ(x): [rows, T, intermediate] per layer.
      const s = sigmoid(x);
      x.graph.recomputed.add(s.name);
      return mul(x, s);
    }
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

/** [B, KV, G, T, D] → [B, T, H·D]. */
function mergeHeads(x: Value, width: number): Value {
  return reshape(transpose(x, [0, 3, 1, 2, 4]), [0, 0, width]);
}

interface AttentionParts {
  q: Value; // [B, T, H·D]
  k: Value; // [B, T, KV·D]
  v: Value; // [B, T, KV·D]
}

/** Grouped-query attention with a KV cache; returns [B, T, H·D] and the new cache. */
function attention(
  cfg: LmConfig, parts: AttentionParts, bias: Value, past: KvPair | null, rope: { q: Rotary; k: Rotary } | null, cacheOutputs: CacheOutputs,
): { out: Value; present: KvPair } {
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
  const scale = Math.sqrt(D);
  if (past && cacheOutputs === 'new') {
    // The cache is not returned, so it is never joined with the new keys: scores
    // and mixing are taken over its part and the new part separately (no copy of the cache).
    const scores = concat([matmul(q, transposeLast2(unsqueeze(past.key, [2]))), matmul(q, transposeLast2(unsqueeze(k, [2])))], -1); // [B, KV, G, T, S]
    const probs = softmax(add(div(scores, scale), bias), -1);
    const held = slice(shapeOf(past.key), [0], [2], [3]); // [1]: P
    const mixed = add(
      matmul(slice(probs, [-1], [0], held), unsqueeze(past.value, [2])),
      matmul(slice(probs, [-1], held, [END]), unsqueeze(vNew, [2])),
    ); // [B, KV, G, T, D]
    return { out: mergeHeads(mixed, H * D), present: { key: k, value: vNew } };
  }
  const key = past ? concat([past.key, k], 2) : k; // [B, KV, S, D]
  const value = past ? concat([past.value, vNew], 2) : vNew;
  const scores = add(div(matmul(q, transposeLast2(unsqueeze(key, [2]))), scale), bias); // [B, KV, G, T, S]
  const mixed = matmul(softmax(scores, -1), unsqueeze(value, [2])); // [B, KV, G, T, D]
  const out = mergeHeads(mixed, H * D);
  return { out, present: { key, value } };
}

/**
 * What present.* holds: the whole cache, past and new ('all': transformers.js'
 * convention, and what WebGPU feeds back from GPU buffers), or only this step's
 * keys and values ('new': the caller appends them to a cache it keeps).
 */
export type CacheOutputs = 'all' | 'new';

export interface DecoderForwardOptions {
  /** Logits of the last position only ([B, 1, V]): what sampling needs. */
  lastTokenOnly?: boolean;
  cacheOutputs?: CacheOutputs;
}

export function decoderForward(cfg: LmConfig, weights: Weights, io: DecoderInputs, opts: DecoderForwardOptions = {}): DecoderOutputs {
  const { hidden, lmHead, presents } = decoderHidden(cfg, weights, io, opts);
  return { logits: lmHeadLogits(cfg, weights, hidden, lmHead), presents };
}

/** hidden [B, T, C] → logits [B, T, V] through the LM head (or its pre-transposed copy). */
export function lmHeadLogits(cfg: LmConfig, weights: Weights, hidden: Value, lmHead: string): Value {
  return linears(hidden, weights, [{ weight: lmHead, outFeatures: cfg.vocabSize, bias: null }])[0];
}

/**
 * The decoder up to the LM head: the final norm's output [B, T, C] and the head
 * weight's name. Each layer is one checkpoint segment of kind 'layer' (Graph.checkpoint), which
 * autodiff rebuilds in the backward pass when the train step recomputes.
 */
export function decoderHidden(cfg: LmConfig, weights: Weights, io: DecoderInputs, opts: DecoderForwardOptions = {}): { hidden: Value; lmHead: string; presents: KvPair[] } {
  const cacheOutputs = opts.cacheOutputs ?? 'all';
  const w = (name: string) => weights.get(name);
  const ft: FloatType = w(cfg.family === 'gpt2' ? 'wte.weight' : 'model.embed_tokens.weight').dtype === 'float64' ? 'float64' : 'float32';
  const g = io.ids.graph;
  const bias = attentionBias(io.ids, io.mask, ft);
  const presents: KvPair[] = [];
  const { hiddenSize: C, headDim: D } = cfg;
  const optional = (name: string, present: boolean) => (present ? w(name) : null);

  let x: Value;
  let finalNorm: (h: Value) => Value;
  let lmHead: string;
  if (cfg.family === 'gpt2') {
    x = add(gather(w('wte.weight'), io.ids), gather(w('wpe.weight'), io.positions)); // [B, T, C]
    for (let l = 0; l < cfg.numLayers; l++) x = g.checkpoint(() => {
      const p = `h.${l}.`;
      const h = layerNorm(x, w(`${p}ln_1.weight`), w(`${p}ln_1.bias`), cfg.normEps);
      const qkv = add(matmul(h, w(`${p}attn.c_attn.weight`)), w(`${p}attn.c_attn.bias`)); // [B, T, 3C]
      const parts = { q: slice(qkv, [-1], [0], [C]), k: slice(qkv, [-1], [C], [2 * C]), v: slice(qkv, [-1], [2 * C], [3 * C]) };
      const a = attention(cfg, parts, bias, io.past?.[l] ?? null, null, cacheOutputs);
      presents.push(a.present);
      const attended = add(x, add(matmul(a.out, w(`${p}attn.c_proj.weight`)), w(`${p}attn.c_proj.bias`)));
      const h2 = layerNorm(attended, w(`${p}ln_2.weight`), w(`${p}ln_2.bias`), cfg.normEps);
      const up = activation(add(matmul(h2, w(`${p}mlp.c_fc.weight`)), w(`${p}mlp.c_fc.bias`)), cfg.activation);
      return add(attended, add(matmul(up, w(`${p}mlp.c_proj.weight`)), w(`${p}mlp.c_proj.bias`)));
    }, 'layer');
    finalNorm = (h) => layerNorm(h, w('ln_f.weight'), w('ln_f.bias'), cfg.normEps);
    lmHead = cfg.tieEmbeddings ? 'wte.weight' : 'lm_head.weight';
  } else {
    x = gather(w('model.embed_tokens.weight'), io.ids); // [B, T, C]
    const rope = rotaryTables(io.positions, D, cfg.ropeTheta, ft);
    for (let l = 0; l < cfg.numLayers; l++) x = g.checkpoint(() => {
      const p = `model.layers.${l}.`;
      const h = rmsNorm(x, w(`${p}input_layernorm.weight`), cfg.normEps);
      const projection = (name: string, heads: number, bias: boolean): LinearLayer => ({
        weight: `${p}self_attn.${name}.weight`, outFeatures: heads * D, bias: optional(`${p}self_attn.${name}.bias`, bias),
      });
      const [q, k, v] = linears(h, weights, [projection('q_proj', cfg.numHeads, cfg.qkvBias), projection('k_proj', cfg.numKvHeads, cfg.qkvBias), projection('v_proj', cfg.numKvHeads, cfg.qkvBias)]);
      const parts = { q, k, v };
      const a = attention(cfg, parts, bias, io.past?.[l] ?? null, rope, cacheOutputs);
      presents.push(a.present);
      const attended = add(x, linears(a.out, weights, [{ weight: `${p}self_attn.o_proj.weight`, outFeatures: C, bias: optional(`${p}self_attn.o_proj.bias`, cfg.outBias) }])[0]);
      const h2 = rmsNorm(attended, w(`${p}post_attention_layernorm.weight`), cfg.normEps);
      const mlp = (name: string): LinearLayer => ({ weight: `${p}mlp.${name}.weight`, outFeatures: cfg.intermediateSize, bias: optional(`${p}mlp.${name}.bias`, cfg.mlpBias) });
      const [gateIn, up] = linears(h2, weights, [mlp('gate_proj'), mlp('up_proj')]);
      const gate = activation(gateIn, 'silu');
      return add(attended, linears(mul(gate, up), weights, [{ weight: `${p}mlp.down_proj.weight`, outFeatures: C, bias: optional(`${p}mlp.down_proj.bias`, cfg.mlpBias) }])[0]);
    }, 'layer');
    finalNorm = (h) => rmsNorm(h, w('model.norm.weight'), cfg.normEps);
    lmHead = cfg.tieEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
  }
  const last = opts.lastTokenOnly ? slice(x, [1], [-1], [END]) : x; // [B, 1 or T, C]
  return { hidden: finalNorm(last), lmHead, presents };
}
