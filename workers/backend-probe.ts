// Runs the probe graph on webgpu and on wasm and reports what ran and whether
// the two agree. WebGPU failing is not an error: the lab falls back to wasm.
import type { BackendReport, BackendRun } from '../src/protocol';
import { buildProbeCase, maxAbsDiff } from '../src/lib/onnx/probe-graph';
import { createSession, readFloats, type ExecutionProvider, type OrtApi } from '../src/lib/onnx/runtime';
import { isFallbackAdapter, type AdapterInfo } from '../src/lib/backend-choice';

async function runProbe(ort: OrtApi, ep: ExecutionProvider, seed: number): Promise<{ output: number[]; ms: number }> {
  const probe = buildProbeCase(seed);
  const session = await createSession(ort, probe.model, ep);
  try {
    const t0 = performance.now();
    const result = await session.run({ [probe.inputName]: new ort.Tensor('float32', probe.input, probe.inputDims) });
    const output = Array.from(await readFloats(result[probe.outputName]));
    return { output, ms: performance.now() - t0 };
  } finally {
    await session.release();
  }
}

export async function describeWebGpu(): Promise<{ adapter: GPUAdapter; description: string; fallback: boolean } | { reason: string }> {
  if (!('gpu' in navigator) || !navigator.gpu) return { reason: 'this browser exposes no WebGPU (navigator.gpu is missing)' };
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) return { reason: 'navigator.gpu.requestAdapter() returned no adapter' };
  const info = adapter.info;
  const parts = [info.vendor, info.architecture, info.description].filter(Boolean);
  const fallback = isFallbackAdapter(info);
  return { adapter, description: `${parts.join(' / ') || 'unnamed adapter'}${fallback ? ' (software fallback adapter)' : ''}`, fallback };
}

export interface ProbeDeps {
  ort: OrtApi;
  threads: number;
  webgpu: () => Promise<{ adapter: GPUAdapter; description: string; fallback: boolean } | { reason: string }>;
  useAdapter: (adapter: GPUAdapter) => void;
}

export async function probeBackends(deps: ProbeDeps, seed: number, onStage: (stage: string) => void): Promise<BackendReport> {
  onStage('wasm');
  let wasm: BackendRun;
  try {
    const r = await runProbe(deps.ort, 'wasm', seed);
    wasm = { backend: 'wasm', ok: true, ms: r.ms, output: r.output, detail: `${deps.threads} thread(s)` };
  } catch (e) {
    wasm = { backend: 'wasm', ok: false, reason: e instanceof Error ? e.message : String(e) };
  }

  onStage('webgpu');
  let webgpu: BackendRun;
  const gpu = await deps.webgpu();
  if ('reason' in gpu) webgpu = { backend: 'webgpu', ok: false, reason: gpu.reason };
  else {
    try {
      deps.useAdapter(gpu.adapter);
      const r = await runProbe(deps.ort, 'webgpu', seed);
      webgpu = { backend: 'webgpu', ok: true, ms: r.ms, output: r.output, detail: gpu.description };
    } catch (e) {
      webgpu = { backend: 'webgpu', ok: false, reason: `WebGPU session failed: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  const diff = webgpu.ok && wasm.ok ? maxAbsDiff(webgpu.output, wasm.output) : null;
  const adapter: AdapterInfo = 'reason' in gpu ? { available: false, fallback: false, description: gpu.reason } : { available: webgpu.ok, fallback: gpu.fallback, description: gpu.description };
  return {
    webgpu,
    wasm,
    maxAbsDiff: diff,
    chosen: webgpu.ok ? 'webgpu' : wasm.ok ? 'wasm' : null,
    wasmThreads: deps.threads,
    crossOriginIsolated: self.crossOriginIsolated,
    adapter,
  };
}
