// The engine's view of onnxruntime: only the onnxruntime-common API, so the same
// code runs on onnxruntime-node (tests, scripts) and onnxruntime-web (the app).
// Callers pass in the ort module they loaded.
import type { InferenceSession, Tensor } from 'onnxruntime-common';

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
  return ort.InferenceSession.create(model, { executionProviders: [ep], graphOptimizationLevel: 'all', ...options });
}

/** Float data of an output, downloading from the GPU when it lives there. */
export async function readFloats(t: Tensor): Promise<Float32Array> {
  const data = t.location === 'cpu' ? t.data : await t.getData();
  if (!(data instanceof Float32Array)) throw new Error(`expected float32 data, got ${t.type}`);
  return data;
}
