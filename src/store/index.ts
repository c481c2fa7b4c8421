import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import { indexedDbStorage } from './session-storage';
import { createBackendSlice, type BackendSlice } from './backend-slice';
import { createEngineSlice, type EngineSlice } from './engine-slice';
import { createModelSlice, type ModelSlice } from './model-slice';
import { createDataSlice, type DataSlice } from './data-slice';
import { createExperimentSlice, type ExperimentSlice } from './experiment-slice';
import { createTrainingSlice, type RunRecord, type TrainingSlice } from './training-slice';
import { storedDpoConfig, type StoredDpoConfig } from '../lib/train/dpo-config';
import { parseSettings } from '../lib/settings';

export type LabState = BackendSlice & EngineSlice & ModelSlice & DataSlice & TrainingSlice & ExperimentSlice;

/**
 * What survives a reload: the settings, the dataset with its samples and
 * similarity scores, and the table of runs (checkpoints live in OPFS).
 */
type Persisted = {
  settings: LabState['settings'];
  data: Pick<LabState['data'], 'status' | 'fileName' | 'summary' | 'rows' | 'samples' | 'scored'>;
  runs: LabState['runs'];
};

export const SESSION_KEY = 'session';

function runWithDpoConfig(stored: RunRecord & { settings?: StoredDpoConfig | null }): RunRecord {
  const { settings, evalInputs, ...run } = stored;
  const config = run.config ?? (settings ? storedDpoConfig(settings) : null);
  return { ...run, config, evalInputs: evalInputs?.config ? evalInputs : undefined };
}

export const useLab = create<LabState>()(
  persist(
    (...a) => ({
      ...createBackendSlice(...a),
      ...createEngineSlice(...a),
      ...createModelSlice(...a),
      ...createDataSlice(...a),
      ...createTrainingSlice(...a),
      ...createExperimentSlice(...a),
    }),
    {
      name: SESSION_KEY,
      // 1: the similarity table carries the reference filter's ranks; older scores are dropped (samples stay).
      // 2: runs hold their DpoConfig in TRL's names; older evaluation inputs are dropped (a run is evaluated anew).
      version: 2,
      migrate: (persisted, version) => {
        let p = persisted as Persisted;
        if (version < 1 && p?.data) p = { ...p, data: { ...p.data, scored: null } };
        if (version < 2 && p?.runs) p = { ...p, runs: p.runs.map(runWithDpoConfig) };
        return p;
      },
      storage: indexedDbStorage<Persisted>(),
      partialize: (s): Persisted => ({
        settings: s.settings,
        data: { status: s.data.status === 'importing' ? 'empty' : s.data.status, fileName: s.data.fileName, summary: s.data.summary, rows: s.data.rows, samples: s.data.samples, scored: s.data.scored },
        // A run that was going when the page closed is paused at its last checkpoint.
        runs: s.runs.map((r) => (r.status === 'running' ? { ...r, status: 'paused' } : r)),
      }),
      merge: (persisted, current) => {
        const p = persisted as Persisted | undefined;
        // Stored settings go through the table's parse too: a value an older version allowed is dropped, not applied.
        return p ? { ...current, settings: { ...current.settings, ...parseSettings(p.settings ?? {}).settings }, data: { ...current.data, ...p.data }, runs: p.runs ?? [] } : current;
      },
      // Derived views (selected negatives, histogram) are recomputed, not stored.
      onRehydrateStorage: () => (state) => state?.refreshFilter(),
    },
  ),
);
