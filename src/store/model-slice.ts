import type { StateCreator } from 'zustand';
import type { LmInfo } from '../protocol';
import { lmClient } from './lm-worker';

/** Where the shipped default LM is served (vite-plugin-models.ts). */
export const DEFAULT_LM_URL = '/models/lm/';

export interface ModelSlice {
  lm: {
    status: 'idle' | 'loading' | 'ready' | 'failed';
    info: LmInfo | null;
    progress: { file: string; loaded: number; total: number | null } | null;
    error: string | null;
  };
  loadLm: (baseUrl?: string) => Promise<LmInfo | null>;
}

export const createModelSlice: StateCreator<ModelSlice, [], [], ModelSlice> = (set) => ({
  lm: { status: 'idle', info: null, progress: null, error: null },
  loadLm: async (baseUrl = DEFAULT_LM_URL) => {
    set((s) => ({ lm: { ...s.lm, status: 'loading', progress: null, error: null } }));
    try {
      const info = await lmClient().call('load-lm', { baseUrl }, (progress) => set((s) => ({ lm: { ...s.lm, progress } }))).promise;
      set({ lm: { status: 'ready', info, progress: null, error: null } });
      return info;
    } catch (e) {
      // A failed load leaves the previous model in place in the worker; say what happened.
      set((s) => ({ lm: { ...s.lm, status: 'failed', progress: null, error: e instanceof Error ? e.message : String(e) } }));
      return null;
    }
  },
});
