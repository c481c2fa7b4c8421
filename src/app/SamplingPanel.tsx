import { useLab } from '../store';
import type { LabSettings } from '../lib/settings';
import { stageDecision } from '../store/backend-slice';
import { StageBackend } from './StageBackend';
import { JobProgress } from './JobProgress';
import { SettingInput } from './SettingInput';
import { StageFailure } from './StageFailure';

const fields: [keyof LabSettings, string, number][] = [
  ['samplesPerPrompt', 'R (samples per prompt)', 1],
  ['temperature', 'temperature', 0.1],
  ['topP', 'top-p', 0.05],
  ['topK', 'top-k (0 = off)', 1],
  ['maxNewTokens', 'max new tokens', 1],
  ['seed', 'seed', 1],
];

const CELLS = 300;

/** One cell per prompt (or per group of prompts, for big datasets): done, sampling now, or waiting. */
function PromptStrip({ total, done, current }: { total: number; done: (i: number) => boolean; current: Set<number> }) {
  const per = Math.max(1, Math.ceil(total / CELLS));
  const cells = Array.from({ length: Math.ceil(total / per) }, (_, c) => {
    const ids = Array.from({ length: Math.min(per, total - c * per) }, (_, k) => c * per + k);
    const state = ids.some((i) => current.has(i)) ? 'running' : ids.every(done) ? 'done' : 'pending';
    return { c, state, title: per === 1 ? `prompt ${c + 1}: ${state}` : `prompts ${c * per + 1}–${c * per + ids.length}: ${state}` };
  });
  return (
    <div className="strip" data-testid="prompt-strip">
      {cells.map((cell) => (
        <span key={cell.c} className={`cell ${cell.state}`} title={cell.title} />
      ))}
    </div>
  );
}

export function SamplingPanel() {
  const { rows, samples, sampling } = useLab((s) => s.data);
  const backend = useLab((s) => stageDecision(s, 'sample').backend);
  const lmReady = useLab((s) => s.lm.status === 'ready');
  const sample = useLab((s) => s.sampleDataset);
  const cancel = useLab((s) => s.cancelDatasetSampling);
  const done = samples.filter(Boolean).length;
  const long = useLab((s) => s.data.longPrompts);
  return (
    <section className="panel" id="step-sample" aria-labelledby="sampling-title">
      <h2 id="sampling-title"><span className="n">2</span> Sample</h2>
      <div className="row">
        {fields.map(([key, label, step]) => <SettingInput key={key} name={key} label={label} step={step} />)}
        <SettingInput name="stop" label="stop strings" width="10em" placeholder='["\n\nUser:"]' />
      </div>
      <StageBackend stage="sample" />
      <p>
        {done} of {rows.length} prompts have samples.{' '}
        <button type="button" disabled={!lmReady || sampling.running || done === rows.length} onClick={() => void sample(backend)}>
          Sample {rows.length - done} prompts on {backend}
        </button>{' '}
      </p>
      {sampling.running && sampling.progress && (
        <JobProgress testId="sampling-progress" label="sampling" done={sampling.progress.promptsDone} total={sampling.progress.promptsTotal} unit="prompts"
          rate={`${sampling.progress.perSecond.toFixed(0)} tokens/s`} secondsLeft={sampling.progress.secondsLeft} onCancel={cancel} />
      )}
      {(long.skipped > 0 || long.truncated > 0) && (
        <p className="muted" data-testid="long-prompts" data-skipped={long.skipped} data-truncated={long.truncated}>
          {long.skipped > 0 && `${long.skipped} prompts were too long for the model's context and got no samples. `}
          {long.truncated > 0 && `${long.truncated} prompts lost their start to fit the context.`}
        </p>
      )}
      {rows.length > 0 && <PromptStrip total={rows.length} done={(i) => Boolean(samples[i])} current={new Set(sampling.current)} />}

      <StageFailure stage="sample" error={sampling.error} failedOn={sampling.failedOn} />
    </section>
  );
}
