// The engine's view of onnxruntime: only the onnxruntime-common API, so the same
// code runs on onnxruntime-node (tests, scripts) and onnxruntime-web (the app).
// Callers pass in the ort module they loaded.
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { encodeModel } from './model-proto';
import { momentNames, NEXT, type TrainStepGraph } from './train-step';

export interface OrtApi {
  InferenceSession: { create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
  Tensor: typeof Tensor;
}

export type ExecutionProvider = 'cpu' | 'wasm' | 'webgpu';

export async function createSession(
  ort: OrtApi,
  model: Uint8Array,
  ep: ExecutionProvider,
  options: InferenceSession.SessionOptions = {},
): Promise<InferenceSession> {
  // Errors only by default: ORT warns on every session that it keeps shape ops on the CPU, by design.
  return ort.InferenceSession.create(model, { executionProviders: [ep], graphOptimizationLevel: 'all', logSeverityLevel: 3, ...options });
}

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

/**
 * Runs a train-step graph step after step. Parameters and AdamW moments are fed
 * back from the `next.` outputs; on WebGPU those outputs stay in GPU buffers
 * (preferredOutputLocation), so no parameter crosses into JavaScript between steps.
 */
export class TrainSession {
  private constructor(
    private readonly ort: OrtApi,
    private readonly session: InferenceSession,
    readonly graph: TrainStepGraph,
    private readonly state: Map<string, Tensor>,
    private readonly frozen: Record<string, Tensor>,
  ) {}

  static async create(
    ort: OrtApi,
    graph: TrainStepGraph,
    ep: ExecutionProvider,
    params: Record<string, HostTensor>,
    frozen: Record<string, HostTensor> = {},
    options: InferenceSession.SessionOptions = {},
  ): Promise<TrainSession> {
    const onGpu = ep === 'webgpu';
    const session = await createSession(ort, encodeModel(graph.model), ep, {
      ...(onGpu ? { preferredOutputLocation: Object.fromEntries(graph.state.map((n) => [NEXT + n, 'gpu-buffer' as const])) } : {}),
      ...options,
    });
    const state = new Map<string, Tensor>();
    for (const name of graph.state) {
      const param = params[name];
      if (param) state.set(name, new ort.Tensor('float32', param.data, param.dims));
    }
    for (const [name, p] of Object.entries(params)) {
      const { m, v } = momentNames(name);
      state.set(m, new ort.Tensor('float32', new Float32Array(p.data.length), p.dims));
      state.set(v, new ort.Tensor('float32', new Float32Array(p.data.length), p.dims));
    }
    const missing = graph.state.filter((n) => !state.has(n));
    if (missing.length) throw new Error(`TrainSession: no initial value for ${missing.join(', ')}`);
    const frozenTensors = Object.fromEntries(Object.entries(frozen).map(([n, t]) => [n, new ort.Tensor('float32', t.data, t.dims)]));
    return new TrainSession(ort, session, graph, state, frozenTensors);
  }

  /** One optimizer step; returns the metric outputs (loss, grad_norm, …) as host arrays. */
  async step(batch: Record<string, Tensor>, lr: number, step: number): Promise<Record<string, Float32Array>> {
    const feeds: Record<string, Tensor> = {
      ...Object.fromEntries(this.state),
      ...this.frozen,
      ...batch,
      lr: new this.ort.Tensor('float32', Float32Array.of(lr), []),
      step: new this.ort.Tensor('float32', Float32Array.of(step), []),
    };
    const out = await this.session.run(feeds);
    for (const name of this.graph.state) {
      const previous = this.state.get(name)!;
      if (previous.location === 'gpu-buffer') previous.dispose();
      this.state.set(name, out[NEXT + name]);
    }
    const metrics: Record<string, Float32Array> = {};
    for (const name of this.graph.metrics) metrics[name] = await readFloats(out[name]);
    for (const [name, t] of Object.entries(out)) if (name.startsWith('grad.')) metrics[name] = await readFloats(t);
    return metrics;
  }

  /** Where each piece of state lives now ('cpu' before the first WebGPU step, 'gpu-buffer' after). */
  locations(): Record<string, string> {
    return Object.fromEntries([...this.state].map(([n, t]) => [n, t.location]));
  }

  /** Downloads parameters (not moments) to host memory. */
  async parameters(): Promise<Record<string, Float32Array>> {
    const out: Record<string, Float32Array> = {};
    for (const [name, t] of this.state) if (!name.startsWith('adam_')) out[name] = await readFloats(t);
    return out;
  }

  async release(): Promise<void> {
    for (const t of this.state.values()) if (t.location === 'gpu-buffer') t.dispose();
    await this.session.release();
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
