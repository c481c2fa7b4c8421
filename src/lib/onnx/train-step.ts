// Assembles one train-step graph: forward → loss → gradients → AdamW, so a
// plain InferenceSession trains. Inputs: parameters, their AdamW moments, lr,
// step and the batch. Outputs: loss and metrics, and `next.<name>` for every
// piece of state, which the runtime feeds back as the next step's input.
// Or, with separateUpdate, the same in two parts: a gradient graph (forward →
// loss → gradients and their norm) and an AdamW graph over a flat slice of one
// parameter, which the runtime runs slice by slice with the state in place.
import { Graph, type Value } from './graph';
import type { ModelSpec } from './model-proto';
import { gradients, type GradientOptions } from './autodiff';
import { ADAMW_DEFAULTS, adamwStep, globalGradNorm, type AdamWConfig } from './adamw';
import { add, mul } from './ops';

export interface ParamSpec {
  name: string;
  shape: number[];
  /** Weight decay applies (true for matrices; false for biases and norm gains). */
  decay?: boolean;
}

export interface ForwardResult {
  loss: Value;
  /** Named scalars or small tensors reported each step (rewards, accuracies…). */
  metrics?: Record<string, Value>;
}

export interface TrainStepSpec {
  trainable: ParamSpec[];
  /** Parameters the forward reads but does not train (a LoRA base, say). */
  frozen?: ParamSpec[];
  forward: (g: Graph, params: Record<string, Value>) => ForwardResult;
  optimizer?: Partial<AdamWConfig>;
  /** Also output `grad.<name>` (before clipping), for checks. */
  exposeGradients?: boolean;
  /**
   * Build for gradient accumulation: a second graph adds each micro-batch's
   * gradients × grad_scale into `grad_acc.<name>`, and the update graph adds its
   * own micro-batch's gradients × grad_scale to those before clipping and AdamW
   * (grad_scale: the micro-batch's share of the step, 1/n for equal shares).
   */
  gradientAccumulation?: boolean;
  /** Activation checkpointing: rebuild the forward's checkpoint segments (all, or those of the kinds named) in the backward pass (autodiff.ts). */
  recompute?: GradientOptions['recompute'];
  /**
   * Build the update apart from the gradients (TrainStepGraph.update). For CPU EPs, whose
   * JS API returns every output as a fresh copy: a fused step hands back all parameters
   * and moments each step, alive twice while they cross; apart, only the gradients do,
   * and AdamW crosses one slice (UPDATE_SLICE elements) at a time.
   */
  separateUpdate?: boolean;
}

export interface TrainStepGraph {
  model: ModelSpec;
  /** The builder's graph, with every value's shape (graphMemory sizes it). */
  graph: Graph;
  /** Parameters then moments: every input that has a `next.` output. */
  state: string[];
  /** Scalar outputs read back each step: loss, grad_norm, then the forward's metrics. */
  metrics: string[];
  /** With gradientAccumulation: params (+ frozen), grad_acc.*, batch → loss, metrics, next.grad_acc.* */
  accumulate?: { model: ModelSpec; metrics: string[] };
  /**
   * With separateUpdate, `model` outputs `grad.<name>` for every trainable parameter
   * (after accumulation, before clipping) in place of `next.*`, and these AdamW graphs
   * update a flat slice: param, grad, adam_m, adam_v [n], lr, step, grad_norm →
   * next.param, next.adam_m, next.adam_v; `decay` for the parameters weight decay applies to.
   */
  update?: { decay: ModelSpec; noDecay: ModelSpec; decays: Record<string, boolean> };
  /** Whether `grad.<name>` are reported with the metrics (exposeGradients). */
  exposesGradients: boolean;
}

/** Elements per run of an update graph: its inputs and outputs alive at once are ~7 × 4 MiB. */
export const UPDATE_SLICE = 1 << 20;

/**
 * Whether to train with separateUpdate on `ep`: not on WebGPU, where the state stays in
 * GPU buffers between steps; on the CPU EPs once the trained parameters are many enough
 * that the copies it saves outweigh its own cost (a second pass over the gradients, a run
 * per parameter); below the threshold the extra runs cost more than the copies save
 * (measurements in docs/performance.md, round 4).
 */
export function separateUpdatePays(ep: string, trainable: readonly ParamSpec[]): boolean {
  return ep !== 'webgpu' && trainable.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0) >= 16 * 2 ** 20;
}

export const NEXT = 'next.';
export const momentNames = (param: string): { m: string; v: string } => ({ m: `adam_m.${param}`, v: `adam_v.${param}` });
export const accumulatorName = (param: string): string => `grad_acc.${param}`;
const isMoment = (name: string): boolean => name.startsWith('adam_m.') || name.startsWith('adam_v.');

/** Train state (or a checkpoint's) split into the parameters and AdamW's moments. */
export function splitTrainState<T>(state: Iterable<[string, T]>): { params: [string, T][]; moments: [string, T][] } {
  const params: [string, T][] = [];
  const moments: [string, T][] = [];
  for (const entry of state) (isMoment(entry[0]) ? moments : params).push(entry);
  return { params, moments };
}
export const GRAD_SCALE = 'grad_scale';

function paramInputs(g: Graph, spec: TrainStepSpec): Record<string, Value> {
  const params: Record<string, Value> = {};
  for (const p of [...spec.trainable, ...(spec.frozen ?? [])]) params[p.name] = g.input(p.name, 'float32', p.shape);
  return params;
}

function buildAccumulate(spec: TrainStepSpec): { model: ModelSpec; metrics: string[] } {
  const g = new Graph('accumulate_gradients');
  const params = paramInputs(g, spec);
  const { loss, metrics = {} } = spec.forward(g, params);
  const grads = gradients(loss, spec.trainable.map((p) => params[p.name]), { recompute: spec.recompute });
  const scale = g.input(GRAD_SCALE, 'float32', []);
  g.output(loss, 'loss');
  for (const [name, v] of Object.entries(metrics)) g.output(v, name);
  spec.trainable.forEach((p, k) => {
    const acc = g.input(accumulatorName(p.name), 'float32', p.shape);
    g.output(add(acc, mul(grads[k], scale)), NEXT + accumulatorName(p.name));
  });
  return { model: g.toModel(), metrics: ['loss', ...Object.keys(metrics)] };
}

/** AdamW on a flat slice of one parameter, the norm over all gradients given (separateUpdate). */
function buildUpdate(cfg: AdamWConfig, decay: boolean): ModelSpec {
  const g = new Graph(decay ? 'adamw_decay' : 'adamw');
  const slice = (name: string) => g.input(name, 'float32', ['n']);
  const names = momentNames('param');
  const slot = { param: slice('param'), grad: slice('grad'), m: slice(names.m), v: slice(names.v), decay };
  const update = adamwStep([slot], g.input('lr', 'float32', []), g.input('step', 'float32', []), cfg, g.input('grad_norm', 'float32', []));
  g.output(update.params[0], NEXT + 'param');
  g.output(update.m[0], NEXT + names.m);
  g.output(update.v[0], NEXT + names.v);
  return g.toModel();
}

const decays = (p: ParamSpec): boolean => p.decay ?? p.shape.length >= 2;

export function buildTrainStep(spec: TrainStepSpec): TrainStepGraph {
  const g = new Graph('train_step');
  const cfg = { ...ADAMW_DEFAULTS, ...spec.optimizer };
  const params = paramInputs(g, spec);
  const { loss, metrics = {} } = spec.forward(g, params);
  const trainable = spec.trainable.map((p) => params[p.name]);
  let grads = gradients(loss, trainable, { recompute: spec.recompute });
  if (spec.gradientAccumulation) {
    const scale = g.input(GRAD_SCALE, 'float32', []);
    grads = grads.map((gr, k) => add(g.input(accumulatorName(spec.trainable[k].name), 'float32', spec.trainable[k].shape), mul(gr, scale)));
  }
  const common = {
    metrics: ['loss', 'grad_norm', ...Object.keys(metrics)],
    exposesGradients: Boolean(spec.exposeGradients),
    ...(spec.gradientAccumulation ? { accumulate: buildAccumulate(spec) } : {}),
  };
  g.output(loss, 'loss');

  if (spec.separateUpdate) {
    g.output(globalGradNorm(grads), 'grad_norm');
    for (const [name, v] of Object.entries(metrics)) g.output(v, name);
    spec.trainable.forEach((p, k) => g.output(grads[k], `grad.${p.name}`));
    const state = [...spec.trainable.map((p) => p.name), ...spec.trainable.flatMap((p) => Object.values(momentNames(p.name)))];
    const update = { decay: buildUpdate(cfg, true), noDecay: buildUpdate(cfg, false), decays: Object.fromEntries(spec.trainable.map((p) => [p.name, decays(p)])) };
    return { model: g.toModel(), graph: g, state, update, ...common };
  }

  const slots = spec.trainable.map((p) => {
    const names = momentNames(p.name);
    return { spec: p, m: g.input(names.m, 'float32', p.shape), v: g.input(names.v, 'float32', p.shape) };
  });
  const lr = g.input('lr', 'float32', []);
  const step = g.input('step', 'float32', []);
  const update = adamwStep(
    slots.map((s, k) => ({ param: trainable[k], grad: grads[k], m: s.m, v: s.v, decay: decays(s.spec) })),
    lr,
    step,
    cfg,
  );
  g.output(update.gradNorm, 'grad_norm');
  for (const [name, v] of Object.entries(metrics)) g.output(v, name);
  const state: string[] = [];
  spec.trainable.forEach((p, k) => {
    g.output(update.params[k], NEXT + p.name);
    state.push(p.name);
  });
  spec.trainable.forEach((p, k) => {
    const names = momentNames(p.name);
    g.output(update.m[k], NEXT + names.m);
    g.output(update.v[k], NEXT + names.v);
    state.push(names.m, names.v);
  });
  if (spec.exposeGradients) spec.trainable.forEach((p, k) => g.output(grads[k], `grad.${p.name}`));

  return { model: g.toModel(), graph: g, state, ...common };
}
