import type { StateCreator } from 'zustand';
import type { SampleProgress, SampleRequest, SampleResult } from '../protocol';
import { lmClient } from './workers';

export interface SamplingSlice {
  sampling: {
    status: 'idle' | 'running' | 'done' | 'failed' | 'cancelled';
    progress: SampleProgress | null;
    result: SampleResult | null;
    error: string | null;
  };
  runSampling: (request: SampleRequest) => Promise<SampleResult | null>;
  cancelSampling: () => void;
}

let cancelCurrent: (() => void) | null = null;

export const createSamplingSlice: StateCreator<SamplingSlice, [], [], SamplingSlice> = (set) => ({
  sampling: { status: 'idle', progress: null, result: null, error: null },
  runSampling: async (request) => {
    set({ sampling: { status: 'running', progress: null, result: null, error: null } });
    const call = lmClient().call('sample', request, (progress) => set((s) => ({ sampling: { ...s.sampling, progress } })));
    cancelCurrent = call.cancel;
    try {
      const result = await call.promise;
      set((s) => ({ sampling: { ...s.sampling, status: 'done', result } }));
      return result;
    } catch (e) {
      const cancelled = e instanceof Error && e.name === 'CancelledError';
      set((s) => ({ sampling: { ...s.sampling, status: cancelled ? 'cancelled' : 'failed', error: cancelled ? null : e instanceof Error ? e.message : String(e) } }));
      return null;
    } finally {
      cancelCurrent = null;
    }
  },
  cancelSampling: () => cancelCurrent?.(),
});
