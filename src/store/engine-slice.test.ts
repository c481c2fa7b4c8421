// The engine slice with a fake LM worker (the real engine check runs in e2e/engine.spec.ts): live losses as the
// steps report them, the result kept, and a failure named with its kind.
import { describe, expect, it, vi } from 'vitest';
import { create } from 'zustand';
import { calls, replies } from './fake-workers.testutil';

vi.mock('./workers', async () => (await import('./fake-workers.testutil')).fakeWorkersModule);
const { createEngineSlice } = await import('./engine-slice');
const lab = () => create<ReturnType<typeof createEngineSlice>>()((set, get, api) => createEngineSlice(set, get, api));

describe('engine slice', () => {
  it('shows each step\'s loss as it comes, keeps the result, and names a failure; a new check starts clean', async () => {
    const store = lab();
    const result = { backend: 'wasm', losses: [0.7, 0.5], params: {} };
    replies['lm engine-check'] = async (_p, onProgress) => {
      onProgress({ loss: 0.7 });
      onProgress({ loss: 0.5 });
      expect(store.getState().engine).toMatchObject({ status: 'running', backend: 'wasm', liveLosses: [0.7, 0.5] });
      return result;
    };
    expect(await store.getState().runEngineCheck('wasm', 2)).toBe(result);
    expect(calls).toEqual([{ worker: 'lm', kind: 'engine-check', payload: { backend: 'wasm', steps: 2, seed: 1, lr: 0.02 } }]);
    expect(store.getState().engine).toMatchObject({ status: 'done', result, error: null });

    replies['lm engine-check'] = () => Promise.reject(Object.assign(new Error('device lost'), { name: 'WebGpuError' }));
    expect(await store.getState().runEngineCheck('webgpu')).toBeNull();
    expect(store.getState().engine).toMatchObject({ status: 'failed', backend: 'webgpu', liveLosses: [], result: null, error: 'WebGpuError: device lost' });

    replies['lm op-coverage'] = async () => ({ backend: 'wasm', ops: [] });
    expect(await store.getState().runOpCoverage('wasm')).toEqual({ backend: 'wasm', ops: [] });
    expect(store.getState().engine).toMatchObject({ status: 'done', error: null, coverage: { backend: 'wasm', ops: [] } });
  });
});
