import { useEffect } from 'react';
import { BackendPanel } from './BackendPanel';
import { Stepper } from './Stepper';
import { EngineCheckPanel } from './EngineCheckPanel';
import { ModelPanel } from './ModelPanel';
import { DatasetPanel } from './DatasetPanel';
import { SamplingPanel } from './SamplingPanel';
import { FilterPanel } from './FilterPanel';
import { ExportPanel } from './ExportPanel';
import { TrainPanel } from './TrainPanel';
import { useLab } from '../store';
import { stageDecision } from '../store/backend-slice';
import { SETTINGS, settingsFromSearch, settingsToSearch, type LabSettings } from '../lib/settings';

export function App() {
  const probeBackends = useLab((s) => s.probeBackends);
  const loadLm = useLab((s) => s.loadLm);
  const loadEmbedder = useLab((s) => s.loadEmbedder);
  useEffect(() => {
    void probeBackends().then(async () => {
      await loadLm();
      await loadEmbedder(stageDecision(useLab.getState(), 'embed').backend);
    });
  }, [probeBackends, loadLm, loadEmbedder]);

  // Settings live in the URL too, so an experiment is a link (?debug and other keys are kept).
  const settings = useLab((s) => s.settings);
  useEffect(() => {
    const { settings: fromLink, invalid } = settingsFromSearch(window.location.search);
    if (invalid.length) console.warn(`ignored invalid settings in the link: ${invalid.join(', ')}`);
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
      <Stepper />
      <div className="flow">
        <DatasetPanel />
        <SamplingPanel />
        <FilterPanel />
        <ExportPanel />
        <TrainPanel />
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
