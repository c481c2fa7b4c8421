import { useMemo, useRef } from 'react';
import { Bar, BarChart, CartesianGrid, ComposedChart, ErrorBar, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import { useLab } from '../store';
import { stageDecision } from '../store/backend-slice';
import { GRID_METHODS, type GridMethod } from '../lib/settings';
import { cellKey, cellLabel, gridCells, gridSamples } from '../lib/experiments/grid';
import { estimateGrid, GRID_PRESETS, gridSpecOf, NEEDS_VERIFIER, presetOf, type GridPreset } from '../lib/experiments/page-grid';
import { gridMetricOf, ratesKey } from '../store/experiment-slice';
import { cellsCsv, percentSummary, resultRows } from '../lib/experiments/results';
import { fig4Data, fig5Data, fig6Data, seriesKey } from '../lib/experiments/chart-data';
import { SettingInput } from './SettingInput';
import { JobProgress } from './JobProgress';
import { download } from './download';
import { downloadChartPng, downloadChartSvg } from './chart-export';
import type { GridRun } from '../store/experiment-slice';

const METHOD_NAMES: Record<GridMethod, string> = {
  sft: 'SFT (the loaded model)', 'dpo-std': 'DPO_std (verifier feedback)', 'sft-targets': 'SFT on the pool targets (control: the targets without negatives)', unfiltered: 'unfiltered self-negatives (a = 100%)', 'self-contrast': 'Self-Contrast', oracle: 'oracle filter (the verifier)',
};
const LINE_COLOURS = ['#2f5fd0', '#c0392b', '#2e8b57', '#8e44ad', '#d35400', '#7f8c9d'];
const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : '–');
const pctTick = (v: number) => `${Number.isInteger(v) ? v : v.toFixed(1)}%`;
const minutes = (s: number) => (s < 90 ? `${Math.ceil(s)} s` : `${(s / 60).toFixed(s < 600 ? 1 : 0)} min`);

/** The paper's comparisons on the built-in task: a grid of cells run on this device, its table and figures drawn as cells finish. */
export function ExperimentsPanel() {
  const settings = useLab((s) => s.settings);
  const setSettings = useLab((s) => s.setSettings);
  const rows = useLab((s) => s.data.rows);
  const lmReady = useLab((s) => s.lm.status === 'ready');
  const { run, progress, rates, measuringRates, startError } = useLab((s) => s.experiment);
  const { startGrid, resumeGrid, cancelGrid, clearGrid, measureGridRates, loadBuiltinTask } = useLab.getState();
  const timings = useLab((s) => s.backend.timings);
  const measuring = useLab((s) => s.backend.measuring);
  const decisions = useLab(useShallow((s) => ({ sample: stageDecision(s, 'sample').backend, embed: stageDecision(s, 'embed').backend, train: stageDecision(s, 'train').backend })));
  const builtin = useMemo(() => gridMetricOf({ data: { rows } }) === 'verifier', [rows]);

  const methods = new Set(settings.gridMethods.split(',') as GridMethod[]);
  const toggle = (m: GridMethod) => {
    const next = GRID_METHODS.filter((x) => (x === m ? !methods.has(x) : methods.has(x)));
    if (next.length) setSettings({ gridMethods: next.join(',') });
  };
  const cells = gridCells(gridSpecOf(settings, builtin));
  const trainTiming = timings.train[decisions.train];
  const current = rates?.key === ratesKey(settings, decisions) ? rates : null;
  const estimate = current && trainTiming?.ok ? estimateGrid({ ...settings, gridEvalSampled: builtin ? settings.gridEvalSampled : 0, gridRewardSamples: builtin ? settings.gridRewardSamples : 0 }, settings.epochs, { ...current, trainingTokensPerSecond: trainTiming.perSecond }) : null;
  const running = run?.status === 'running' && progress !== null;
  const preset = presetOf(settings);

  return (
    <section className="panel" id="step-experiments" aria-labelledby="experiments-title">
      <h2 id="experiments-title"><span className="n">6</span> Experiments</h2>
      <p className="muted">
        The paper&apos;s comparisons, run here: SFT, DPO with verifier feedback, unfiltered self-negatives and Self-Contrast with M negatives at a%, each
        trained from the loaded model on one sampling of the pool and scored by greedy verifier accuracy on the built-in task&apos;s held-out test prompts.
        Every cell uses the Train step&apos;s settings (learning rate, β, prompts per step, epochs) as they are when the grid starts.
      </p>
      {rows.length === 0 ? (
        <p data-testid="experiments-needs-task">
          A grid runs on the loaded data: load it in the Data step, or{' '}
          <button type="button" onClick={() => void loadBuiltinTask()}>Use the built-in task</button>{' '}
          (its verifier scores every cell).
        </p>
      ) : (
        <>
          {!builtin && (
            <p className="warning" data-testid="experiments-no-verifier">
              This data has no verifier: each cell is scored by reward accuracy (TRL&apos;s rewards/accuracies of the trained policy against the
              loaded model) on held-out pairs — the {settings.gridEvalPrompts} prompts after the pool, each target against one negative the
              paper&apos;s filter selects (a = 25%). SFT, DPO_std and the oracle need the verifier and are left out.{' '}
              <button type="button" onClick={() => void loadBuiltinTask()}>Use the built-in task</button>
            </p>
          )}
          <div className="row" role="group" aria-label="grid presets">
            <span>Preset:</span>
            {(Object.keys(GRID_PRESETS) as GridPreset[]).map((p) => (
              <button key={p} type="button" aria-pressed={preset === p} disabled={running} onClick={() => setSettings(GRID_PRESETS[p])}>
                {p === 'quick' ? 'Quick' : 'Paper'}
              </button>
            ))}
            <span className="muted">{preset === 'quick' ? 'Quick: SFT vs Self-Contrast M = 1 and 8 at a = 25% and the control, one seed.' : preset === 'paper' ? "Paper: Fig. 4 and 5's grid and the control, 3 seeds." : 'custom grid'}</span>
          </div>
          <fieldset className="row grid-methods" disabled={running}>
            <legend>Methods</legend>
            {GRID_METHODS.map((m) => (
              <label key={m}>
                <input type="checkbox" checked={methods.has(m) && (builtin || !NEEDS_VERIFIER.includes(m))} disabled={!builtin && NEEDS_VERIFIER.includes(m)} onChange={() => toggle(m)} /> {METHOD_NAMES[m]}
              </label>
            ))}
          </fieldset>
          <div className="row">
            <SettingInput name="gridMs" label="M values" width="8em" />
            <SettingInput name="gridAs" label="a% values" width="8em" />
            <SettingInput name="gridSeeds" label="seeds" step={1} width="4em" />
            <SettingInput name="gridPrompts" label="pool prompts" step={1} />
            <SettingInput name="gridEvalPrompts" label={builtin ? 'test prompts' : 'held-out prompts'} step={1} />
            {builtin && <SettingInput name="gridEvalSampled" label="T = 1 samples per test prompt" step={1} width="4em" />}
            {builtin && <SettingInput name="gridRewardSamples" label="reward probes per test prompt" step={1} width="4em" />}
          </div>
          <p data-testid="grid-plan" data-cells={cells.length}>
            {cells.length} cells on the first {settings.gridPrompts} pool prompts ({gridSamples(gridSpecOf(settings, builtin))} samples each, sampled once),
            each scored on {settings.gridEvalPrompts} {builtin ? 'test prompts' : 'held-out prompts after the pool'}
            {builtin && settings.gridEvalSampled > 0 && ` (greedy, and ${settings.gridEvalSampled} samples per prompt at T = 1, top-p 1 as the authors evaluate)`}
            {builtin && settings.gridRewardSamples > 0 && `; each trained cell's implicit reward β·log π/π_ref probed on ${settings.gridRewardSamples} T = 1 samples of the loaded model per test prompt (its accuracy on right/wrong pairs of them, and best-of-${settings.gridRewardSamples}: how often the sample it ranks highest is right)`}; sampling on {decisions.sample.toUpperCase()}, embedding on {decisions.embed.toUpperCase()}, training on {decisions.train.toUpperCase()}.{' '}
            {estimate?.total != null ? (
              <>
                <strong data-testid="grid-estimate">
                  Estimated time: at most {minutes(estimate.total)} (pool {minutes(estimate.pool)}, training {minutes(estimate.cells.reduce((a, c) => a + c.train, 0))}, evaluation {minutes(estimate.cells.reduce((a, c) => a + c.evaluate, 0))})
                </strong>
                <span className="muted"> from this machine&apos;s measured rates ({current!.samplingTokensPerSecond.toFixed(0)} sampled tokens/s, {current!.embeddingTextsPerSecond.toFixed(0)} embedded texts/s, {trainTiming!.ok ? trainTiming!.perSecond.toFixed(0) : ''} trained tokens/s), taking every prompt to give pairs.</span>
              </>
            ) : (
              <button type="button" disabled={measuringRates || measuring !== null || running || !lmReady} onClick={() => void measureGridRates()}>
                {measuringRates || measuring?.stage === 'train' ? 'Measuring this machine…' : 'Estimate the time (samples one chunk, embeds it, times a DPO step)'}
              </button>
            )}
          </p>
          <div className="row">
            <button type="button" disabled={!lmReady || running || cells.length === 0} onClick={() => void startGrid()}>
              Run {cells.length} {cells.length === 1 ? 'cell' : 'cells'}
            </button>
            {run && run.status === 'paused' && !running && (
              <button type="button" disabled={!lmReady} onClick={() => void resumeGrid()}>
                Resume the grid ({run.results.length} of {run.cells.length} cells done)
              </button>
            )}
            {run && !running && <button type="button" onClick={() => void clearGrid()}>Clear the results</button>}
          </div>
          {startError && <p role="alert" className="error">The grid did not start: {startError}.</p>}
        </>
      )}
      {running && progress && (
        <div data-testid="grid-progress" data-cells-done={progress.cellsDone}>
          <JobProgress label="Grid" done={progress.cellsDone} total={progress.cellsTotal} unit="cells" secondsLeft={progress.secondsLeft} onCancel={cancelGrid} testId="grid-job" />
          <p className="muted">
            {progress.current ?? 'starting'}: {progress.stage}
            {progress.total > 0 && ` ${progress.done} / ${progress.total}`}
          </p>
        </div>
      )}
      {run && <GridResults run={run} />}
    </section>
  );
}

function GridResults({ run }: { run: GridRun }) {
  const rows = resultRows(run.results);
  const f4 = fig4Data(run.results);
  const f5 = fig5Data(run.results);
  const f6 = fig6Data(run.results, run.labelling);
  const name = `self-contrast-grid-${run.id}`;
  const metric = run.metric === 'verifier' ? 'accuracy' : 'reward accuracy';
  const sampled = rows.some((r) => r.perSeed.some((s) => s.sampledAccuracy !== undefined));
  const probed = rows.some((r) => r.bestOfAccuracy.n > 0 || r.selfPairAccuracy.n > 0);
  const k = run.probes?.samples ?? run.settings.gridRewardSamples;
  return (
    <div data-testid="grid-results" data-status={run.status}>
      <h3 data-metric={run.metric}>Results {run.status === 'paused' ? '(paused)' : run.status === 'failed' ? '(failed)' : run.status === 'running' ? '(running)' : ''}</h3>
      {run.error && <p role="alert" className="error">The grid stopped: {run.error}. Finished cells are kept; Resume runs the rest.</p>}
      <p className="muted">
        {run.metric === 'verifier' ? `Greedy verifier accuracy on ${run.settings.gridEvalPrompts} built-in test prompts${sampled ? `, and the share of ${run.settings.gridEvalSampled} T = 1 samples per prompt the verifier calls right (the authors' evaluation)` : ''}` : `Reward accuracy on the held-out pairs of ${run.settings.gridEvalPrompts} prompts after the pool`}; pool of {run.settings.gridPrompts} prompts
        {run.poolSeconds != null && ` (sampled and embedded in ${minutes(run.poolSeconds)})`}; lr {run.settings.lr}, β {run.settings.beta}, {run.settings.promptsPerStep} prompts per step.
      </p>
      {run.probes && (
        <p className="muted" data-testid="grid-probes">
          Reward probes: {run.probes.samples} T = 1 samples of the loaded model per test prompt (sampled once, in {minutes(run.probes.seconds)}); {run.probes.pairs} of {run.probes.prompts} prompts have a right and a
          wrong one (the pairs each trained cell&apos;s reward is scored on). Any pick among the samples compares with a random one, right {pct(run.probes.randomPick)}%
          of the time, and with some sample being right, {pct(run.probes.anyRight)}% (pass@{run.probes.samples}).
        </p>
      )}
      <div className="row">
        <button type="button" onClick={() => download(`${name}.csv`, cellsCsv(run.results), 'text/csv')}>Download CSV (every cell)</button>
        <button type="button" onClick={() => download(`${name}.json`, JSON.stringify({ settings: run.settings, labelling: run.labelling, probes: run.probes ?? null, cells: run.results }, null, 2) + '\n', 'application/json')}>Download JSON</button>
      </div>
      <table className="samples" data-testid="grid-table">
        <thead>
          <tr><th>model</th><th>seeds</th><th>{metric}, mean ± sd (%)</th><th>per seed</th>{sampled && <><th>T = 1 accuracy, mean ± sd (%)</th><th>T = 1 per seed</th></>}{probed && <><th>reward accuracy on self pairs, mean ± sd (%)</th><th>best-of-{k} by reward, mean ± sd (%)</th><th>best-of-{k} per seed</th></>}<th>prompts with pairs</th><th>negatives really wrong</th><th>final loss</th></tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.label} data-group={`${r.group.method}/${r.group.m}/${r.group.a}`}>
              <td>{r.label}</td>
              <td>{r.perSeed.length}{r.skipped ? ` (+${r.skipped} not trained)` : ''}</td>
              <td>{percentSummary(r.accuracy)}</td>
              <td>{r.perSeed.map((s) => pct(s.accuracy)).join(', ')}</td>
              {sampled && (
                <>
                  <td>{percentSummary(r.sampledAccuracy)}</td>
                  <td>{r.perSeed.map((s) => pct(s.sampledAccuracy ?? NaN)).join(', ')}</td>
                </>
              )}
              {probed && (
                <>
                  <td>{percentSummary(r.selfPairAccuracy)}</td>
                  <td>{percentSummary(r.bestOfAccuracy)}</td>
                  <td>{r.perSeed.map((s) => pct(s.bestOfAccuracy ?? NaN)).join(', ')}</td>
                </>
              )}
              <td>{r.group.method === 'sft' ? '–' : r.prompts.toFixed(0)}</td>
              <td>{pct(r.dataAccuracy)}</td>
              <td>{Number.isFinite(r.finalLoss) ? r.finalLoss.toFixed(3) : '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <details>
        <summary>Every cell ({run.results.length} of {run.cells.length} done)</summary>
        <table className="samples" data-testid="grid-cells">
          <thead><tr><th>cell</th><th>{metric}</th><th>steps</th><th>sampling is the grid&apos;s; filter / train / evaluate (s)</th><th>finished</th></tr></thead>
          <tbody>
            {run.cells.map((c) => {
              const r = run.results.find((x) => cellKey(x.cell) === cellKey(c));
              const at = run.finishedAt[cellKey(c)];
              return (
                <tr key={cellKey(c)} data-cell={cellKey(c)} data-finished={at ?? ''}>
                  <td>{cellLabel(c)}, seed {c.seed}</td>
                  <td>{r ? (r.skipped ? `not trained: ${r.skipped}` : pct(r.accuracy)) : '…'}</td>
                  <td>{r?.steps ?? ''}</td>
                  <td>{r?.seconds ? `${r.seconds.filter.toFixed(2)} / ${r.seconds.train.toFixed(0)} / ${r.seconds.evaluate.toFixed(0)}` : ''}</td>
                  <td>{at ? new Date(at).toLocaleTimeString() : ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </details>
      <div className="charts">
        {f4.points.length > 0 && (
          <ChartFigure name={`${name}-fig4`} testId="grid-fig4" caption={`Fig. 4: ${metric} vs number of negatives M, one line per a% (dashed: SFT, dotted: DPO_std, dash-dot: SFT on the pool targets)`}>
            <LineChart data={f4.points} margin={{ top: 8, right: 16, left: 8, bottom: 24 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="m" type="number" scale="log" domain={['dataMin', 'dataMax']} ticks={f4.points.map((p) => p.m)} label={{ value: 'negatives per prompt (M)', position: 'insideBottom', offset: -12 }} />
              <YAxis width={48} domain={['auto', 'auto']} tickFormatter={pctTick} />
              <Tooltip formatter={(v) => `${Number(v).toFixed(1)}%`} labelFormatter={(m) => `M = ${m}`} />
              <Legend verticalAlign="top" height={36} wrapperStyle={{ fontSize: "0.85rem" }} />
              {f4.sft !== null && <ReferenceLine y={f4.sft} ifOverflow="extendDomain" stroke="#7f8c9d" strokeDasharray="6 3" label={{ value: 'SFT', position: 'insideTopLeft', fill: '#7f8c9d' }} />}
              {f4.dpoStd !== null && <ReferenceLine y={f4.dpoStd} ifOverflow="extendDomain" stroke="#8e44ad" strokeDasharray="2 2" label={{ value: 'DPO_std', position: 'insideBottomLeft', fill: '#8e44ad' }} />}
              {f4.sftTargets !== null && <ReferenceLine y={f4.sftTargets} ifOverflow="extendDomain" stroke="#16a085" strokeDasharray="8 3 2 3" label={{ value: 'SFT on the targets', position: 'insideTopRight', fill: '#16a085' }} />}
              {f4.as.map((a, i) => (
                <Line key={a} dataKey={seriesKey(a)} name={a === 100 ? 'unfiltered (a = 100%)' : `a = ${a}%`} stroke={LINE_COLOURS[i % LINE_COLOURS.length]} isAnimationActive={false} connectNulls>
                  <ErrorBar dataKey={`${seriesKey(a)}_sd`} width={4} stroke={LINE_COLOURS[i % LINE_COLOURS.length]} />
                </Line>
              ))}
            </LineChart>
          </ChartFigure>
        )}
        {f5.length > 0 && (
          <ChartFigure name={`${name}-fig5`} testId="grid-fig5" caption={`Fig. 5: at M = 1, data accuracy of the selected negatives (bars) and model ${metric} (line) vs a%`}>
            <ComposedChart data={f5.map((p) => ({ ...p, label: `${p.a}%` }))} margin={{ top: 8, right: 16, left: 8, bottom: 24 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="label" label={{ value: 'a%', position: 'insideBottom', offset: -12 }} />
              <YAxis yAxisId="data" width={48} domain={[0, 100]} tickFormatter={pctTick} />
              <YAxis yAxisId="model" orientation="right" width={48} domain={['auto', 'auto']} tickFormatter={pctTick} />
              <Tooltip formatter={(v) => `${Number(v).toFixed(1)}%`} />
              <Legend verticalAlign="top" height={36} wrapperStyle={{ fontSize: "0.85rem" }} />
              <Bar yAxisId="data" dataKey="dataAccuracy" name="negatives really wrong" fill="#c0392b" isAnimationActive={false} />
              <Line yAxisId="model" dataKey="accuracy" name={`model ${metric}`} stroke="#2f5fd0" isAnimationActive={false}>
                <ErrorBar dataKey="accuracySd" width={4} stroke="#2f5fd0" />
              </Line>
            </ComposedChart>
          </ChartFigure>
        )}
        {f6.length > 0 && (
          <ChartFigure name={`${name}-fig6`} testId="grid-fig6" caption="Fig. 6: what the selected negatives are, by the verifier, per a% (first bar: every sample the filter read)">
            <BarChart data={f6} margin={{ top: 8, right: 16, left: 8, bottom: 24 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="label" />
              <YAxis width={48} domain={[0, 100]} tickFormatter={pctTick} />
              <Tooltip formatter={(v) => `${Number(v).toFixed(1)}%`} labelFormatter={(l, p) => `${l}: ${p?.[0]?.payload?.count ?? ''} texts`} />
              <Legend verticalAlign="top" height={36} wrapperStyle={{ fontSize: "0.85rem" }} />
              <Bar dataKey="wrong" name="wrong: a true negative" stackId="o" fill="#c0392b" isAnimationActive={false} />
              <Bar dataKey="right" name="right: a false negative" stackId="o" fill="#2e8b57" isAnimationActive={false} />
            </BarChart>
          </ChartFigure>
        )}
      </div>
    </div>
  );
}

function ChartFigure({ name, testId, caption, children }: { name: string; testId: string; caption: string; children: React.ReactElement }) {
  const ref = useRef<HTMLElement>(null);
  return (
    <figure className="chart" data-testid={testId} ref={ref}>
      <figcaption>{caption}</figcaption>
      <ResponsiveContainer width="100%" height={260}>{children}</ResponsiveContainer>
      <div className="row">
        <button type="button" onClick={() => ref.current && downloadChartSvg(ref.current, name)}>SVG</button>
        <button type="button" onClick={() => ref.current && void downloadChartPng(ref.current, name)}>PNG</button>
      </div>
    </figure>
  );
}
