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
    expect(errors[0].reason).toBe('expected a string, got number');
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
