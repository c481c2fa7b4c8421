import { useState } from 'react';
import { useLab } from '../store';

/** One prompt's samples with their similarity to the target and what the filter did with each. */
export function PromptView() {
  const { rows, samples, scored, filter } = useLab((s) => s.data);
  const [index, setIndex] = useState(0);
  if (!scored || !filter || scored.rowIndex.length === 0) return null;
  const p = Math.min(index, scored.rowIndex.length - 1);
  const row = rows[scored.rowIndex[p]];
  const texts = samples[scored.rowIndex[p]]!;
  const base = scored.table.offsets[p];
  const chosen = new Set(filter.negatives.subarray(filter.negOffsets[p], filter.negOffsets[p + 1]));
  const order = texts.map((_, j) => j).sort((a, b) => scored.table.similarity[base + a] - scored.table.similarity[base + b]);
  const { table, ranking } = scored;
  const status = (j: number) => {
    const i = base + j;
    if (chosen.has(i)) return 'negative (exported)';
    if (filter.inPool[i]) return 'in the a% pool';
    if (!ranking.candidate[i]) return ranking.rule === 'reference' ? 'repeat of an earlier sample' : 'same as the target or a repeat';
    if (table.isTarget[i]) return 'same as the target';
    if (table.blank[i] && ranking.rule === 'reference') return 'empty';
    return 'dropped (possible positive)';
  };
  return (
    <div data-testid="prompt-view">
      <label>
        prompt{' '}
        <input type="number" min={1} max={scored.rowIndex.length} value={p + 1} onChange={(e) => setIndex(Math.max(0, Number(e.target.value) - 1))} style={{ width: '5em' }} /> of{' '}
        {scored.rowIndex.length}
      </label>
      <p className="text">
        <strong>Prompt:</strong> {typeof row.prompt === 'string' ? row.prompt : row.prompt.map((m) => `${m.role}: ${m.content}`).join('\n')}
      </p>
      <p className="text">
        <strong>Target:</strong> {row.target}
      </p>
      <table className="samples">
        <thead>
          <tr>
            <th>cosine</th>
            <th>filter</th>
            <th>sample</th>
          </tr>
        </thead>
        <tbody>
          {order.map((j) => (
            <tr key={j} className={chosen.has(base + j) ? 'negative' : undefined}>
              <td>{scored.table.similarity[base + j].toFixed(3)}</td>
              <td>{status(j)}</td>
              <td className="text">{texts[j]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
