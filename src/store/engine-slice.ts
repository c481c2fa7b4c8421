import type { StateCreator } from 'zustand';
import type { Backend, EngineCheckResult, OpCoverageResult } from '../protocol';
import { lmClient } from './workers';

export interface EngineSlice {
  engine: {
    status: 'idle' | 'running' | 'done' | 'failed';
    backend: Backend | null;
    liveLosses: number[];
    result: EngineCheckResult | null;
    error: string | null;
    coverage: OpCoverageResult | null;
  };
  /** Trains the tiny attention model on one backend: a check that training works on this device. */
  runEngineCheck: (backend: Backend, steps?: number) => Promise<EngineCheckResult | null>;
  /** Runs every op the engine emits, with its gradient, in one session on one backend. */
  runOpCoverage: (backend: Backend) => Promise<OpCoverageResult | null>;
}

const describe = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

export const createEngineSlice: StateCreator<EngineSlice, [], [], EngineSlice> = (set) => ({
  engine: { status: 'idle', backend: null, liveLosses: [], result: null, error: null, coverage: null },
  runEngineCheck: async (backend, steps = 5) => {
    set((s) => ({ engine: { ...s.engine, status: 'running', backend, liveLosses: [], result: null, error: null } }));
    try {
      const result = await lmClient().call('engine-check', { backend, steps, seed: 1, lr: 0.02 }, (p) =>
        set((s) => ({ engine: { ...s.engine, liveLosses: [...s.engine.liveLosses, p.loss] } })),
      ).promise;
      set((s) => ({ engine: { ...s.engine, status: 'done', result } }));
      return result;
    } catch (e) {
      set((s) => ({ engine: { ...s.engine, status: 'failed', error: describe(e) } }));
      return null;
    }
  },
  runOpCoverage: async (backend) => {
    set((s) => ({ engine: { ...s.engine, status: 'running', backend, coverage: null, error: null } }));
    try {
      const coverage = await lmClient().call('op-coverage', { backend }).promise;
      set((s) => ({ engine: { ...s.engine, status: 'done', coverage } }));
      return coverage;
    } catch (e) {
      set((s) => ({ engine: { ...s.engine, status: 'failed', error: describe(e) } }));
      return null;
    }
  },
});
