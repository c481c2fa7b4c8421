import { create } from 'zustand';
import { createBackendSlice, type BackendSlice } from './backend-slice';
import { createEngineSlice, type EngineSlice } from './engine-slice';

export type LabState = BackendSlice & EngineSlice;

export const useLab = create<LabState>()((...a) => ({
  ...createBackendSlice(...a),
  ...createEngineSlice(...a),
}));

declare global {
  interface Window {
    /** The store, exposed with ?debug for scripted checks (e2e, benchmarks). */
    lab?: typeof useLab;
  }
}

if (typeof window !== 'undefined' && new URLSearchParams(window.location.search).has('debug')) window.lab = useLab;
