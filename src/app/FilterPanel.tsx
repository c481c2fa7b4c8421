import { useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useLab } from '../store';
import { dataAccuracyCurve, type FilterRule } from '../lib/contrast/filter';
import { filterSettingsOf, SETTINGS } from '../lib/settings';
import { stageDecision } from '../store/backend-slice';
import { StageBackend } from './StageBackend';
import { taskKind, verify } from '../lib/task/builtin';
import { PromptView } from './PromptView';

const A_VALUES = Array.from({ length: 20 }, (_, i) => 5 * (i + 1));

export function FilterPanel() {
  const settings = useLab((s) => s.settings);
  const setSettings = useLab((s) => s.setSettings);
  const { rows, samples, scoring, scored, filter, histogram, cutoff } = useLab((s) => s.data);
  const embedderReady = useLab((s) => s.embedder.status === 'ready');
  const score = useLab((s) => s.scoreSamples);
  const continueOnWasm = useLab((s) => s.continueOnWasm);
  const embedBackend = useLab((s) => stageDecision(s, 'embed').backend);
  const withSamples = samples.filter((x) => x?.length).length;
  const bars = histogram ? histogram.pool.map((pool, i) => ({ similarity: +histogram.edges[i].toFixed(4), pool, dropped: histogram.dropped[i] })) : [];
  const cutoffBin = histogram && cutoff !== null ? bars[Math.max(0, histogram.edges.findIndex((_, i) => cutoff < (histogram.edges[i + 1] ?? Infinity)))]?.similarity : undefined;
  const poolCount = filter ? filter.inPool.reduce((a, b) => a + b, 0) : 0;
  // The built-in task has a verifier: show "data accuracy" (share of chosen negatives that are really wrong) against a%.
  // Verified once per scoring; moving a% only re-selects.
  const table = scored?.table;
  const correct = useMemo(() => {
    if (!table || !scored) return null;
    const prompts = scored.rowIndex.map((i) => rows[i].prompt);
    if (!prompts.every((p) => typeof p === 'string' && taskKind(p) !== null)) return null;
    const out = new Uint8Array(table.similarity.length);
    scored.rowIndex.forEach((i, p) => samples[i]!.forEach((text, j) => (out[table.offsets[p] + j] = verify(prompts[p] as string, text) ? 1 : 0)));
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
    <section className="panel" aria-labelledby="filter-title">
      <h2 id="filter-title">Filter</h2>
      <StageBackend stage="embed" />
      <p>
        <button type="button" disabled={!embedderReady || scoring.running || withSamples === 0} onClick={() => void score(embedBackend)}>
          Embed and score {withSamples} prompts
        </button>{' '}
        {scoring.progress && <span data-testid="scoring-progress">{scoring.progress.done} / {scoring.progress.total} texts embedded</span>}
      </p>
      {scoring.error && (
        <p role="alert" className="error" data-testid="scoring-error">
          {scoring.error}{' '}
          {scoring.failedOn === 'webgpu' && (
            <button type="button" onClick={() => void continueOnWasm('embed')}>
              Continue on WASM
            </button>
          )}
        </p>
      )}
      {scored && filter && (
        <>
          <div className="row">
            <label>
              a% = {settings.a}{' '}
              <input type="range" min={1} max={100} value={settings.a} aria-label="a percent" onChange={(e) => setSettings({ a: Number(e.target.value) })} />
            </label>
            <label>
              M{' '}
              <input type="number" min={1} value={settings.m} aria-label="negatives per prompt" onChange={(e) => setSettings({ m: Number(e.target.value) })} style={{ width: '4em' }} />
            </label>
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
          <div style={{ width: '100%', height: 260 }} data-testid="similarity-histogram">
            <ResponsiveContainer>
              <BarChart data={bars}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="similarity" label={{ value: 'cosine similarity to target', position: 'insideBottom', offset: -2 }} />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend verticalAlign="top" />
                {cutoffBin !== undefined && <ReferenceLine x={cutoffBin} stroke="#c0392b" strokeDasharray="4 2" label={{ value: `cutoff ≈ ${cutoff!.toFixed(3)} (median per prompt)`, position: 'top' }} />}
                <Bar dataKey="pool" name="a% pool (negative candidates)" stackId="s" fill="#c0392b" isAnimationActive={false} />
                <Bar dataKey="dropped" name="dropped (possible positives)" stackId="s" fill="#7f8c9d" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
          {curve && (
            <div style={{ width: '100%', height: 220 }} data-testid="data-accuracy-chart">
              <ResponsiveContainer>
                <LineChart data={curve} margin={{ left: 20, bottom: 10 }}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="a" type="number" domain={[0, 100]} label={{ value: 'a%', position: 'insideBottom', offset: -2 }} />
                  <YAxis domain={[0, 100]} label={{ value: 'data accuracy %', angle: -90, position: 'insideLeft' }} />
                  <Tooltip />
                  <ReferenceLine x={settings.a} stroke="#c0392b" label="a%" />
                  <Line dataKey="accuracy" name="negatives that are really wrong (verifier)" stroke="#2c3e50" dot isAnimationActive={false} connectNulls />
                </LineChart>
              </ResponsiveContainer>
            </div>
          )}
          <label>
            prompts with fewer than M candidates{' '}
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
