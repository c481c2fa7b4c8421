import { describe, expect, it } from 'vitest';
import { checkpointChoice } from './checkpoint-choice';

const run = (choice: ReturnType<typeof checkpointChoice<string>>, accuracies: number[]) => {
  for (let i = 0; i < accuracies.length; i++) {
    if (choice.observe({ step: 100 * (i + 1), accuracy: accuracies[i], weights: `w${i + 1}` })) return 100 * (i + 1);
  }
  return null;
};

describe('checkpointChoice', () => {
  it('target: stops at the first evaluation that reaches the accuracy and keeps that checkpoint', () => {
    const choice = checkpointChoice<string>({ kind: 'target', accuracy: 0.5 });
    expect(choice.kept).toBeNull();
    expect(run(choice, [0.2, 0.49, 0.5, 0.7])).toBe(300);
    expect(choice.kept).toEqual({ step: 300, accuracy: 0.5, weights: 'w3' });
  });

  it('target never reached: keeps the last checkpoint and never asks to stop', () => {
    const choice = checkpointChoice<string>({ kind: 'target', accuracy: 0.9 });
    expect(run(choice, [0.2, 0.6, 0.4])).toBeNull();
    expect(choice.kept?.step).toBe(300);
  });

  it('plateau: stops after `patience` evaluations without a new best and keeps the best', () => {
    const choice = checkpointChoice<string>({ kind: 'plateau', patience: 3 });
    // best 0.6 at step 300; 0.55, 0.6 (a tie), 0.58 bring nothing new → stop at step 600.
    expect(run(choice, [0.3, 0.5, 0.6, 0.55, 0.6, 0.58, 0.9])).toBe(600);
    expect(choice.kept).toEqual({ step: 300, accuracy: 0.6, weights: 'w3' });
  });

  it('plateau: a new best resets the count', () => {
    const choice = checkpointChoice<string>({ kind: 'plateau', patience: 2 });
    expect(run(choice, [0.5, 0.4, 0.6, 0.5, 0.7, 0.6, 0.65])).toBe(700);
    expect(choice.kept?.step).toBe(500);
  });

  it('plateau: still rising at the end of the schedule keeps the last', () => {
    const choice = checkpointChoice<string>({ kind: 'plateau', patience: 2 });
    expect(run(choice, [0.1, 0.2, 0.3])).toBeNull();
    expect(choice.kept?.accuracy).toBe(0.3);
  });

  it('rejects a patience below one', () => {
    expect(() => checkpointChoice({ kind: 'plateau', patience: 0 })).toThrow(/patience/);
  });
});
