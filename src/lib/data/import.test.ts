import { describe, expect, it } from 'vitest';
import { createJsonlImporter, importJsonl } from './import';

const lines = [
  JSON.stringify({ prompt: 'P1', completion: 'C1' }),
  JSON.stringify({ prompt: 'P2', response: 'C2' }),
  JSON.stringify({ instruction: 'Do X', input: 'with Y', output: 'Done' }),
  JSON.stringify({ messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }] }),
  JSON.stringify({ prompt: [{ role: 'user', content: 'Q' }], chosen: [{ role: 'assistant', content: 'A' }], rejected: [{ role: 'assistant', content: 'B' }] }),
  JSON.stringify({ prompt: 'P3', target: 'T3', outputs: ['o1', 'o2'] }),
];

describe('JSONL import', () => {
  it('detects every supported format per line', () => {
    const { rows, errors } = importJsonl(lines.join('\n') + '\n');
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.format, r.prompt, r.target])).toEqual([
      ['prompt-completion', 'P1', 'C1'],
      ['prompt-completion', 'P2', 'C2'],
      ['alpaca', 'Do X\n\nwith Y', 'Done'],
      ['chat', [{ role: 'system', content: 'S' }, { role: 'user', content: 'Hi' }], 'Hello'],
      ['preference', [{ role: 'user', content: 'Q' }], 'A'],
      ['samples', 'P3', 'T3'],
    ]);
    expect(rows[5].samples).toEqual(['o1', 'o2']);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('names the line, field and reason of bad lines, and keeps the good ones', () => {
    const text = [
      lines[0],
      '{"prompt": "x", "completion": 5}',
      'not json',
      '{"messages": [{"role": "user", "content": "only a question"}]}',
      '{"foo": 1}',
      '[1, 2]',
      '{"messages": [{"role": "robot", "content": "x"}, {"role": "assistant", "content": "y"}]}',
      lines[1],
    ].join('\n');
    const { rows, errors } = importJsonl(text);
    expect(rows.map((r) => r.line)).toEqual([1, 8]);
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [2, 'completion'], [3, '(line)'], [4, 'messages'], [5, '(line)'], [6, '(line)'], [7, 'messages[0].role'],
    ]);
    expect(errors[0].reason).toBe('expected a string or a list of {role, content} messages, got number');
    expect(errors[2].reason).toMatch(/final assistant turn/);
  });

  it('counts duplicate prompts and parses across chunk boundaries', () => {
    const text = [lines[0], lines[0], lines[1]].join('\n');
    const importer = createJsonlImporter();
    for (let i = 0; i < text.length; i += 7) importer.push(text.slice(i, i + 7));
    const summary = importer.end();
    expect(summary.rows).toHaveLength(3);
    expect(summary.duplicatePrompts).toBe(1);
    expect(summary.lines).toBe(3);
  });

  it('lets a manual format override the detection', () => {
    const { rows, errors } = importJsonl(JSON.stringify({ prompt: 'P', completion: 'C', chosen: 'X' }), 'prompt-completion');
    expect(errors).toEqual([]);
    expect(rows[0].target).toBe('C');
  });
});

describe('the Self-Contrast repository\'s inference output and TRL conversational rows', () => {
  it('imports HH-RLHF rows (instruction + history pairs) with their samples, keeping earlier turns', () => {
    const row = { instruction: 'And then?', input: '', output: '', history: [['Hi', 'Hello!'], ['Tell me a story', 'Once upon a time']], target: 'They lived happily.', outputs: ['a', 'b', 'a'] };
    const { rows, errors } = importJsonl(JSON.stringify(row));
    expect(errors).toEqual([]);
    expect(rows[0]).toMatchObject({
      format: 'samples', target: 'They lived happily.', samples: ['a', 'b', 'a'],
      prompt: [
        { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'Tell me a story' }, { role: 'assistant', content: 'Once upon a time' },
        { role: 'user', content: 'And then?' },
      ],
    });
    // No history: the instruction alone, as plain text.
    expect(importJsonl(JSON.stringify({ instruction: 'Q', history: [], target: 'T', outputs: ['x'] })).rows[0].prompt).toBe('Q');
  });

  it('imports Nectar rows (Human/Assistant string prompt, ranked answers)', () => {
    const row = { prompt: '\n\nHuman: What is 2+2?\n\nAssistant: 4.\n\nHuman: And 3+3?\n\nAssistant: ', answers: [{ answer: '6.', model: 'gpt-4', rank: 1 }, { answer: 'Seven', rank: 2 }], outputs: [' 6', '5'] };
    const { rows, errors } = importJsonl(JSON.stringify(row));
    expect(errors).toEqual([]);
    expect(rows[0].prompt).toEqual([{ role: 'user', content: 'What is 2+2?' }, { role: 'assistant', content: '4.' }, { role: 'user', content: 'And 3+3?' }]);
    expect(rows[0].target).toBe('6.');
    expect(rows[0].samples).toEqual([' 6', '5']);
  });

  it('imports UltraChat rows (messages with the blanked last turn, explicit target)', () => {
    const row = { prompt: 'Plan a trip', prompt_id: 'x', messages: [{ role: 'user', content: 'Plan a trip' }, { role: 'assistant', content: 'Sure: day 1' }, { role: 'user', content: 'Shorter' }, { role: 'assistant', content: '' }], target: 'Day 1 only.', outputs: ['o'] };
    const { rows } = importJsonl(JSON.stringify(row));
    expect(rows[0].prompt).toEqual([{ role: 'user', content: 'Plan a trip' }, { role: 'assistant', content: 'Sure: day 1' }, { role: 'user', content: 'Shorter' }]);
    expect(rows[0].target).toBe('Day 1 only.');
    // Without `target`, an unblanked last assistant turn is the target.
    const kept = { ...row, target: undefined, messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: 'A' }] };
    expect(importJsonl(JSON.stringify(kept)).rows[0]).toMatchObject({ prompt: 'Q', target: 'A' });
  });

  it('names the field when a reference row has no target or bad samples', () => {
    const { errors } = importJsonl([JSON.stringify({ prompt: 'P', outputs: ['x'] }), JSON.stringify({ prompt: 'P', target: 'T', outputs: ['x', 3] })].join('\n'));
    expect(errors.map((e) => [e.line, e.field])).toEqual([[1, 'target'], [2, 'outputs[1]']]);
  });

  it("imports TRL's conversational prompt–completion rows", () => {
    const row = { prompt: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], completion: [{ role: 'assistant', content: 'Hello.' }] };
    const { rows, errors } = importJsonl(JSON.stringify(row));
    expect(errors).toEqual([]);
    expect(rows[0]).toMatchObject({ format: 'prompt-completion', prompt: row.prompt, target: 'Hello.' });
  });
});
