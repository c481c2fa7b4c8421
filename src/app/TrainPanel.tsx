import { useEffect, useMemo } from 'react';
import type { Backend } from '../protocol';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useLab } from '../store';
import { preferenceSplit } from '../store/training-slice';
import { planSteps } from '../lib/train/dpo-run';
import { dpoConfigFrom, type DpoConfig } from '../lib/train/dpo-config';
import { DPO_VARIANTS } from '../lib/train/dpo';
import { SETTINGS, type LabSettings } from '../lib/settings';
import { RunsTable } from './RunsTable';
import { StageBackend } from './StageBackend';
import { SettingInput } from './SettingInput';
import { stageDecision } from '../store/backend-slice';
import type { PreferenceRecord } from '../lib/data/export';


const fmt = (x: number | undefined, digits = 3) => (x === undefined ? '–' : x.toFixed(digits));

/** On auto, one timed DPO step on each backend comes first (cached per run shape), then the faster one trains. */
async function withMeasuredBackend(records: PreferenceRecord[], config: DpoConfig | undefined, go: (backend: Backend) => Promise<void>): Promise<void> {
  if (useLab.getState().settings.trainBackend === 'auto') await useLab.getState().measureTraining(records, config);
  await go(stageDecision(useLab.getState(), 'train').backend);
}

export function TrainPanel() {
  const settings = useLab((s) => s.settings);
  const setSettings = useLab((s) => s.setSettings);
  const data = useLab((s) => s.data);
  const training = useLab((s) => s.training);
  const checkpoints = useLab((s) => s.checkpoints);
  const runs = useLab((s) => s.runs);
  const lmReady = useLab((s) => s.lm.status === 'ready');
  const backend = useLab((s) => stageDecision(s, 'train').backend);
  const contextLength = useLab((s) => s.lm.info?.contextLength ?? Infinity);
  const { startTraining, pauseTraining, stopTraining, resumeTraining, refreshCheckpoints } = useLab.getState();
  const split = useMemo(() => preferenceSplit({ data, settings }), [data, settings]);
  useEffect(() => {
    if (lmReady) void refreshCheckpoints();
  }, [lmReady, refreshCheckpoints]);
  if (!split) {
    return (
      <section className="panel" id="step-train" aria-labelledby="train-title">
        <h2 id="train-title"><span className="n">5</span> Train (DPO)</h2>
        <p className="muted">DPO trains the loaded model on the selected pairs, on this device, once the filter has selected them.</p>
      </section>
    );
  }
  // What a run started now would train with (LoRA targets do not change the plan).
  const config = dpoConfigFrom(settings, [], contextLength);
  const plan = planSteps(split.train.length, config);
  const maxLength = config.max_length;
  const busy = training.phase !== 'idle';
  const last = training.history.at(-1);
  const resumable = checkpoints.filter((c) => c.step < c.totalSteps && c.runId !== training.runId);
  const chart = training.history.map((h) => ({
    step: h.step, loss: h.loss, nll: h.nll_loss, accuracy: h['rewards/accuracies'], chosen: h['rewards/chosen'], rejected: h['rewards/rejected'], margin: h['rewards/margins'],
  }));
  const rpo = training.history.some((h) => h.nll_loss !== undefined);
  return (
    <section className="panel" id="step-train" aria-labelledby="train-title">
      <h2 id="train-title"><span className="n">5</span> Train (DPO)</h2>
      <p data-testid="train-plan" data-steps={plan.total}>
        {split.train.length} prompts with negatives to train on, {split.heldOut.length} held out; {plan.total} optimizer steps of {settings.promptsPerStep} prompts
        ({settings.m} negatives each) on {backend}. Sequences are cut to {maxLength} tokens (responses first; a prompt that leaves no room keeps its
        last {Math.floor(maxLength / 2)}, as TRL&apos;s keep_end).
      </p>
      <div className="row">
        <label>
          loss{' '}
          <select aria-label="loss" value={settings.dpoLoss} onChange={(e) => setSettings({ dpoLoss: e.target.value as LabSettings['dpoLoss'] })}>
            {DPO_VARIANTS.map((v) => <option key={v} value={v}>{v}</option>)}
          </select>
        </label>
        <SettingInput name="beta" label="β" />
        <SettingInput name="rpoAlpha" label="RPO α (0 = off)" />
        <SettingInput name="lr" label="learning rate" />
        <SettingInput name="promptsPerStep" label="prompts per step" step={1} />
        <SettingInput name="epochs" label="epochs" step={1} />
        <SettingInput name="maxSteps" label="max steps (0 = epochs)" step={1} />
        <label>
          schedule{' '}
          <select aria-label="schedule" value={settings.schedule} onChange={(e) => setSettings({ schedule: e.target.value === 'constant' ? 'constant' : 'cosine' })}>
            <option value="cosine">cosine with warmup</option>
            <option value="constant">constant</option>
          </select>
        </label>
        <label title={SETTINGS.gradientCheckpointing.describe}>
          gradient checkpointing{' '}
          <select aria-label="gradient checkpointing" value={settings.gradientCheckpointing} onChange={(e) => setSettings({ gradientCheckpointing: SETTINGS.gradientCheckpointing.parse(e.target.value) ?? 'auto' })}>
            <option value="auto">when memory needs it</option>
            <option value="lm-head">LM head only</option>
            <option value="on">every layer</option>
          </select>
        </label>
        <SettingInput name="loraRank" label="LoRA rank (0 = full)" step={1} />
        {settings.loraRank > 0 && (
          <>
            <SettingInput name="loraAlpha" label="LoRA α" />
            <SettingInput name="loraTargets" label="LoRA target modules" width="10em" placeholder="PEFT default" />
          </>
        )}
        <SettingInput name="heldOut" label="held-out %" />
        <SettingInput name="evalPrompts" label="eval prompts" step={1} />
        <SettingInput name="checkpointEvery" label="checkpoint every" step={1} />
      </div>
      <StageBackend stage="train" />
      <div className="row">
        <button type="button" disabled={!lmReady || busy || plan.total === 0} onClick={() => void withMeasuredBackend(split.train, undefined, (b) => startTraining(b))}>Train</button>
        <button type="button" disabled={training.phase !== 'training' && training.phase !== 'reference'} onClick={pauseTraining}>Pause</button>
        <button type="button" disabled={training.phase !== 'training' && training.phase !== 'reference'} onClick={() => void stopTraining()}>Stop and discard</button>
        {resumable.map((c) => (
          <button key={c.runId} type="button" disabled={busy || !lmReady} onClick={() => void withMeasuredBackend(runs.find((r) => r.runId === c.runId)?.trainInputs?.records ?? split.train, c.config, (b) => resumeTraining(c.runId, b))}>
            Resume {c.label} from step {c.step} of {c.totalSteps}
          </button>
        ))}
      </div>
      {training.progress && (
        <p data-testid="train-progress">
          {training.progress.stage}: {training.progress.done} / {training.progress.total} <progress value={training.progress.done} max={training.progress.total} />
        </p>
      )}
      {last && (
        <p data-testid="train-status" data-step={last.step} data-total={training.totalSteps} data-phase={training.phase}>
          step {last.step} / {training.totalSteps} <progress value={last.step} max={training.totalSteps} /> · loss {fmt(last.loss, 4)} · rewards/accuracies{' '}
          {fmt(last['rewards/accuracies'], 2)} · rewards/margins {fmt(last['rewards/margins'])} · grad_norm {fmt(last.grad_norm)} · learning_rate{' '}
          {last.learning_rate.toExponential(2)} · {(last.tokens / last.seconds).toFixed(0)} tokens/s
          {training.lastCheckpoint !== null && ` · checkpoint at step ${training.lastCheckpoint}`}
        </p>
      )}
      {training.notice && <p role="status" data-testid="train-notice">{training.notice}</p>}
      {training.checkpointFailure && <p role="status" className="warning" data-testid="checkpoint-failure">{training.checkpointFailure}</p>}
      {training.error && <p role="alert" className="error">{training.error}</p>}
      {chart.length > 0 && (
        <div className="row">
          <div style={{ flex: 1, minWidth: 300, height: 220 }} data-testid="loss-chart">
            <ResponsiveContainer>
              <LineChart data={chart}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="step" type="number" domain={[1, 'dataMax']} />
                <YAxis yAxisId="loss" />
                <YAxis yAxisId="acc" orientation="right" domain={[0, 1]} />
                <Tooltip />
                <Legend verticalAlign="top" />
                <Line yAxisId="loss" dataKey="loss" name="loss" stroke="#2c3e50" dot={false} isAnimationActive={false} />
                {rpo && <Line yAxisId="loss" dataKey="nll" name="nll_loss" stroke="#d35400" dot={false} isAnimationActive={false} />}
                <Line yAxisId="acc" dataKey="accuracy" name="rewards/accuracies" stroke="#27ae60" dot={false} isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          </div>
          <div style={{ flex: 1, minWidth: 300, height: 220 }} data-testid="rewards-chart">
            <ResponsiveContainer>
              <LineChart data={chart}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="step" type="number" domain={[1, 'dataMax']} />
                <YAxis />
                <Tooltip />
                <Legend verticalAlign="top" />
                <Line dataKey="chosen" name="rewards/chosen" stroke="#2980b9" dot={false} isAnimationActive={false} />
                <Line dataKey="rejected" name="rewards/rejected" stroke="#c0392b" dot={false} isAnimationActive={false} />
                <Line dataKey="margin" name="rewards/margins" stroke="#8e44ad" dot={false} isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          </div>
        </div>
      )}
      <RunsTable />
    </section>
  );
}
