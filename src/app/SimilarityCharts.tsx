import { useMemo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useLab } from '../store';
import { candidatesBetween, poolCutoffs } from '../lib/contrast/filter';

const tick = (x: number) => x.toFixed(2);

/** Every candidate's similarity to its target, pool vs dropped; a click on a bar lists its samples. */
export function SimilarityHistogram() {
  const { rows, samples, scored, filter, histogram, cutoff } = useLab((s) => s.data);
  const [bin, setBin] = useState<number | null>(null);
  if (!scored || !filter || !histogram || !histogram.edges.length) return null;
  const bars = histogram.pool.map((pool, i) => ({ at: (histogram.edges[i] + histogram.edges[i + 1]) / 2, pool, dropped: histogram.dropped[i] }));
  const lo = histogram.edges[0];
  const hi = histogram.edges[histogram.edges.length - 1];
  const picked = bin === null ? [] : candidatesBetween(scored.table, scored.ranking, histogram.edges[bin], histogram.edges[bin + 1], bin === bars.length - 1);
  const promptOf = (i: number) => {
    let p = 0;
    while (scored.table.offsets[p + 1] <= i) p++;
    return p;
  };
  return (
    <>
    <figure className="chart" data-testid="similarity-histogram">
      <figcaption>Cosine similarity of every distinct sample to its target (all prompts)</figcaption>
      <ResponsiveContainer width="100%" height={240}>
        <BarChart data={bars} margin={{ top: 8, right: 16, left: 8, bottom: 24 }} barCategoryGap={0}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="at" type="number" domain={[lo, hi]} tickFormatter={tick} tickCount={6} label={{ value: 'cosine similarity to target', position: 'insideBottom', offset: -12 }} />
          <YAxis allowDecimals={false} width={44} />
          <Tooltip labelFormatter={(x) => `similarity ≈ ${Number(x).toFixed(3)}`} />
          <Legend verticalAlign="top" height={24} />
          {cutoff !== null && <ReferenceLine x={cutoff} stroke="var(--error)" strokeDasharray="4 2" />}
          <Bar dataKey="pool" name="a% pool" stackId="s" fill="#c0392b" isAnimationActive={false} cursor="pointer" onClick={(_, index) => setBin(index)} />
          <Bar dataKey="dropped" name="dropped" stackId="s" fill="#7f8c9d" isAnimationActive={false} cursor="pointer" onClick={(_, index) => setBin(index)} />
        </BarChart>
      </ResponsiveContainer>
      <p className="muted">{cutoff !== null ? `Dashed line: the median prompt's cut at ${cutoff.toFixed(3)}. ` : ''}Click a bar to list its samples.</p>
    </figure>
      {bin !== null && (
        // A grid item of its own, across the whole row of charts.
        <div className="bin-samples" data-testid="bin-samples">
          <p>
            <strong>{picked.length}</strong> samples with similarity {histogram.edges[bin].toFixed(3)}–{histogram.edges[bin + 1].toFixed(3)}{' '}
            <button type="button" onClick={() => setBin(null)}>Close</button>
          </p>
          <table className="samples">
            <tbody>
              {picked.slice(0, 50).map((i) => {
                const p = promptOf(i);
                return (
                  <tr key={i}>
                    <td>{scored.table.similarity[i].toFixed(3)}</td>
                    <td>{filter.inPool[i] ? 'pool' : 'dropped'}</td>
                    <td className="text">{samples[scored.rowIndex[p]]![i - scored.table.offsets[p]]}</td>
                    <td className="text muted">{String(typeof rows[scored.rowIndex[p]].prompt === 'string' ? rows[scored.rowIndex[p]].prompt : 'chat prompt').slice(0, 80)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {picked.length > 50 && <p className="muted">… and {picked.length - 50} more</p>}
        </div>
      )}
    </>
  );
}

/** Where each prompt's own a% cut falls (the paper cuts per prompt): the distribution of per-prompt cutoffs. */
export function CutoffHistogram() {
  const { scored, filter } = useLab((s) => s.data);
  const bars = useMemo(() => {
    if (!scored || !filter) return [];
    const cutoffs = poolCutoffs(scored.table, scored.ranking, filter.inPool);
    if (!cutoffs.length) return [];
    const lo = Math.min(...cutoffs);
    const hi = Math.max(...cutoffs) + 1e-6;
    const bins = 20;
    const counts = new Array<number>(bins).fill(0);
    for (const c of cutoffs) counts[Math.min(bins - 1, Math.floor(((c - lo) / (hi - lo)) * bins))]++;
    return counts.map((prompts, b) => ({ at: lo + ((b + 0.5) * (hi - lo)) / bins, prompts }));
  }, [scored, filter]);
  if (!bars.length) return null;
  return (
    <figure className="chart" data-testid="cutoff-histogram">
      <figcaption>Where each prompt&apos;s a% cut falls (similarity of its most similar pool sample)</figcaption>
      <ResponsiveContainer width="100%" height={240}>
        <BarChart data={bars} margin={{ top: 8, right: 16, left: 8, bottom: 24 }} barCategoryGap={0}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="at" type="number" domain={['dataMin', 'dataMax']} tickFormatter={tick} tickCount={6} label={{ value: 'per-prompt cutoff similarity', position: 'insideBottom', offset: -12 }} />
          <YAxis allowDecimals={false} width={44} />
          <Tooltip labelFormatter={(x) => `cutoff ≈ ${Number(x).toFixed(3)}`} />
          <Bar dataKey="prompts" name="prompts" fill="#2f5fd0" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
