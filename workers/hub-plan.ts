// Before a Hub download: which files, how many bytes (and how many are cached),
// and whether the model fits — from config.json and the shard index alone.
import type { HubPlan } from '../src/protocol';
import { parseConfig, type LmConfig } from '../src/lib/model/config';
import { LM_METADATA_FILES, REQUIRED_FILES, parseRepoId, weightFiles } from '../src/lib/model/hub';
import { estimateMemory, wasmRefusal, webGpuRefusal, type DeviceLimits, type Workload } from '../src/lib/model/memory';
import { defaultLora } from '../src/lib/train/lora';
import { fitRowsPerPass, runWorkload } from '../src/lib/train/dpo-run';
import type { DpoConfig } from '../src/lib/train/dpo-config';
import type { PreferenceGroup } from '../src/lib/train/preference-data';
import { cachedFile, hubReader, remoteSize } from './hub-cache';

/** The workload the estimate assumes: one prompt with 8 negatives per pass, 32 sampling rows of 512 tokens. */
const WORKLOAD = { rows: 9, length: 256, sampleRows: 32, sampleContext: 512 };

async function adapterLimits(): Promise<DeviceLimits | null> {
  const adapter = 'gpu' in navigator && navigator.gpu ? await navigator.gpu.requestAdapter() : null;
  return adapter ? { maxBufferSize: adapter.limits.maxBufferSize, maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize } : null;
}

/**
 * Why the model cannot run on this backend in this mode (adapter buffer limits; wasm's 4 GiB), or null when it fits.
 * A training run passes its own workload (rows per pass, sequence length, LoRA), not the default one.
 */
export async function memoryRefusal(config: LmConfig, backend: 'webgpu' | 'wasm', mode: 'sample' | 'full' | 'lora', workload: Partial<Workload> = {}): Promise<string | null> {
  const estimate = estimateMemory(config, { ...WORKLOAD, lora: defaultLora(config), ...workload });
  const limits = backend === 'webgpu' ? await adapterLimits() : null;
  const refusal = backend === 'wasm' ? wasmRefusal(estimate, mode) : limits ? webGpuRefusal(estimate, limits, mode) : null;
  const what = mode === 'sample' ? 'sampling' : mode === 'full' ? 'full fine-tuning' : 'LoRA training';
  return refusal && `${what} on ${backend === 'webgpu' ? 'WebGPU' : 'WASM'}: ${refusal}`;
}

/**
 * A DPO run's config with as many prompts per pass as the memory estimate lets this backend hold (wasm's 4 GiB, the
 * adapter's buffer limits), and gradient checkpointing when one prompt does not fit without (fitRowsPerPass); throws
 * the refusal when nothing fits. The run and its backend timing both train with this plan.
 */
export async function memoryPlan(lm: LmConfig, config: DpoConfig, backend: 'webgpu' | 'wasm', groups: readonly PreferenceGroup[]): Promise<DpoConfig> {
  const refusal = (c: DpoConfig) => memoryRefusal(lm, backend, c.lora ? 'lora' : 'full', runWorkload(c, defaultLora(lm), groups));
  const fitted = await fitRowsPerPass(config, async (c) => (await refusal(c)) === null);
  if (!fitted) throw new Error((await refusal({ ...config, gradient_checkpointing: true, rows_per_pass: 1 + config.negatives_per_prompt }))!);
  return fitted;
}

/** Throws memoryRefusal's reason when there is one. */
export async function assertFits(config: LmConfig, backend: 'webgpu' | 'wasm', mode: 'sample' | 'full' | 'lora', workload: Partial<Workload> = {}): Promise<void> {
  const refusal = await memoryRefusal(config, backend, mode, workload);
  if (refusal) throw new Error(refusal);
}

export async function hubPlan(id: string, host: string): Promise<HubPlan> {
  const repo = parseRepoId(id, host);
  const read = hubReader(repo, () => {});
  const configBytes = await read('config.json');
  if (!configBytes) throw new Error(`${repo.repo}: config.json is missing (is this a model repository, and the right Hub address?)`);
  const config = parseConfig(JSON.parse(new TextDecoder().decode(configBytes)));
  const index = await read('model.safetensors.index.json');
  const files = [...LM_METADATA_FILES, ...(index ? ['model.safetensors.index.json'] : []), ...weightFiles(index)];
  const sized = await Promise.all(files.map(async (name) => {
    const cached = await cachedFile(repo, name);
    if (cached) return { name, bytes: cached.size, cached: true };
    const bytes = await remoteSize(repo, name);
    if (bytes === undefined && (REQUIRED_FILES.has(name) || name.endsWith('.safetensors'))) throw new Error(`${repo.repo}: ${name} is missing`);
    return bytes === undefined ? null : { name, bytes, cached: false };
  }));
  const present = sized.filter((f) => f !== null);
  const memory = estimateMemory(config, { ...WORKLOAD, lora: defaultLora(config) });
  const limits = await adapterLimits();
  return {
    source: `${repo.host}/${repo.repo}@${repo.revision}`,
    modelType: config.modelType,
    files: present,
    totalBytes: present.reduce((a, f) => a + (f.bytes ?? 0), 0),
    cachedBytes: present.filter((f) => f.cached).reduce((a, f) => a + (f.bytes ?? 0), 0),
    memory,
    limits,
    refusal: limits
      ? { sample: webGpuRefusal(memory, limits, 'sample'), full: webGpuRefusal(memory, limits, 'full'), lora: webGpuRefusal(memory, limits, 'lora') }
      : { sample: null, full: null, lora: null },
  };
}
