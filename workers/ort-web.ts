// The one module that imports onnxruntime-web. Everything else sees OrtApi.
import * as ort from 'onnxruntime-web';
import type { OrtApi } from '../src/lib/onnx/runtime';

/** Threads need cross-origin isolation; ORT defaults to 1 here, so set it explicitly. */
export function configureOrtWeb(): { ort: OrtApi; threads: number } {
  const threads = self.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  return { ort, threads };
}

/** Hands ORT the adapter we inspected, so the report names the device that ran. */
export function useWebGpuAdapter(adapter: GPUAdapter): void {
  ort.env.webgpu.adapter = adapter;
}
