import type { BackendRun } from '../protocol';
import { AGREEMENT_TOLERANCE } from '../lib/backend-choice';
import { useLab } from '../store';

function RunLine({ run }: { run: BackendRun }) {
  return run.ok ? (
    <li data-testid={`run-${run.backend}`} data-ok="true">
      <strong>{run.backend}</strong>: ran in {run.ms.toFixed(1)} ms — {run.detail}
    </li>
  ) : (
    <li data-testid={`run-${run.backend}`} data-ok="false">
      <strong>{run.backend}</strong>: unavailable — {run.reason}
    </li>
  );
}

export function BackendPanel() {
  const { status, stage, report, error } = useLab((s) => s.backend);
  return (
    <section className="panel" aria-labelledby="backend-title">
      <h2 id="backend-title">Compute backend</h2>
      {status === 'probing' && <p>Checking backends{stage ? ` (${stage})` : ''}…</p>}
      {error && (
        <p role="alert" className="error" data-testid="backend-error">
          {error}
        </p>
      )}
      {report && (
        <div data-testid="backend-report" data-chosen={report.chosen ?? 'none'} data-max-abs-diff={report.maxAbsDiff ?? ''}>
          <p data-testid="backend-chosen" data-fallback={String(report.adapter.fallback)}>
            {report.adapter.available
              ? <>WebGPU adapter: <strong>{report.adapter.description}</strong>. Each stage runs on the backend measured faster for its model (see Sampling, Filter, DPO training).</>
              : <>WebGPU is unavailable ({report.adapter.description}): everything runs on <strong>WASM</strong>.</>}
          </p>
          <ul>
            <RunLine run={report.webgpu} />
            <RunLine run={report.wasm} />
          </ul>
          {report.maxAbsDiff !== null && (
            <p data-testid="backend-agreement">
              WebGPU and WASM {report.maxAbsDiff <= AGREEMENT_TOLERANCE ? 'agree' : 'DISAGREE'}: max |Δ| = {report.maxAbsDiff.toExponential(2)}
            </p>
          )}
          <p className="muted">
            WASM threads: {report.wasmThreads} · cross-origin isolated: {String(report.crossOriginIsolated)}
          </p>
        </div>
      )}
    </section>
  );
}
