import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useLab } from '../store';

export function FilterPanel() {
  const settings = useLab((s) => s.settings);
  const setSettings = useLab((s) => s.setSettings);
  const { samples, scoring, scored, filter, histogram } = useLab((s) => s.data);
  const embedderReady = useLab((s) => s.embedder.status === 'ready');
  const score = useLab((s) => s.scoreSamples);
  const withSamples = samples.filter((x) => x?.length).length;
  const bars = histogram ? histogram.pool.map((pool, i) => ({ similarity: histogram.edges[i].toFixed(2), pool, dropped: histogram.dropped[i] })) : [];
  const poolCount = filter ? filter.inPool.reduce((a, b) => a + b, 0) : 0;
  return (
    <section className="panel" aria-labelledby="filter-title">
      <h2 id="filter-title">Filter</h2>
      <p>
        <button type="button" disabled={!embedderReady || scoring.running || withSamples === 0} onClick={() => void score()}>
          Embed and score {withSamples} prompts
        </button>
      </p>
      {scoring.error && <p role="alert" className="error">{scoring.error}</p>}
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
            with fewer than M candidates ({settings.shortPrompts === 'skip' ? 'skipped' : 'kept with fewer'}).
          </p>
          <div style={{ width: '100%', height: 260 }} data-testid="similarity-histogram">
            <ResponsiveContainer>
              <BarChart data={bars}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="similarity" label={{ value: 'cosine similarity to target', position: 'insideBottom', offset: -2 }} />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend verticalAlign="top" />
                <Bar dataKey="pool" name="a% pool (negative candidates)" stackId="s" fill="#c0392b" isAnimationActive={false} />
                <Bar dataKey="dropped" name="dropped (possible positives)" stackId="s" fill="#7f8c9d" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
        </>
      )}
    </section>
  );
}
