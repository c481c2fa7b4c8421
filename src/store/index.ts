import { create } from 'zustand';
import { createBackendSlice, type BackendSlice } from './backend-slice';

export type LabState = BackendSlice;

export const useLab = create<LabState>()((...a) => ({
  ...createBackendSlice(...a),
}));
