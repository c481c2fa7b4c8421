import { describe, expect, it } from 'vitest';
import { decideBackend, isFallbackAdapter, isWebGpuLoss, type AdapterInfo, type StageTimings } from './backend-choice';

const hardware: AdapterInfo = { available: true, fallback: false, description: 'nvidia / hopper' };
const software: AdapterInfo = { available: true, fallback: true, description: 'Google / swiftshader (software fallback adapter)' };
const none: AdapterInfo = { available: false, fallback: false, description: 'navigator.gpu is missing' };
const timed = (webgpu: number, wasm: number): StageTimings => ({ webgpu: { ok: true, perSecond: webgpu, unit: 'tokens' }, wasm: { ok: true, perSecond: wasm, unit: 'tokens' } });
const unmeasured: StageTimings = { webgpu: null, wasm: null };

describe('backend choice', () => {
  it('picks the measured faster backend whatever the adapter says, and says by how much', () => {
    const d = decideBackend('sample', 'auto', timed(20, 2500), hardware);
    expect(d).toMatchObject({ backend: 'wasm', measured: true, overridden: false });
    expect(d.why).toBe('WASM: 125× faster than WebGPU on this machine for this model (20 vs 2500 tokens/s on WebGPU vs WASM)');
    expect(decideBackend('sample', 'auto', timed(9000, 2500), software)).toMatchObject({ backend: 'webgpu', measured: true });
    expect(decideBackend('embed', 'auto', timed(300, 100), hardware).why).toMatch(/^WebGPU: 3\.0× faster than WASM/);
  });

  it('before measuring: a software adapter counts as slow, a hardware one as fast, none means WASM', () => {
    expect(decideBackend('sample', 'auto', unmeasured, software)).toMatchObject({ backend: 'wasm', measured: false });
    expect(decideBackend('sample', 'auto', unmeasured, software).why).toMatch(/software fallback.*counted as slow until measured/);
    expect(decideBackend('train', 'auto', unmeasured, hardware)).toMatchObject({ backend: 'webgpu', measured: false });
    expect(decideBackend('embed', 'auto', unmeasured, none)).toMatchObject({ backend: 'wasm' });
  });

  it('a backend that failed on this model loses; an override wins and says what auto would do', () => {
    expect(decideBackend('train', 'auto', { webgpu: { ok: false, reason: 'needs one 519 MiB buffer' }, wasm: { ok: true, perSecond: 10, unit: 'tokens' } }, hardware))
      .toMatchObject({ backend: 'wasm', why: 'WASM: WebGPU failed on this model (needs one 519 MiB buffer)' });
    const o = decideBackend('sample', 'webgpu', timed(20, 2500), software);
    expect(o).toMatchObject({ backend: 'webgpu', overridden: true });
    expect(o.why).toMatch(/^WebGPU: chosen by you; measurement would pick WASM: 125× faster/);
    expect(decideBackend('sample', 'wasm', timed(20, 2500), software).why).toBe('WASM: chosen by you');
    expect(decideBackend('train', 'auto', { webgpu: { ok: false, skipped: true, reason: 'not timed: slower at sampling' }, wasm: { ok: true, perSecond: 9, unit: 'tokens' } }, software).why)
      .toBe('WASM: WebGPU not timed: slower at sampling');
    // WebGPU asked for where there is none: WASM, and it says so.
    expect(decideBackend('sample', 'webgpu', unmeasured, none)).toMatchObject({ backend: 'wasm', overridden: false });
  });

  it('recognises software adapters and lost devices', () => {
    expect(isFallbackAdapter({ isFallbackAdapter: true })).toBe(true);
    expect(isFallbackAdapter({ vendor: 'google', architecture: 'swiftshader', description: '' })).toBe(true);
    expect(isFallbackAdapter({ vendor: 'nvidia', architecture: 'hopper' })).toBe(false);
    expect(isWebGpuLoss('Device was lost: destroyed')).toBe(true);
    expect(isWebGpuLoss('GPUOutOfMemoryError while creating buffer')).toBe(true);
    expect(isWebGpuLoss('no language model is loaded')).toBe(false);
  });
});
