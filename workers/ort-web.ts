// The one module that imports onnxruntime-web. Everything else sees OrtApi.
import * as ort from 'onnxruntime-web';
import jsepWasm from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import type { OrtApi } from '../src/lib/onnx/runtime';

// ORT's wasm is served by the lab itself. transformers.js (sharing this ORT, see
// vite.config.ts) points wasmPaths at a CDN unless it is already set, so set it
// when this module loads: the lab requests nothing off its origin.
ort.env.wasm.wasmPaths = { wasm: jsepWasm };

/**
 * Threads need cross-origin isolation; ORT defaults to 1, so set it explicitly.
 * On two cores the page, this worker and ORT's spinning thread pool contend:
 * measured here (bench/sample, steady state), two threads sample the default
 * LM no faster than one (5641 vs 5632 tok/s) and warm up slower, so extra
 * threads start at four cores.
 */
export function wasmThreadCount(isolated: boolean, cores: number): number {
  return isolated && cores >= 4 ? Math.min(4, Math.floor(cores / 2)) : 1;
}

export function configureOrtWeb(): { ort: OrtApi; threads: number } {
  const threads = wasmThreadCount(self.crossOriginIsolated, navigator.hardwareConcurrency || 1);
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  return { ort, threads };
}

/** Hands ORT the adapter we inspected, so the report names the device that ran. */
export function useWebGpuAdapter(adapter: GPUAdapter): void {
  ort.env.webgpu.adapter = adapter;
}

let loss: Promise<never> | null = null;

/**
 * Work on WebGPU, failing with a clear error if the device is lost or destroyed
 * meanwhile: ORT's own promises never settle then, and the request would hang.
 * Call only after a WebGPU session exists (before that, reading the device creates one).
 */
export function guardWebGpu<T>(work: Promise<T>): Promise<T> {
  if (!loss) {
    // ORT 1.30 gives the device itself once a session exists (its types say a Promise): accept either.
    loss = Promise.resolve(ort.env.webgpu.device).then((device) => device.lost.then((info) => {
      throw new Error(`WebGPU device lost (${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''}); reload the page to use WebGPU again`);
    }));
    loss.catch(() => {}); // observed by every race below; never an unhandled rejection
  }
  return Promise.race([work, loss]);
}
