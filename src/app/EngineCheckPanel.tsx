import type { Backend } from '../protocol';
import type { NodePlacement } from '../lib/onnx/placement';
import { useLab } from '../store';

function Placement({ placement }: { placement: NodePlacement }) {
  const cpuOps = [...new Set(placement.cpuNodes.map((n) => n.opType))];
  return (
    <>
      {Object.entries(placement.counts).map(([ep, n]) => `${ep} ${n}`).join(', ')}
      {cpuOps.length > 0 && ` (on CPU: ${cpuOps.join(', ')})`}
    </>
  );
}

/** Diagnostics: train the tiny attention model a few steps to prove on-device training works here. */
export function EngineCheckPanel() {
  const { status, backend, liveLosses, result, error, coverage } = useLab((s) => s.engine);
  const chosen = useLab((s) => s.backend.report?.chosen ?? null);
  const run = useLab((s) => s.runEngineCheck);
  const runCoverage = useLab((s) => s.runOpCoverage);
  const button = (b: Backend) => (
    <button type="button" disabled={status === 'running' || (b === 'webgpu' && chosen !== 'webgpu')} onClick={() => void run(b)}>
      Train 5 steps on {b === 'webgpu' ? 'WebGPU' : 'WASM'}
    </button>
  );
  return (
    <section className="panel" aria-labelledby="engine-title">
      <h2 id="engine-title">Training engine check</h2>
      <p className="muted">Forward, backward and AdamW in one ONNX graph, on a tiny causal attention model.</p>
      <div className="row">
        {button('webgpu')}
        {button('wasm')}
        <button type="button" disabled={status === 'running' || chosen !== 'webgpu'} onClick={() => void runCoverage('webgpu')}>
          Check every op on WebGPU
        </button>
      </div>
      {status === 'running' && <p>Training on {backend}… step {liveLosses.length}</p>}
      {error && <p role="alert" className="error">{error}</p>}
      {coverage && (
        <p data-testid="op-coverage">
          Op coverage on {coverage.backend}: <Placement placement={coverage.placement} />
        </p>
      )}
      {result && (
        <div data-testid="engine-result" data-backend={result.backend}>
          <p>
            {result.backend}: loss {result.losses[0].toFixed(4)} → {result.losses[result.losses.length - 1].toFixed(4)} in {result.losses.length} steps,{' '}
            {result.msPerStep.toFixed(1)} ms/step
          </p>
          <p>
            Node placement: <Placement placement={result.placement} />
          </p>
        </div>
      )}
    </section>
  );
}
