// The graphs the lab runs for a causal LM, all built from decoderForward and
// sharing Hugging Face weight names: the sampling decoder (prefill and decode
// with a KV cache) and the sequence log-prob graph (reference log-probs, eval).
import { Graph, type Value } from '../onnx/graph';
import { concat, gather, logSumExp, mul, pad, reduceSum, slice, split, squeeze, sub, END } from '../onnx/ops';
import type { Tensor } from 'onnxruntime-common';
import { encodeModel, type InferenceModel } from '../onnx/model-proto';
import type { ExecutionProvider, OrtApi } from '../onnx/runtime';
import { weightSpecs, type LmConfig } from './config';
import { decoderForward, decoderHidden, lmHeadLogits, type DecoderForwardOptions, type KvPair, type Weights } from './decoder';
import { linearStored } from './layers';

export const pastName = (layer: number, kind: 'key' | 'value'): string => `past_key_values.${layer}.${kind}`;
export const presentName = (layer: number, kind: 'key' | 'value'): string => `present.${layer}.${kind}`;

/**
 * How an inference session gets the weights on this EP. 'inputs': fed from the
 * loaded arrays on every run — onnxruntime-node reads them in place, so ORT holds
 * no copy (at the price of prepacked GEMMs; figures in docs/performance.md). 'initializers': ort-web copies fed arrays into its
 * heap on every run, so the weights are initializers there, read from the
 * loaded arrays as external data (graphWeights) rather than encoded into the model.
 */
export const inferenceWeights = (ep: ExecutionProvider): 'inputs' | 'initializers' => (ep === 'cpu' ? 'inputs' : 'initializers');

/** Feeds for a graph whose weights are inputs: the loaded arrays themselves, no copy. */
export function weightFeeds(ort: OrtApi, cfg: LmConfig, weights: Map<string, Float32Array>): Record<string, Tensor> {
  return Object.fromEntries(weightSpecs(cfg).map((s) => [s.name, new ort.Tensor('float32', weights.get(s.name)!, s.shape)]));
}

function inferenceModel(g: Graph): InferenceModel {
  return { bytes: encodeModel(g.toModel()), externalData: g.externalFiles() };
}

/**
 * Weights as initializers (inference: uploaded once with the session) when
 * values are given, else as graph inputs named like the checkpoint's tensors.
 * `external`: the initializers' bytes stay out of the encoded model (the loaded
 * arrays, and the pre-transposed copies made here, become its external files),
 * so a model-sized buffer never exists beside the weights.
 * `joinTransposed: false` keeps every linear layer on its stored weight, as the
 * train-step graph has it (whose weights are inputs it cannot pre-transpose).
 */
export function graphWeights(g: Graph, cfg: LmConfig, values?: Map<string, Float32Array>, { joinTransposed = true, external = false } = {}): Weights {
  const table = new Map<string, Value>();
  const shapes = new Map<string, number[]>();
  for (const spec of weightSpecs(cfg)) {
    if (values && !values.get(spec.name)) throw new Error(`weights: missing ${spec.name}`);
    shapes.set(spec.name, spec.shape);
    // Initializers only when the graph reads them: a weight used only through its transposed copy is not stored twice.
    if (!values) table.set(spec.name, g.input(spec.name, 'float32', spec.shape));
  }
  const transposedCopies = new Map<string, Value>();
  return {
    get: (name) => {
      let v = table.get(name);
      if (!v && values && shapes.has(name)) {
        v = g.initializer(name, 'float32', shapes.get(name)!, values.get(name)!, { external });
        table.set(name, v);
      }
      if (!v) throw new Error(`weights: the ${cfg.modelType} graph asked for unknown tensor ${name}`);
      return v;
    },
    transposed: (names) => {
      if (!values || !joinTransposed) return null;
      const key = names.join('+');
      let copy = transposedCopies.get(key);
      if (!copy) {
        // [in, Σ out]: row c holds input feature c's weight for every output of every layer.
        const parts = names.map((n) => ({ data: values.get(n)!, shape: shapes.get(n)! }));
        const cols = parts[0].shape[1];
        if (parts.some((p) => p.shape[1] !== cols)) throw new Error(`weights: ${key} do not share an input size`);
        const outs = parts.reduce((s, p) => s + p.shape[0], 0);
        // Transposed row by row straight into the encoded model: no model-sized copy beside it.
        const transposed = {
          byteLength: cols * outs * 4,
          writeTo: (target: Uint8Array) => {
            const row = new Float32Array(outs);
            const rowBytes = new Uint8Array(row.buffer);
            for (let c = 0; c < cols; c++) {
              let at = 0;
              for (const { data, shape: [rows] } of parts) {
                for (let r = 0; r < rows; r++) row[at + r] = data[r * cols + c];
                at += rows;
              }
              target.set(rowBytes, c * outs * 4);
            }
          },
        };
        if (external) {
          const bytes = new Uint8Array(transposed.byteLength);
          transposed.writeTo(bytes);
          copy = g.initializer(`${key}.T`, 'float32', [cols, outs], bytes, { external });
        } else {
          copy = g.initializer(`${key}.T`, 'float32', [cols, outs], transposed);
        }
        transposedCopies.set(key, copy);
      }
      return copy;
    },
  };
}

/** input_ids, attention_mask, position_ids, past_key_values.* → logits, present.* (`external` as graphWeights takes it) */
export function buildDecoderGraph(cfg: LmConfig, weights?: Map<string, Float32Array>, opts: DecoderForwardOptions & { external?: boolean } = {}): InferenceModel {
  const g = new Graph(`${cfg.modelType}_decoder`);
  const w = graphWeights(g, cfg, weights, { external: opts.external });
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'total']);
  const positions = g.input('position_ids', 'int64', ['batch', 'seq']);
  const past: KvPair[] = [];
  for (let l = 0; l < cfg.numLayers; l++) {
    const shape = ['batch', cfg.numKvHeads, 'past', cfg.headDim];
    past.push({ key: g.input(pastName(l, 'key'), 'float32', shape), value: g.input(pastName(l, 'value'), 'float32', shape) });
  }
  const out = decoderForward(cfg, w, { ids, mask, positions, past }, opts);
  g.output(out.logits, 'logits');
  out.presents.forEach((p, l) => {
    g.output(p.key, presentName(l, 'key'));
    g.output(p.value, presentName(l, 'value'));
  });
  return inferenceModel(g);
}

export interface SequenceInputs {
  ids: Value; // [B, L] int64
  mask: Value; // [B, L] int64
  positions: Value; // [B, L] int64
  /** [B, L] float: 1 where the token at that position is scored (the response), else 0. */
  lossMask: Value;
}

export interface LogProbOptions {
  /**
   * The log-sum-exp over this many slices of the vocabulary, each a checkpoint
   * segment of kind 'lm-head' (the whole one too): with recomputation only one slice's logits are alive at a time
   * (1: the whole vocabulary at once).
   */
  vocabChunks?: number;
}

/** Vocabulary slices of at most this many entries when the log-sum-exp is chunked. */
export const VOCAB_CHUNK = 8192;

/**
 * Sum and count of log p(token_t | tokens_<t) over the scored positions: [B] each.
 * The labels shift, not the logits (position t is scored against token t + 1;
 * the last position gets token 0 with weight 0), and log p(target) is
 * h_t · W[target] − log Σ_v exp(h_t · W[v]) with W the LM head: the target's
 * logit is a gather and a dot product (its gradient a row scatter, not a
 * one-hot over the vocabulary), and no [B, L, V] tensor but the logits the
 * log-sum-exp reads exists — none at all when the vocabulary is chunked.
 */
export function sequenceLogProbs(cfg: LmConfig, w: Weights, io: SequenceInputs, { vocabChunks = 1 }: LogProbOptions = {}): { sum: Value; count: Value } {
  const { hidden, lmHead } = decoderHidden(cfg, w, { ids: io.ids, mask: io.mask, positions: io.positions, past: null });
  const shiftLeft = (v: Value) => pad(slice(v, [1], [1], [END]), [0, 0, 0, 1]); // [B, L]: v[:, t + 1], 0 at the end
  const targetLogit = reduceSum(mul(gather(w.get(lmHead), shiftLeft(io.ids)), hidden), [-1]); // [B, L]
  const picked = sub(targetLogit, squeeze(vocabLogSumExp(cfg, w, hidden, lmHead, vocabChunks), [-1])); // [B, L]
  const scored = shiftLeft(io.lossMask); // [B, L]
  return { sum: reduceSum(mul(picked, scored), [1]), count: reduceSum(scored, [1]) };
}

/** log Σ_v exp(logits) [B, L, 1], over the whole vocabulary or slice by slice (then the log-sum-exp of the slices'). */
function vocabLogSumExp(cfg: LmConfig, w: Weights, hidden: Value, lmHead: string, chunks: number): Value {
  if (chunks <= 1) return hidden.graph.checkpoint(() => logSumExp(lmHeadLogits(cfg, w, hidden, lmHead), -1), 'lm-head');
  const V = cfg.vocabSize;
  const sizes = Array.from({ length: chunks }, (_, k) => Math.floor((V * (k + 1)) / chunks) - Math.floor((V * k) / chunks));
  const slices = split(w.get(lmHead), sizes, 0); // [V_k, C] each
  const partial = slices.map((head) => hidden.graph.checkpoint(() => logSumExp(linearStored(hidden, head, null), -1), 'lm-head'));
  return logSumExp(concat(partial, -1), -1);
}

/**
 * Vocabulary slices for a chunked log-sum-exp: 1 when the vocabulary is small. The DPO step and its reference
 * scorer slice a large vocabulary whether or not they recompute: the scorer, forward only, then holds one slice's
 * logits at a time (it runs beside the train step's grown arena in node), and the train step keeps the same bytes in
 * smaller tensors.
 */
export const vocabChunksFor = (cfg: LmConfig): number => Math.ceil(cfg.vocabSize / VOCAB_CHUNK);

/**
 * input_ids, attention_mask, position_ids, loss_mask → logp_sum [B], token_count [B].
 * `trainingForm`: the layers as the train-step graph builds them (see graphWeights);
 * `vocabChunks` as sequenceLogProbs takes it; `external` as graphWeights.
 */
export function buildLogProbGraph(cfg: LmConfig, weights?: Map<string, Float32Array>, { trainingForm = false, vocabChunks = 1, external = false } = {}): InferenceModel {
  const g = new Graph(`${cfg.modelType}_logprob`);
  const w = graphWeights(g, cfg, weights, { joinTransposed: !trainingForm, external });
  const io: SequenceInputs = {
    ids: g.input('input_ids', 'int64', ['batch', 'length']),
    mask: g.input('attention_mask', 'int64', ['batch', 'length']),
    positions: g.input('position_ids', 'int64', ['batch', 'length']),
    lossMask: g.input('loss_mask', 'float32', ['batch', 'length']),
  };
  const { sum, count } = sequenceLogProbs(cfg, w, io, { vocabChunks });
  g.output(sum, 'logp_sum');
  g.output(count, 'token_count');
  return inferenceModel(g);
}
