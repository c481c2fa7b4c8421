import type { StateCreator } from 'zustand';
import type { BackendReport } from '../protocol';
import { lmClient } from './workers';

export interface BackendSlice {
  backend: {
    status: 'idle' | 'probing' | 'ready' | 'failed';
    stage: string | null;
    report: BackendReport | null;
    error: string | null;
  };
  probeBackends: () => Promise<void>;
}

export const createBackendSlice: StateCreator<BackendSlice, [], [], BackendSlice> = (set) => ({
  backend: { status: 'idle', stage: null, report: null, error: null },
  probeBackends: async () => {
    set({ backend: { status: 'probing', stage: null, report: null, error: null } });
    try {
      const report = await lmClient().call('probe-backends', { seed: 1 }, (p) =>
        set((s) => ({ backend: { ...s.backend, stage: p.stage } })),
      ).promise;
      set({ backend: { status: report.chosen ? 'ready' : 'failed', stage: null, report, error: report.chosen ? null : 'neither WebGPU nor WASM could run the probe graph' } });
    } catch (e) {
      set({ backend: { status: 'failed', stage: null, report: null, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) } });
    }
  },
});
