import { useLab } from '../store';
import { stageDecision } from '../store/backend-slice';
import { download } from './download';
import { DPO_CONFIG_HELP, LAB_FIELDS, TRL_FIELDS } from '../lib/train/dpo-config';

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);

/** The session's runs side by side: the SFT reference, DPO with M = 1, Self-Contrast with M = 8, … */
export function RunsTable() {
  const runs = useLab((s) => s.runs);
  const busy = useLab((s) => s.training.phase !== 'idle');
  // Evaluation samples from the model: it runs where sampling runs.
  const backend = useLab((s) => stageDecision(s, 'sample').backend);
  const { exportRun, evaluateRun, deleteRun } = useLab.getState();
  if (!runs.length) return null;
  return (
    <table className="runs" data-testid="runs-table">
      <thead>
        <tr>
          <th>run</th>
          <th>steps</th>
          <th>greedy accuracy</th>
          <th>sampled accuracy</th>
          <th>held-out reward accuracy</th>
          <th>margin</th>
          <th>status</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.runId ?? 'sft'} data-run={r.runId ?? 'sft'} data-status={r.status}>
            <td>
              {r.label}
              {r.config && (
                <details className="run-config">
                  <summary>config</summary>
                  <dl>
                    {[...TRL_FIELDS, ...LAB_FIELDS].map((name) => (
                      <div key={name} title={DPO_CONFIG_HELP[name]}>
                        <dt>{name}</dt>
                        <dd>{JSON.stringify(r.config![name])}</dd>
                      </div>
                    ))}
                  </dl>
                </details>
              )}
            </td>
            <td>{r.runId ? `${r.stepsDone} / ${r.totalSteps}` : '–'}</td>
            <td data-testid="greedy">{pct(r.evaluation?.greedy)}</td>
            <td>{pct(r.evaluation?.sampled)}</td>
            <td>{r.evaluation?.pairs ? `${pct(r.evaluation.rewardAccuracy)} of ${r.evaluation.pairs} pairs` : '–'}</td>
            <td>{r.evaluation?.rewardMargin?.toFixed(3) ?? '–'}</td>
            <td title={r.error ?? undefined}>{r.status}{r.error ? `: ${r.error}` : ''}</td>
            <td>
              {r.runId && r.status === 'done' && (
                <>
                  <button type="button" disabled={busy} onClick={() => void exportRun(r.runId!, 'merged').then((f) => f && download(f.fileName, f.zip, 'application/zip'))}>
                    Download model (safetensors)
                  </button>
                  {r.config?.lora && (
                    <button type="button" disabled={busy} onClick={() => void exportRun(r.runId!, 'adapter').then((f) => f && download(f.fileName, f.zip, 'application/zip'))}>
                      Download LoRA adapter (PEFT)
                    </button>
                  )}
                  {!r.evaluation && <button type="button" disabled={busy} onClick={() => void evaluateRun(r.runId, backend)}>Evaluate</button>}
                </>
              )}
              {r.runId && r.status !== 'running' && <button type="button" disabled={busy} onClick={() => void deleteRun(r.runId!)}>Delete</button>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
