import { describe, expect, it } from 'vitest';
import { alpacaTurns, groupedJsonl, llamaFactoryDatasetInfo, llamaFactoryPairs, settingsRecord, trlPairwise, type ExportRow } from './export';
import { importJsonl } from './import';
import { buildTable, rankCandidates, selectNegatives } from '../contrast/filter';
import { DEFAULT_SETTINGS, settingsFromSearch, settingsToSearch } from '../settings';

const rows: ExportRow[] = [
  { prompt: 'Add 2 and 2.', target: 'The answer is 4.', samples: ['The answer is 4.', 'The answer is 5.', 'It is 22.', 'The answer is 3.'] },
  { prompt: [{ role: 'user', content: 'Hi' }], target: 'Hello!', samples: ['Bye.', 'Hello!', 'Go away.'] },
];
const sims = Float32Array.from([1, 0.8, 0.1, 0.7, 0.2, 1, 0.3]);
const table = buildTable(rows, sims);
const result = selectNegatives(table, rankCandidates(table), { rule: 'reference', a: 100, m: 2, seed: 3, short: 'keep-fewer' });

describe('exports', () => {
  it('writes TRL pairwise rows, conversational for chat input, one per chosen negative', () => {
    const lines = trlPairwise(rows, table, result).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    for (const l of lines.slice(0, 2)) {
      expect(l.prompt).toBe('Add 2 and 2.');
      expect(l.chosen).toBe('The answer is 4.');
      expect(['The answer is 5.', 'It is 22.', 'The answer is 3.']).toContain(l.rejected);
    }
    expect(lines[2].prompt).toEqual([{ role: 'user', content: 'Hi' }]);
    expect(lines[2].chosen).toEqual([{ role: 'assistant', content: 'Hello!' }]);
    expect(['Bye.', 'Go away.']).toContain(lines[2].rejected[0].content);
    // every exported negative is one the filter chose
    const chosen = Array.from(result.negatives, (i) => (i < 4 ? rows[0].samples[i] : rows[1].samples[i - 4]));
    expect(lines.map((l) => (typeof l.rejected === 'string' ? l.rejected : l.rejected[0].content))).toEqual(chosen);
  });

  it('exports reference-rule negatives without their leading spaces', () => {
    const spaced: ExportRow[] = [{ prompt: 'p', target: 'T', samples: ['  wrong', 'T'] }];
    const t = buildTable(spaced, Float32Array.from([0.1, 1]));
    const r = selectNegatives(t, rankCandidates(t), { rule: 'reference', a: 100, m: 1, seed: 1, short: 'skip' });
    expect(JSON.parse(trlPairwise(spaced, t, r))).toEqual({ prompt: 'p', chosen: 'T', rejected: 'wrong' });
  });

  it('writes the reference trainer\'s rows: output [chosen, rejected], history pairs, system, and the dataset_info entry', () => {
    const lines = llamaFactoryPairs(rows, table, result).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ instruction: 'Add 2 and 2.', input: '', system: '', history: [] });
    expect(lines[0].output[0]).toBe('The answer is 4.');
    expect(lines[2]).toMatchObject({ instruction: 'Hi', history: [] });
    expect(lines.map((l) => l.output[1])).toEqual(JSON.parse(`[${trlPairwise(rows, table, result).trim().split('\n').join(',')}]`).map((r: { rejected: string | { content: string }[] }) => (typeof r.rejected === 'string' ? r.rejected : r.rejected[0].content)));
    const multi = alpacaTurns([{ role: 'system', content: 'S' }, { role: 'user', content: 'u1' }, { role: 'assistant', content: 'a1' }, { role: 'user', content: 'u2' }]);
    expect(multi).toEqual({ system: 'S', history: [['u1', 'a1']], instruction: 'u2' });
    expect(JSON.parse(llamaFactoryDatasetInfo('self_contrast', 'self_contrast.jsonl'))).toEqual({
      self_contrast: { file_name: 'self_contrast.jsonl', columns: { prompt: 'instruction', query: 'input', response: 'output', system: 'system', history: 'history' }, ranking: true },
    });
    // A row in the reference's shape imports back to the same prompt and target.
    const back = importJsonl(JSON.stringify({ ...lines[0], target: lines[0].output[0], outputs: [lines[0].output[1]] })).rows[0];
    expect(back).toMatchObject({ prompt: 'Add 2 and 2.', target: 'The answer is 4.' });
  });

  it('writes grouped rows with M rejected each, and a settings record', () => {
    const grouped = groupedJsonl(rows, table, result).trim().split('\n').map((l) => JSON.parse(l));
    expect(grouped.map((g) => g.rejected.length)).toEqual([2, 2]);
    const record = JSON.parse(settingsRecord(DEFAULT_SETTINGS, { prompts: 2, promptsKept: 2, pairs: 4, shortPrompts: 0 }, new Date(0)));
    expect(record).toMatchObject({ tool: 'self-contrast-lab', created: '1970-01-01T00:00:00.000Z', settings: { a: 25, m: 8, samplesPerPrompt: 32 }, counts: { pairs: 4 } });
  });

  it('settings round-trip through the URL, with invalid values named', () => {
    const custom = { ...DEFAULT_SETTINGS, a: 50, m: 16, shortPrompts: 'keep-fewer' as const };
    expect(settingsToSearch(DEFAULT_SETTINGS)).toBe('');
    expect(settingsFromSearch(settingsToSearch(custom))).toEqual({ settings: custom, invalid: [] });
    expect(settingsFromSearch('a=150&m=2.5&seed=7').invalid).toEqual(['a=150', 'm=2.5']);
  });
});
