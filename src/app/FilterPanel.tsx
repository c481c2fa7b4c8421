import { useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { CutoffHistogram, SimilarityHistogram } from './SimilarityCharts';
import { useLab } from '../store';
import { dataAccuracyCurve, type FilterRule } from '../lib/contrast/filter';
import { filterSettingsOf, SETTINGS } from '../lib/settings';
import { stageDecision } from '../store/backend-slice';
import { StageBackend } from './StageBackend';
import { JobProgress } from './JobProgress';
import { SettingInput } from './SettingInput';
import { StageFailure } from './StageFailure';
import { isBuiltinTask, singleTurnText, verify } from '../lib/task/builtin';
import { PromptView } from './PromptView';

const A_VALUES = Array.from({ length: 20 }, (_, i) => 5 * (i + 1));

export function FilterPanel() {
  const settings = useLab((s) => s.settings);
  const setSettings = useLab((s) => s.setSettings);
  const { rows, samples, scoring, scored, filter } = useLab((s) => s.data);
  const embedderReady = useLab((s) => s.embedder.status === 'ready');
  const score = useLab((s) => s.scoreSamples);
  const cancelScoring = useLab((s) => s.cancelScoring);
  const embedBackend = useLab((s) => stageDecision(s, 'embed').backend);
  const withSamples = samples.filter((x) => x?.length).length;
  const poolCount = filter ? filter.inPool.reduce((a, b) => a + b, 0) : 0;
  // The built-in task has a verifier: show "data accuracy" (share of chosen negatives that are really wrong) against a%.
  // Verified once per scoring; moving a% only re-selects.
  const table = scored?.table;
  const correct = useMemo(() => {
    if (!table || !scored) return null;
    const prompts = scored.rowIndex.map((i) => rows[i].prompt);
    if (!isBuiltinTask(prompts)) return null;
    const out = new Uint8Array(table.similarity.length);
    scored.rowIndex.forEach((i, p) => samples[i]!.forEach((text, j) => (out[table.offsets[p] + j] = verify(singleTurnText(prompts[p]) ?? '', text) ? 1 : 0)));
    return out;
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the verdicts change only with the scored table
  }, [table]);
  const filterSettings = filterSettingsOf(settings);
  const curve = useMemo(
    () => (correct && scored ? dataAccuracyCurve(scored.table, scored.ranking, correct, filterSettings, A_VALUES).map((c) => ({ a: c.a, accuracy: Number.isNaN(c.accuracy) ? null : +(100 * c.accuracy).toFixed(1) })) : null),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- filterSettings is rebuilt each render from these fields
    [correct, scored, settings.filterRule, settings.m, settings.seed, settings.shortPrompts],
  );
  return (
    <section className="panel" id="step-filter" aria-labelledby="filter-title">
      <h2 id="filter-title"><span className="n">3</span> Filter</h2>
      <StageBackend stage="embed" />
      <p>
        <button type="button" disabled={!embedderReady || scoring.running || withSamples === 0} onClick={() => void score(embedBackend)}>
          Embed and score {withSamples} prompts
        </button>{' '}
      </p>
      {scoring.running && scoring.progress && (
        <JobProgress testId="scoring-progress" label="embedding" done={scoring.progress.done} total={scoring.progress.total} unit="texts"
          rate={`${scoring.progress.perSecond.toFixed(0)} texts/s`} secondsLeft={scoring.progress.secondsLeft} onCancel={cancelScoring} />
      )}
      <StageFailure stage="embed" error={scoring.error} failedOn={scoring.failedOn} />
      {scored && filter && (
        <>
          <div className="row">
            <label>
              a% = {settings.a}{' '}
              <input type="range" min={1} max={100} value={settings.a} aria-label="a percent" onChange={(e) => setSettings({ a: Number(e.target.value) })} />
            </label>
            <SettingInput name="m" label="negatives per prompt" step={1} width="4em" />
          </div>
          <p data-testid="filter-counts" data-pool={poolCount} data-negatives={filter.negatives.length} data-short={filter.shortPrompts.length}>
            {poolCount} samples in the a% pool; {filter.negatives.length} negatives from {filter.promptsKept} prompts; {filter.shortPrompts.length} prompts
            with fewer than M pool texts ({settings.shortPrompts === 'skip' ? 'skipped' : 'kept with fewer'}).
          </p>
          <p data-testid="filter-rule" data-rule={settings.filterRule}>
            Rule: <strong>{settings.filterRule === 'reference' ? "reference (the authors' code, lastdedup-p)" : 'distinct (a% of the distinct non-target samples)'}</strong>{' '}
            <select value={settings.filterRule} aria-label="filter rule" title={SETTINGS.filterRule.describe} onChange={(e) => setSettings({ filterRule: e.target.value as FilterRule })}>
              <option value="reference">reference</option>
              <option value="distinct">distinct</option>
            </select>
          </p>
          <div className="charts">
            <SimilarityHistogram />
            <CutoffHistogram />
            {curve && (
              <figure className="chart" data-testid="data-accuracy-chart">
                <figcaption>Data accuracy of the selected negatives vs a% (verifier; paper Fig. 5)</figcaption>
                <ResponsiveContainer width="100%" height={240}>
                  <LineChart data={curve} margin={{ top: 8, right: 16, left: 8, bottom: 24 }}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="a" type="number" domain={[0, 100]} ticks={[0, 25, 50, 75, 100]} label={{ value: 'a%', position: 'insideBottom', offset: -12 }} />
                    <YAxis domain={[0, 100]} ticks={[0, 25, 50, 75, 100]} width={52} unit="%" />
                    <Tooltip />
                    <ReferenceLine x={settings.a} stroke="var(--error)" strokeDasharray="4 2" />
                    <Line dataKey="accuracy" name="negatives really wrong" stroke="var(--accent)" dot={false} isAnimationActive={false} connectNulls />
                  </LineChart>
                </ResponsiveContainer>
              </figure>
            )}
          </div>
          <label>
            prompts with fewer than M pool texts{' '}
            <select value={settings.shortPrompts} aria-label="short prompts" onChange={(e) => setSettings({ shortPrompts: e.target.value === 'skip' ? 'skip' : 'keep-fewer' })}>
              <option value="skip">skip</option>
              <option value="keep-fewer">keep fewer</option>
            </select>
          </label>
          <PromptView />
        </>
      )}
    </section>
  );
}
