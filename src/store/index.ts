import { create } from 'zustand';
import { createBackendSlice, type BackendSlice } from './backend-slice';
import { createEngineSlice, type EngineSlice } from './engine-slice';
import { createModelSlice, type ModelSlice } from './model-slice';
import { createSamplingSlice, type SamplingSlice } from './sampling-slice';
import { createDataSlice, type DataSlice } from './data-slice';

export type LabState = BackendSlice & EngineSlice & ModelSlice & SamplingSlice & DataSlice;

export const useLab = create<LabState>()((...a) => ({
  ...createBackendSlice(...a),
  ...createEngineSlice(...a),
  ...createModelSlice(...a),
  ...createSamplingSlice(...a),
  ...createDataSlice(...a),
}));

declare global {
  interface Window {
    /** The store, exposed with ?debug for scripted checks (e2e, benchmarks). */
    lab?: typeof useLab;
  }
}

if (typeof window !== 'undefined' && new URLSearchParams(window.location.search).has('debug')) window.lab = useLab;
