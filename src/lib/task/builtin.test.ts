import { describe, expect, it } from 'vitest';
import { generateTask, isBuiltinTask, singleTurnText, verify } from './builtin';

describe('built-in task', () => {
  const task = generateTask(3, { train: 5, pool: 20, test: 5 });
  it('is recognised as plain prompts and as single-turn chat, never as other data', () => {
    const prompts = task.pool.map((r) => r.prompt);
    expect(isBuiltinTask(prompts)).toBe(true);
    expect(isBuiltinTask(prompts.map((p) => [{ role: 'user', content: p }]))).toBe(true);
    expect(isBuiltinTask([...prompts, 'Write a poem about the sea.'])).toBe(false);
    expect(isBuiltinTask([])).toBe(false);
    expect(singleTurnText([{ role: 'system', content: 's' }, { role: 'user', content: 'u' }])).toBeNull();
  });

  it('its verifier accepts each target', () => {
    for (const r of task.pool) expect(verify(r.prompt, r.completion), r.prompt).toBe(true);
  });
});
