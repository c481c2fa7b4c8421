import { useEffect, useState } from 'react';
import { BackendPanel } from './BackendPanel';
import { Stepper } from './Stepper';
import { EngineCheckPanel } from './EngineCheckPanel';
import { ModelPanel } from './ModelPanel';
import { DatasetPanel } from './DatasetPanel';
import { SamplingPanel } from './SamplingPanel';
import { FilterPanel } from './FilterPanel';
import { ExportPanel } from './ExportPanel';
import { TrainPanel } from './TrainPanel';
import { ExperimentsPanel } from './ExperimentsPanel';
import { useLab } from '../store';
import { stageDecision } from '../store/backend-slice';
import { modelRefOf, SETTINGS, settingsFromSearch, settingsToSearch, type LabSettings } from '../lib/settings';

/** Resolves once the restored session is in the store. */
const hydrated = () => new Promise<void>((resolve) => (useLab.persist.hasHydrated() ? resolve() : useLab.persist.onFinishHydration(() => resolve())));

export function App() {
  const probeBackends = useLab((s) => s.probeBackends);
  const loadLm = useLab((s) => s.loadLm);
  const loadEmbedder = useLab((s) => s.loadEmbedder);
  const restoreGrid = useLab((s) => s.restoreGrid);
  useEffect(() => void restoreGrid(), [restoreGrid]);
  // Invalid values in the link are said on the page, not only in the console.
  const [linkNotes, setLinkNotes] = useState<string[]>(() => settingsFromSearch(window.location.search).invalid.map((kv) => {
    const key = kv.split('=')[0] as keyof LabSettings;
    return `The link's ${kv} is not a valid value (${SETTINGS[key].describe}); the lab keeps ${String(SETTINGS[key].default)}.`;
  }));
  useEffect(() => {
    void probeBackends().then(async () => {
      // The models the link (or the restored session) names: a link reproduces the whole experiment.
      await hydrated();
      const link = new URLSearchParams(window.location.search);
      const fromLink = settingsFromSearch(window.location.search).settings;
      const current = useLab.getState().settings;
      const pick = <K extends 'lm' | 'embedder' | 'hubHost'>(k: K) => (link.has(k) && fromLink[k] !== SETTINGS[k].default ? fromLink[k] : current[k]);
      const host = pick('hubHost');
      const lm = modelRefOf(pick('lm'));
      const embedder = modelRefOf(pick('embedder'));
      const notes = [lm, embedder].flatMap((ref) => (ref.kind === 'files' ? [`This experiment used a model from dropped files (${ref.label}): the shipped model is loaded instead; drop those files to use them.`] : []));
      if (notes.length) setLinkNotes((n) => [...n, ...notes]);
      if (lm.kind === 'hub') await loadLm({ kind: 'hub', id: lm.id, host });
      if (lm.kind !== 'hub' || useLab.getState().lm.status !== 'ready') await loadLm();
      const backend = stageDecision(useLab.getState(), 'embed').backend;
      if (embedder.kind === 'hub') await loadEmbedder(backend, { kind: 'hub', id: embedder.id, host });
      if (embedder.kind !== 'hub' || useLab.getState().embedder.status !== 'ready') await loadEmbedder(backend);
    });
  }, [probeBackends, loadLm, loadEmbedder]);

  // Settings live in the URL too, so an experiment is a link (?debug and other keys are kept).
  const settings = useLab((s) => s.settings);
  useEffect(() => {
    const { settings: fromLink } = settingsFromSearch(window.location.search);
    const given = Object.fromEntries(Object.keys(SETTINGS).filter((k) => new URLSearchParams(window.location.search).has(k)).map((k) => [k, fromLink[k as keyof LabSettings]]));
    if (!Object.keys(given).length) return;
    // A link beats the restored session: apply it once the session is back.
    const apply = () => useLab.getState().setSettings(given);
    if (useLab.persist.hasHydrated()) apply();
    else return useLab.persist.onFinishHydration(apply);
  }, []);
  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    for (const key of Object.keys(SETTINGS)) params.delete(key);
    for (const [k, v] of new URLSearchParams(settingsToSearch(settings))) params.set(k, v);
    const search = params.toString();
    window.history.replaceState(null, '', `${window.location.pathname}${search ? `?${search}` : ''}`);
  }, [settings]);

  // Drop a JSONL file anywhere on the page; a zip or a set of model files loads as the LM.
  const importFile = useLab((s) => s.importFile);
  useEffect(() => {
    const over = (e: DragEvent) => e.preventDefault();
    const drop = (e: DragEvent) => {
      e.preventDefault();
      const files = [...(e.dataTransfer?.files ?? [])];
      if (!files.length) return;
      const isModel = files.some((f) => /\.(zip|safetensors)$/.test(f.name) || f.name === 'config.json');
      if (isModel) void loadLm({ kind: 'files', files });
      else void importFile(files[0]);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, [importFile, loadLm]);

  return (
    <main className="lab">
      <header>
        <h1>Self-Contrast Lab</h1>
        <p className="tagline">Feedback-free alignment with many self-generated negatives, on your device.</p>
      </header>
      {linkNotes.length > 0 && (
        <div role="alert" className="panel link-notes" data-testid="link-notes">
          {linkNotes.map((n) => <p key={n}>{n}</p>)}
        </div>
      )}
      <Stepper />
      <div className="flow">
        <DatasetPanel />
        <SamplingPanel />
        <FilterPanel />
        <ExportPanel />
        <TrainPanel />
        <ExperimentsPanel />
      </div>
      <ModelPanel />
      <details className="diagnostics" data-testid="diagnostics">
        <summary>Diagnostics: the backend probe and the training-engine check</summary>
        <BackendPanel />
        <EngineCheckPanel />
      </details>
    </main>
  );
}
