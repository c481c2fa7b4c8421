import { describe, expect, it } from 'vitest';
import { fitPrompt, promptBudget } from './context';

describe('prompts longer than the context', () => {
  it('leave room for the new tokens; too long is skipped or keeps its end', () => {
    expect(promptBudget(512, 96)).toBe(416);
    expect(promptBudget(64, 96)).toBe(0);
    expect(fitPrompt([1, 2, 3], 3, 'skip')).toEqual([1, 2, 3]);
    expect(fitPrompt([1, 2, 3, 4], 3, 'skip')).toBeNull();
    expect(fitPrompt([1, 2, 3, 4], 3, 'truncate-left')).toEqual([2, 3, 4]);
    expect(fitPrompt([1, 2], 0, 'truncate-left')).toBeNull();
  });
});
