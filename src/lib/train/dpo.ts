// DPO losses over 1 chosen + M rejected responses per prompt, with TRL's loss
// variants and metric names. Inputs are sequence log-probs [B, 1 + M] (column 0
// the chosen response) of the policy and of the reference (θ_SFT, computed once).
//   h_k = (π_c − ρ_c) − (π_k − ρ_k)   for k = 1..M, averaged over the M pairs
import type { Graph, Value } from '../onnx/graph';
import type { TrainStepSpec } from '../onnx/train-step';
import { weightSpecs, type LmConfig } from '../model/config';
import { sequenceLogProbs, vocabChunksFor } from '../model/graphs';
import type { Weights } from '../model/decoder';
import type { AdamWConfig } from '../onnx/adamw';
import { loraParamSpecs, loraWeights, type LoraConfig } from './lora';
import { add, cast, clip, div, exp, greater, log, logSoftmax, mul, neg, reduceMean, relu, reshape, scalar, slice, sub, sumAll, where, END } from '../onnx/ops';

/** TRL's loss types, the lab's 1-vs-M InfoNCA, and TRL's `sft`: the chosen responses' NLL alone (the rejected are carried, unused). */
export const DPO_VARIANTS = ['sigmoid', 'ipo', 'hinge', 'robust', 'infonca', 'sft'] as const;
export type DpoVariant = (typeof DPO_VARIANTS)[number];

export interface DpoOptions {
  variant: DpoVariant;
  /** β (paper: 0.1). */
  beta: number;
  /** ε for sigmoid (conservative DPO) and robust. */
  labelSmoothing: number;
  /**
   * TRL's rpo_alpha (RPO): α × the chosen responses' negative log-likelihood per token is added to the loss; null = off.
   * It holds the chosen responses' likelihood up while DPO pushes the rejected ones down.
   */
  rpoAlpha: number | null;
}

export const PAPER_DPO: DpoOptions = { variant: 'sigmoid', beta: 0.1, labelSmoothing: 0, rpoAlpha: null };

export interface DpoOutputs {
  loss: Value;
  /** TRL's names; scalars averaged over the batch (and over the M pairs). */
  metrics: Record<string, Value>;
}

/**
 * softplus(z) = log(1 + eᶻ), smooth everywhere (its gradient at 0 is ½ — the
 * |z|-based "stable" form has a kink there, and DPO starts exactly at h = 0,
 * policy = reference): the exp is clipped, and above 20 softplus(z) = z.
 */
function softplus(z: Value): Value {
  const twenty = scalar(z.graph, 20, z.dtype === 'float64' ? 'float64' : 'float32');
  return where(greater(z, twenty), z, log(add(exp(clip(z, -3.4e38, 20)), 1)));
}

const logSigmoid = (x: Value): Value => neg(softplus(neg(x)));

/** TRL's nll_loss for RPO: cross-entropy over every chosen response token of the batch, one mean (longer responses weigh more). */
function chosenNll(logps: Value, counts: Value, real: Value | null): Value {
  const masked = (v: Value) => (real ? mul(v, real) : v);
  return neg(div(sumAll(masked(logps)), sumAll(masked(counts))));
}

const logpChosenOf = (policy: Value) => slice(policy, [1], [0], [1]); // [B, 1]

/**
 * `policy` and `reference` are [B, 1 + M] sums of response-token log-probs;
 * `counts` [B, 1 + M] are the response lengths (IPO uses per-token averages, as TRL does).
 * `rowMask` [B, 1 + M] (1 = real, 0 = padding) lets a prompt bring fewer than M
 * negatives (the filter's "keep fewer"): padded pairs count nowhere.
 */
export function dpoLoss(policy: Value, reference: Value, counts: Value, o: DpoOptions, rowMask?: Value): DpoOutputs {
  const perToken = o.variant === 'ipo';
  const pol = perToken ? div(policy, counts) : policy;
  const ref = perToken ? div(reference, counts) : reference;
  const ratio = sub(pol, ref); // [B, 1+M]: log π/π_ref per response
  const chosen = slice(ratio, [1], [0], [1]); // [B, 1]
  const rejected = slice(ratio, [1], [1], [END]); // [B, M]
  const h = sub(chosen, rejected); // [B, M]
  const bh = mul(h, o.beta);
  const pairMask = rowMask ? slice(rowMask, [1], [1], [END]) : null; // [B, M]
  const mean = (v: Value) => reduceMean(v, v.shape.map((_, i) => i), false);
  /** Mean over real pairs only; a [B, 1] value counts once per pair of its prompt (TRL logs per pair row). */
  const pairMean = (v: Value) => (pairMask ? div(sumAll(mul(v, pairMask)), sumAll(pairMask)) : mean(v));

  const nll = chosenNll(logpChosenOf(policy), slice(counts, [1], [0], [1]), rowMask ? slice(rowMask, [1], [0], [1]) : null);
  let losses: Value | null = null; // [B, M] or [B, 1]; none for sft
  switch (o.variant) {
    case 'sigmoid':
      losses = o.labelSmoothing === 0
        ? neg(logSigmoid(bh))
        : sub(mul(neg(logSigmoid(bh)), 1 - o.labelSmoothing), mul(logSigmoid(neg(bh)), o.labelSmoothing));
      break;
    case 'robust':
      losses = div(add(mul(neg(logSigmoid(bh)), 1 - o.labelSmoothing), mul(logSigmoid(neg(bh)), o.labelSmoothing)), 1 - 2 * o.labelSmoothing);
      break;
    case 'hinge':
      losses = relu(sub(mul(bh, -1), -1)); // relu(1 − β·h)
      break;
    case 'ipo': {
      const d = sub(h, 1 / (2 * o.beta));
      losses = mul(d, d);
      break;
    }
    case 'infonca': {
      // The target against all M negatives at once: −log softmax(β·ratio)[chosen]; padding gets −1e9.
      const logits = rowMask ? add(mul(ratio, o.beta), mul(sub(rowMask, 1), 1e9)) : mul(ratio, o.beta);
      losses = neg(slice(logSoftmax(logits, -1), [1], [0], [1]));
      break;
    }
    case 'sft':
      break;
  }
  const rewardChosen = mul(chosen, o.beta); // [B, 1]
  const rewardRejected = mul(rejected, o.beta); // [B, M]
  const logpChosen = logpChosenOf(policy);
  const logpRejected = slice(policy, [1], [1], [END]);
  const preference = losses === null ? nll : o.variant === 'infonca' ? mean(losses) : pairMean(losses);
  const rpo = o.rpoAlpha === null ? null : { alpha: o.rpoAlpha, nll };
  return {
    loss: rpo ? add(preference, mul(rpo.nll, rpo.alpha)) : preference,
    // TRL logs every metric per pair row (the chosen side repeats once per negative), so padded prompts weigh by their real pairs.
    metrics: {
      'rewards/chosen': pairMean(rewardChosen),
      'rewards/rejected': pairMean(rewardRejected),
      'rewards/accuracies': pairMean(cast(greater(rewardChosen, rewardRejected), policy.dtype)),
      'rewards/margins': pairMean(sub(rewardChosen, rewardRejected)),
      'logps/chosen': pairMean(logpChosen),
      'logps/rejected': pairMean(logpRejected),
      ...(rpo || o.variant === 'sft' ? { nll_loss: nll } : {}),
    },
  };
}

export interface DpoStepOptions {
  /** Train LoRA adapters on frozen base weights instead of every parameter. */
  lora?: LoraConfig | null;
  optimizer?: Partial<AdamWConfig>;
  gradientAccumulation?: boolean;
  /** Concrete batch dims instead of symbolic ones: a graph to size, not to run on any batch (graphMemory). */
  batch?: { rows: number; length: number };
  /** Activation checkpointing: what the backward pass recomputes instead of keeping (see Checkpointing). */
  checkpointing?: Checkpointing;
}

/**
 * What a train step recomputes in its backward pass: nothing; the LM head's logits only, one vocabulary slice at a
 * time (one more LM-head matmul; ORT's arena then grows less); or every layer too (transformers'
 * gradient_checkpointing: about a quarter more time). What each saves: docs/performance.md, round 9.
 */
export type Checkpointing = 'none' | 'lm-head' | 'layers';

const RECOMPUTED: Record<Checkpointing, boolean | string[]> = { none: false, 'lm-head': ['lm-head'], layers: true };

/**
 * The DPO train step for a causal LM: B prompts × (1 + M) sequences packed as
 * rows b·(1+M) + k (k = 0 the chosen response), reference log-probs fed in.
 */
export function dpoTrainStep(cfg: LmConfig, o: DpoOptions, m: number, opts: DpoStepOptions = {}): TrainStepSpec {
  const base = weightSpecs(cfg).map((s) => ({ name: s.name, shape: s.shape }));
  const lora = opts.lora ?? null;
  return {
    trainable: lora ? loraParamSpecs(cfg, lora) : base,
    frozen: lora ? base : [],
    optimizer: opts.optimizer,
    gradientAccumulation: opts.gradientAccumulation,
    recompute: RECOMPUTED[opts.checkpointing ?? 'none'],
    forward: (g, params) => {
      const io = dpoInputs(g, opts.batch);
      const plain: Weights = { get: (n) => params[n], transposed: () => null };
      const weights = lora ? loraWeights(plain, params, cfg, lora) : plain;
      const { sum, count } = sequenceLogProbs(cfg, weights, io, { vocabChunks: vocabChunksFor(cfg) });
      const grouped = (v: Value) => reshape(v, [-1, 1 + m]); // [B, 1+M]
      return dpoLoss(grouped(sum), grouped(io.refLogps), grouped(count), o, grouped(io.rowMask));
    },
  };
}

export function dpoInputs(g: Graph, batch?: { rows: number; length: number }) {
  const rows = batch?.rows ?? 'rows';
  const length = batch?.length ?? 'length';
  return {
    ids: g.input('input_ids', 'int64', [rows, length]),
    mask: g.input('attention_mask', 'int64', [rows, length]),
    positions: g.input('position_ids', 'int64', [rows, length]),
    lossMask: g.input('loss_mask', 'float32', [rows, length]),
    /** Σ log-probs of each row's response under the reference model, [rows]. */
    refLogps: g.input('ref_logps', 'float32', [rows]),
    /** 1 for real rows, 0 for padding where a prompt has fewer than M negatives, [rows]. */
    rowMask: g.input('row_mask', 'float32', [rows]),
  };
}
