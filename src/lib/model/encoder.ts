// A BERT-style sentence encoder as graph ops, with Hugging Face BertModel
// weight names, so its ONNX export loads in transformers.js' feature-extraction
// pipeline (input_ids, attention_mask, token_type_ids → last_hidden_state).
//   B batch, T tokens, C hidden, H heads, D head dim, I intermediate.
import { Graph, type Value } from '../onnx/graph';
import {
  add, cast, div, erf, gather, matmul, mul, range, reduceSum, reshape, scalar, shapeOf, slice, softmax, sqrt, sub, transpose, transposeLast2, unsqueeze,
} from '../onnx/ops';
import { encodeModel } from '../onnx/model-proto';
import type { TensorSpec } from './config';
import { layerNorm, linearStored } from './layers';

export interface EncoderConfig {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
}

/** HF BertConfig fields for config.json. */
export function bertConfigJson(c: EncoderConfig, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architectures: ['BertModel'], model_type: 'bert', vocab_size: c.vocabSize, hidden_size: c.hiddenSize,
    num_hidden_layers: c.numLayers, num_attention_heads: c.numHeads, intermediate_size: c.intermediateSize,
    max_position_embeddings: c.maxPositions, type_vocab_size: c.typeVocabSize, layer_norm_eps: c.layerNormEps,
    hidden_act: 'gelu', hidden_dropout_prob: 0, attention_probs_dropout_prob: 0, position_embedding_type: 'absolute',
    torch_dtype: 'float32', ...extra,
  };
}

export function encoderWeightSpecs(c: EncoderConfig): TensorSpec[] {
  const { hiddenSize: C, intermediateSize: I } = c;
  const specs: TensorSpec[] = [];
  const add = (name: string, ...shape: number[]) => specs.push({ name, shape });
  add('embeddings.word_embeddings.weight', c.vocabSize, C);
  add('embeddings.position_embeddings.weight', c.maxPositions, C);
  add('embeddings.token_type_embeddings.weight', c.typeVocabSize, C);
  add('embeddings.LayerNorm.weight', C);
  add('embeddings.LayerNorm.bias', C);
  for (let l = 0; l < c.numLayers; l++) {
    const p = `encoder.layer.${l}.`;
    for (const m of ['query', 'key', 'value']) {
      add(`${p}attention.self.${m}.weight`, C, C);
      add(`${p}attention.self.${m}.bias`, C);
    }
    add(`${p}attention.output.dense.weight`, C, C);
    add(`${p}attention.output.dense.bias`, C);
    add(`${p}attention.output.LayerNorm.weight`, C);
    add(`${p}attention.output.LayerNorm.bias`, C);
    add(`${p}intermediate.dense.weight`, I, C);
    add(`${p}intermediate.dense.bias`, I);
    add(`${p}output.dense.weight`, C, I);
    add(`${p}output.dense.bias`, C);
    add(`${p}output.LayerNorm.weight`, C);
    add(`${p}output.LayerNorm.bias`, C);
  }
  return specs;
}

type W = (name: string) => Value;

const gelu = (x: Value) => mul(mul(x, 0.5), add(erf(div(x, Math.SQRT2)), 1));

export interface EncoderInputs {
  ids: Value; // [B, T] int64, right-padded
  mask: Value; // [B, T] int64
  tokenTypes: Value; // [B, T] int64
}

/** last_hidden_state [B, T, C]. Bidirectional attention; padded keys masked. */
export function encoderForward(c: EncoderConfig, w: W, io: EncoderInputs): Value {
  const { hiddenSize: C, numHeads: H } = c;
  const D = C / H;
  // Positions 0..T-1 from the ids' shape, as BertEmbeddings does.
  const g = io.ids.graph;
  const int64Scalar = (v: number) => g.initializer(g.fresh('i64'), 'int64', [], BigInt64Array.of(BigInt(v)));
  const T = reshape(slice(shapeOf(io.ids), [0], [1], [2]), []);
  const positions = unsqueeze(range(int64Scalar(0), T, int64Scalar(1), io.ids.shape[1]), [0]); // [1, T]
  let x = add(add(gather(w('embeddings.word_embeddings.weight'), io.ids), gather(w('embeddings.position_embeddings.weight'), positions)), gather(w('embeddings.token_type_embeddings.weight'), io.tokenTypes));
  x = layerNorm(x, w('embeddings.LayerNorm.weight'), w('embeddings.LayerNorm.bias'), c.layerNormEps);
  const keyBias = unsqueeze(mul(sub(scalar(x.graph, 1), cast(io.mask, 'float32')), -1e9), [1, 2]); // [B, 1, 1, T]
  const heads = (v: Value) => transpose(reshape(v, [0, 0, H, D]), [0, 2, 1, 3]); // [B, H, T, D]
  for (let l = 0; l < c.numLayers; l++) {
    const p = `encoder.layer.${l}.`;
    const q = heads(linearStored(x, w(`${p}attention.self.query.weight`), w(`${p}attention.self.query.bias`)));
    const k = heads(linearStored(x, w(`${p}attention.self.key.weight`), w(`${p}attention.self.key.bias`)));
    const v = heads(linearStored(x, w(`${p}attention.self.value.weight`), w(`${p}attention.self.value.bias`)));
    const scores = add(div(matmul(q, transposeLast2(k)), Math.sqrt(D)), keyBias); // [B, H, T, T]
    const ctx = reshape(transpose(matmul(softmax(scores, -1), v), [0, 2, 1, 3]), [0, 0, C]); // [B, T, C]
    const attnOut = linearStored(ctx, w(`${p}attention.output.dense.weight`), w(`${p}attention.output.dense.bias`));
    x = layerNorm(add(attnOut, x), w(`${p}attention.output.LayerNorm.weight`), w(`${p}attention.output.LayerNorm.bias`), c.layerNormEps);
    const inter = gelu(linearStored(x, w(`${p}intermediate.dense.weight`), w(`${p}intermediate.dense.bias`)));
    const out = linearStored(inter, w(`${p}output.dense.weight`), w(`${p}output.dense.bias`));
    x = layerNorm(add(out, x), w(`${p}output.LayerNorm.weight`), w(`${p}output.LayerNorm.bias`), c.layerNormEps);
  }
  return x;
}

/** Mean over real tokens, then L2 normalisation: what the feature-extraction pipeline does. */
export function meanPoolNormalize(hidden: Value, mask: Value): Value {
  const m = unsqueeze(cast(mask, 'float32'), [-1]); // [B, T, 1]
  const summed = reduceSum(mul(hidden, m), [1]); // [B, C]
  const mean = div(summed, reduceSum(m, [1])); // [B, C]
  const norm = sqrt(add(reduceSum(mul(mean, mean), [-1], true), 1e-12));
  return div(mean, norm);
}

/** The feature-extraction export: weights as initializers, BERT inputs, last_hidden_state out. */
export function buildEncoderGraph(c: EncoderConfig, weights: Map<string, Float32Array>): Uint8Array {
  const g = new Graph('bert_encoder');
  const table = new Map(encoderWeightSpecs(c).map((s) => [s.name, g.initializer(s.name, 'float32', s.shape, weights.get(s.name)!)]));
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  const tokenTypes = g.input('token_type_ids', 'int64', ['batch', 'sequence']);
  const hidden = encoderForward(c, (n) => table.get(n)!, { ids, mask, tokenTypes });
  g.output(hidden, 'last_hidden_state');
  return encodeModel(g.toModel());
}
