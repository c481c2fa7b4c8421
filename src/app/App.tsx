import { useEffect } from 'react';
import { BackendPanel } from './BackendPanel';
import { EngineCheckPanel } from './EngineCheckPanel';
import { ModelPanel } from './ModelPanel';
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

  return (
    <main className="lab">
      <header>
        <h1>Self-Contrast Lab</h1>
        <p className="tagline">Feedback-free alignment with many self-generated negatives, on your device.</p>
      </header>
      <BackendPanel />
      <ModelPanel />
      <EngineCheckPanel />
    </main>
  );
}
