// The engine's view of onnxruntime: only the onnxruntime-common API, so the same
// code runs on onnxruntime-node (tests, scripts) and onnxruntime-web (the app).
// Callers pass in the ort module they loaded.
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { encodeModel, type InferenceModel } from './model-proto';
import { accumulatorName, GRAD_SCALE, momentNames, NEXT, splitTrainState, UPDATE_SLICE, type TrainStepGraph } from './train-step';

export interface OrtApi {
  InferenceSession: { create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
  Tensor: typeof Tensor;
}

export type ExecutionProvider = 'cpu' | 'wasm' | 'webgpu';

export async function createSession(
  ort: OrtApi,
  model: Uint8Array | InferenceModel,
  ep: ExecutionProvider,
  options: InferenceSession.SessionOptions = {},
): Promise<InferenceSession> {
  const [bytes, externalData] = model instanceof Uint8Array ? [model, []] : [model.bytes, model.externalData];
  // Errors only by default: ORT warns on every session that it keeps shape ops on the CPU, by design.
  return ort.InferenceSession.create(bytes, {
    executionProviders: [ep], graphOptimizationLevel: 'all', logSeverityLevel: 3, ...(externalData.length ? { externalData } : {}), ...options,
  });
}

/**
 * Options of every training session, and of a forward-only graph that must
 * compute, bit for bit, what the same nodes compute inside a train step (the DPO
 * reference): ORT's extended fusions rewrite a forward alone differently from one
 * whose intermediates the backward reads, and prepacked weight initializers take
 * another GEMM path. A train step is no slower at 'basic' than at 'all'
 * (default model and SmolLM2-135M shape). No memory pattern: with a batch whose
 * length changes, ORT plans and pre-allocates one block per shape, which costs
 * both time and memory (docs/performance.md, round 1).
 */
export const TRAIN_SESSION_OPTIONS: InferenceSession.SessionOptions = {
  graphOptimizationLevel: 'basic', enableMemPattern: false, extra: { session: { disable_prepacking: '1' } },
};

/** Float data of an output, downloading from the GPU when it lives there. */
export async function readFloats(t: Tensor): Promise<Float32Array> {
  const data = t.location === 'cpu' ? t.data : await t.getData();
  if (!(data instanceof Float32Array)) throw new Error(`expected float32 data, got ${t.type}`);
  return data;
}

export interface HostTensor {
  data: Float32Array;
  dims: number[];
}

export interface TrainSessionOptions {
  /** Host values for any piece of state (AdamW moments when resuming); moments default to zeros. */
  initialState?: Record<string, HostTensor>;
  session?: InferenceSession.SessionOptions;
  /** Elements per AdamW run of a separateUpdate graph (tests cross slice edges with small ones). */
  updateSlice?: number;
}

/**
 * Runs a train-step graph step after step. Parameters and AdamW moments are fed
 * back from the `next.` outputs; on WebGPU those outputs stay in GPU buffers
 * (preferredOutputLocation), so no parameter crosses into JavaScript between steps.
 * A graph built with separateUpdate keeps the state in host arrays it owns: a step
 * runs the gradient graph, then AdamW slice by slice, writing each slice back in place.
 * With a gradient-accumulation graph, `accumulate` adds a micro-batch's gradients
 * (kept on the GPU too) and the next `step` averages them in.
 */
export class TrainSession {
  private accumulated = 0;

  private constructor(
    private readonly ort: OrtApi,
    private readonly session: InferenceSession,
    private readonly updateSessions: { decay: InferenceSession; noDecay: InferenceSession } | null,
    private readonly accumulateSession: InferenceSession | null,
    readonly graph: TrainStepGraph,
    private readonly state: Map<string, Tensor>,
    private readonly frozen: Record<string, Tensor>,
    private readonly accumulators: Map<string, Tensor>,
    private readonly zeroAccumulators: Map<string, Tensor>,
    private readonly updateSlice: number,
  ) {}

  static async create(
    ort: OrtApi,
    graph: TrainStepGraph,
    ep: ExecutionProvider,
    params: Record<string, HostTensor>,
    frozen: Record<string, HostTensor> = {},
    options: TrainSessionOptions = {},
  ): Promise<TrainSession> {
    const onGpu = ep === 'webgpu';
    const trainable = splitTrainState(graph.state.map((n) => [n, n])).params.map(([n]) => n);
    const gpuOutputs = (names: string[]) =>
      onGpu ? { preferredOutputLocation: Object.fromEntries(names.map((n) => [NEXT + n, 'gpu-buffer' as const])) } : {};
    const session = await createSession(ort, encodeModel(graph.model), ep, { ...TRAIN_SESSION_OPTIONS, ...gpuOutputs(graph.state), ...options.session });
    const accumulateSession = graph.accumulate
      ? await createSession(ort, encodeModel(graph.accumulate.model), ep, { ...TRAIN_SESSION_OPTIONS, ...gpuOutputs(trainable.map(accumulatorName)), ...options.session })
      : null;
    const updateSessions = graph.update
      ? {
        decay: await createSession(ort, encodeModel(graph.update.decay), ep, { ...TRAIN_SESSION_OPTIONS, ...options.session }),
        noDecay: await createSession(ort, encodeModel(graph.update.noDecay), ep, { ...TRAIN_SESSION_OPTIONS, ...options.session }),
      }
      : null;
    const state = new Map<string, Tensor>();
    for (const name of graph.state) {
      const given = params[name] ?? options.initialState?.[name];
      // Updated in place: a copy, so the caller's arrays (the loaded model's weights, a checkpoint) stay as they were.
      if (given) state.set(name, new ort.Tensor('float32', graph.update ? given.data.slice() : given.data, given.dims));
    }
    for (const name of trainable) {
      const p = params[name];
      if (!p) continue;
      for (const moment of Object.values(momentNames(name))) {
        if (!state.has(moment)) state.set(moment, new ort.Tensor('float32', new Float32Array(p.data.length), p.dims));
      }
    }
    const missing = graph.state.filter((n) => !state.has(n));
    if (missing.length) throw new Error(`TrainSession: no initial value for ${missing.join(', ')}`);
    const frozenTensors = Object.fromEntries(Object.entries(frozen).map(([n, t]) => [n, new ort.Tensor('float32', t.data, t.dims)]));
    const zeros = new Map<string, Tensor>();
    if (graph.accumulate) {
      for (const name of trainable) {
        const p = params[name];
        zeros.set(accumulatorName(name), new ort.Tensor('float32', new Float32Array(p.data.length), p.dims));
      }
    }
    return new TrainSession(ort, session, updateSessions, accumulateSession, graph, state, frozenTensors, new Map(zeros), zeros, options.updateSlice ?? UPDATE_SLICE);
  }

  /** Micro-batches accumulated since the last optimizer step. */
  get pendingMicroBatches(): number {
    return this.accumulated;
  }

  /**
   * Adds one micro-batch's gradients × `share` (its weight in the step: 1/n for
   * n equal micro-batches); no parameter changes until `step`. Returns loss and metrics.
   */
  async accumulate(batch: Record<string, Tensor>, share: number): Promise<Record<string, Float32Array>> {
    if (!this.accumulateSession || !this.graph.accumulate) throw new Error('TrainSession: the graph was built without gradientAccumulation');
    const params = Object.fromEntries(splitTrainState(this.state).params);
    const out = await this.accumulateSession.run({
      ...params, ...this.frozen, ...Object.fromEntries(this.accumulators), ...batch, [GRAD_SCALE]: new this.ort.Tensor('float32', Float32Array.of(share), []),
    });
    for (const name of this.accumulators.keys()) {
      const previous = this.accumulators.get(name)!;
      if (previous.location === 'gpu-buffer') previous.dispose();
      this.accumulators.set(name, out[NEXT + name]);
    }
    this.accumulated++;
    const metrics: Record<string, Float32Array> = {};
    for (const name of this.graph.accumulate.metrics) metrics[name] = await readFloats(out[name]);
    return metrics;
  }

  /**
   * One optimizer step on this batch plus any accumulated micro-batches (this
   * batch weighted by `share`, 1 without accumulation); returns the metric
   * outputs (loss, grad_norm, …) of this batch.
   */
  async step(batch: Record<string, Tensor>, lr: number, step: number, share = 1): Promise<Record<string, Float32Array>> {
    const scalars = { lr: new this.ort.Tensor('float32', Float32Array.of(lr), []), step: new this.ort.Tensor('float32', Float32Array.of(step), []) };
    const feeds: Record<string, Tensor> = {
      ...(this.updateSessions ? Object.fromEntries(splitTrainState(this.state).params) : { ...Object.fromEntries(this.state), ...scalars }),
      ...this.frozen,
      ...batch,
    };
    if (this.graph.accumulate) {
      Object.assign(feeds, Object.fromEntries(this.accumulators));
      feeds[GRAD_SCALE] = new this.ort.Tensor('float32', Float32Array.of(share), []);
    }
    const out = await this.session.run(feeds);
    if (this.updateSessions) {
      await this.updateInPlace(out, { ...scalars, grad_norm: out.grad_norm });
    } else {
      for (const name of this.graph.state) {
        const previous = this.state.get(name)!;
        if (previous.location === 'gpu-buffer') previous.dispose();
        this.state.set(name, out[NEXT + name]);
      }
    }
    for (const [name, t] of this.accumulators) {
      if (t.location === 'gpu-buffer') t.dispose();
      this.accumulators.set(name, this.zeroAccumulators.get(name)!);
    }
    this.accumulated = 0;
    const metrics: Record<string, Float32Array> = {};
    for (const name of this.graph.metrics) metrics[name] = await readFloats(out[name]);
    if (this.graph.exposesGradients) for (const [name, t] of Object.entries(out)) if (name.startsWith('grad.')) metrics[name] = await readFloats(t);
    return metrics;
  }

  /** AdamW from the gradient graph's `grad.*`, a slice of elements per run, each written back into the state. */
  private async updateInPlace(grads: InferenceSession.OnnxValueMapType, scalars: Record<string, Tensor>): Promise<void> {
    const { decays } = this.graph.update!;
    const host = (name: string) => this.state.get(name)!.data as Float32Array;
    const slot = momentNames('param');
    for (const [name, param] of splitTrainState(this.state).params) {
      const session = decays[name] ? this.updateSessions!.decay : this.updateSessions!.noDecay;
      const { m, v } = momentNames(name);
      const state = { param: param.data as Float32Array, [slot.m]: host(m), [slot.v]: host(v) };
      const grad = grads[`grad.${name}`].data as Float32Array;
      for (let at = 0; at < grad.length; at += this.updateSlice) {
        const end = Math.min(grad.length, at + this.updateSlice);
        const slice = (a: Float32Array) => new this.ort.Tensor('float32', a.subarray(at, end), [end - at]);
        const feeds: Record<string, Tensor> = { ...scalars, grad: slice(grad) };
        for (const [input, a] of Object.entries(state)) feeds[input] = slice(a);
        const out = await session.run(feeds);
        for (const [input, a] of Object.entries(state)) a.set(out[NEXT + input].data as Float32Array, at);
      }
    }
  }

  /** Where each piece of state lives now ('cpu' before the first WebGPU step, 'gpu-buffer' after). */
  locations(): Record<string, string> {
    return Object.fromEntries([...this.state].map(([n, t]) => [n, t.location]));
  }

  /** A piece of state as it is now in host memory: one the next step does not change, or with `views` the state itself. */
  private async read(t: Tensor, views: boolean): Promise<Float32Array> {
    const data = await readFloats(t);
    return this.updateSessions && !views ? data.slice() : data;
  }

  /**
   * Downloads parameters (not moments) to host memory. `views`: without the copy the in-place update needs — on the
   * CPU EPs the state itself, which the next step changes: for a reader done before then, or after the last step.
   */
  async parameters({ views = false } = {}): Promise<Record<string, Float32Array>> {
    const out: Record<string, Float32Array> = {};
    for (const [name, t] of splitTrainState(this.state).params) out[name] = await this.read(t, views);
    return out;
  }

  /** Downloads all state (parameters and AdamW moments): what a checkpoint holds. `views` as in parameters(). */
  async fullState({ views = false } = {}): Promise<Record<string, HostTensor>> {
    const out: Record<string, HostTensor> = {};
    for (const [name, t] of this.state) out[name] = { data: await this.read(t, views), dims: [...t.dims] };
    return out;
  }

  async release(): Promise<void> {
    for (const t of [...this.state.values(), ...this.accumulators.values()]) if (t.location === 'gpu-buffer') t.dispose();
    await this.session.release();
    await this.accumulateSession?.release();
    await this.updateSessions?.decay.release();
    await this.updateSessions?.noDecay.release();
  }
}

export interface HostBatchTensor {
  type: 'float32' | 'int64';
  data: Float32Array | BigInt64Array;
  dims: number[];
}

export function batchTensors(ort: OrtApi, batch: Record<string, HostBatchTensor>): Record<string, Tensor> {
  return Object.fromEntries(
    Object.entries(batch).map(([name, b]) => [
      name,
      b.data instanceof Float32Array ? new ort.Tensor('float32', b.data, b.dims) : new ort.Tensor('int64', b.data, b.dims),
    ]),
  );
}
