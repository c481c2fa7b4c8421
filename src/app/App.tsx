import { useEffect } from 'react';
import { BackendPanel } from './BackendPanel';
import { EngineCheckPanel } from './EngineCheckPanel';
import { ModelPanel } from './ModelPanel';
import { DatasetPanel } from './DatasetPanel';
import { SamplingPanel } from './SamplingPanel';
import { FilterPanel } from './FilterPanel';
import { ExportPanel } from './ExportPanel';
import { useLab } from '../store';

export function App() {
  const probeBackends = useLab((s) => s.probeBackends);
  const loadLm = useLab((s) => s.loadLm);
  const loadEmbedder = useLab((s) => s.loadEmbedder);
  useEffect(() => {
    void probeBackends().then(async () => {
      await loadLm();
      await loadEmbedder(useLab.getState().backend.report?.chosen ?? 'wasm');
    });
  }, [probeBackends, loadLm, loadEmbedder]);

  // Drop a JSONL file anywhere on the page.
  const importFile = useLab((s) => s.importFile);
  useEffect(() => {
    const over = (e: DragEvent) => e.preventDefault();
    const drop = (e: DragEvent) => {
      e.preventDefault();
      const file = e.dataTransfer?.files[0];
      if (file) void importFile(file);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, [importFile]);

  return (
    <main className="lab">
      <header>
        <h1>Self-Contrast Lab</h1>
        <p className="tagline">Feedback-free alignment with many self-generated negatives, on your device.</p>
      </header>
      <BackendPanel />
      <ModelPanel />
      <DatasetPanel />
      <SamplingPanel />
      <FilterPanel />
      <ExportPanel />
      <EngineCheckPanel />
    </main>
  );
}
