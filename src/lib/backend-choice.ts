// Which backend each stage runs on, decided by measuring that stage's real work
// with the loaded model on each backend, never by the label: a software WebGPU
// adapter (SwiftShader on VMs, remote desktops, driverless Linux) is 50–90×
// slower than WASM, and a tiny model can be faster on WASM even on a real GPU.
// Until a measurement exists, a fallback adapter counts as slow.

export type Backend = 'webgpu' | 'wasm';
export type Stage = 'sample' | 'embed' | 'train';
/** The largest |WebGPU − WASM| on the backend probe that still counts as the two backends agreeing. */
export const AGREEMENT_TOLERANCE = 1e-5;
/** A stage's backend setting: measured (auto), or the user's override. */
export type BackendPreference = 'auto' | Backend;
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'webgpu', 'wasm'];

/** One backend's measurement of one stage: work units per second (tokens, texts, sequences), or why it could not run. */
export type BackendTiming = { ok: true; perSecond: number; unit: string } | { ok: false; reason: string; skipped?: boolean };

export interface StageTimings {
  webgpu: BackendTiming | null;
  wasm: BackendTiming | null;
}

/** What the WebGPU adapter says of itself, before anything is measured. */
export interface AdapterInfo {
  available: boolean;
  /** Software rasteriser (isFallbackAdapter, or a SwiftShader description). */
  fallback: boolean;
  description: string;
}

export interface BackendDecision {
  stage: Stage;
  backend: Backend;
  /** One sentence a person can read: what was chosen and why. */
  why: string;
  measured: boolean;
  overridden: boolean;
}

export const isFallbackAdapter = (info: { isFallbackAdapter?: boolean; description?: string; vendor?: string; architecture?: string }): boolean =>
  Boolean(info.isFallbackAdapter) || /swiftshader/i.test(`${info.vendor ?? ''} ${info.architecture ?? ''} ${info.description ?? ''}`);

const NAMES: Record<Backend, string> = { webgpu: 'WebGPU', wasm: 'WASM' };
const fmt = (x: number) => (x >= 10 ? x.toFixed(0) : x.toPrecision(2));

/** The backend auto would pick, with its reason. */
function automatic(stage: Stage, timings: StageTimings, adapter: AdapterInfo): { backend: Backend; why: string; measured: boolean } {
  const gpu = timings.webgpu;
  const cpu = timings.wasm;
  if (gpu?.ok && cpu?.ok) {
    const [fast, slow] = gpu.perSecond >= cpu.perSecond ? (['webgpu', 'wasm'] as const) : (['wasm', 'webgpu'] as const);
    const ratio = Math.max(gpu.perSecond, cpu.perSecond) / Math.min(gpu.perSecond, cpu.perSecond);
    return {
      backend: fast,
      measured: true,
      why: `${NAMES[fast]}: ${fmt(ratio)}× faster than ${NAMES[slow]} on this machine for this model (${fmt(gpu.perSecond)} vs ${fmt(cpu.perSecond)} ${gpu.unit}/s on WebGPU vs WASM)`,
    };
  }
  if (!adapter.available) return { backend: 'wasm', measured: Boolean(cpu?.ok), why: `WASM: WebGPU is unavailable (${adapter.description})` };
  if (gpu && !gpu.ok) return { backend: 'wasm', measured: Boolean(cpu?.ok), why: gpu.skipped ? `WASM: WebGPU ${gpu.reason}` : `WASM: WebGPU failed on this model (${gpu.reason})` };
  if (cpu && !cpu.ok) return { backend: 'webgpu', measured: Boolean(gpu?.ok), why: `WebGPU: WASM failed on this model (${cpu.reason})` };
  if (adapter.fallback) return { backend: 'wasm', measured: false, why: `WASM: the WebGPU adapter is a software fallback (${adapter.description}), counted as slow until measured` };
  return { backend: 'webgpu', measured: false, why: `WebGPU: a hardware adapter (${adapter.description}); ${stage} not measured yet` };
}

export function decideBackend(stage: Stage, preference: BackendPreference, timings: StageTimings, adapter: AdapterInfo): BackendDecision {
  const auto = automatic(stage, timings, adapter);
  if (preference === 'auto' || (preference === 'webgpu' && !adapter.available)) {
    const note = preference === 'webgpu' ? ' (WebGPU was asked for, but this browser has none)' : '';
    return { stage, backend: auto.backend, why: auto.why + note, measured: auto.measured, overridden: false };
  }
  const agrees = preference === auto.backend;
  return {
    stage,
    backend: preference,
    measured: auto.measured,
    overridden: true,
    why: `${NAMES[preference]}: chosen by you${agrees ? '' : `; measurement would pick ${auto.why}`}`,
  };
}

/** Words a WebGPU failure mid-run leaves in its error: the device is gone or out of memory, and WASM can carry on. */
export const isWebGpuLoss = (message: string): boolean => /device (was )?lost|device is lost|destroyed|out of memory|GPUOutOfMemory|mapAsync|Device::|webgpu.*(lost|destroy)/i.test(message);
