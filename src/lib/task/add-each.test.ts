import { describe, expect, it } from 'vitest';
import {
  ADD_EACH_PHRASINGS, ADD_EACH_WORDING_COUNTS, addEachAnswer, addEachPhrasingOf, restateAddEach, unlikePhrasing, addEachGrade, itemOutcomes, withFarResults, addEachPrompt, addEachText, generateAddEachTask, parseAddEach, randomAddEachProblem,
  type AddEachPhrasing, type AddEachProblem,
} from './add-each';
import { generateTask, gradeResponse, isBuiltinTask, taskKind, verify } from './builtin';
import { scoreResponses } from './evaluate';
import { createRng } from '../random';

const problems = (n: number, seed = 3): AddEachProblem[] => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => randomAddEachProblem(rng));
};

describe('graded task: add each', () => {
  it('a prompt states its problem exactly (parse inverts print), adding and subtracting', () => {
    const ps = problems(400);
    for (const p of ps) expect(parseAddEach(addEachPrompt(p))).toEqual(p);
    expect(ps.some((p) => p.amount < 0) && ps.some((p) => p.amount > 0)).toBe(true);
    // Subtraction keeps every result positive.
    for (const p of ps) expect(Math.min(...addEachAnswer(p))).toBeGreaterThan(0);
  });

  it('every phrasing of the right list grades 1 and verifies; k wrong items of n grade (n − k) / n and do not verify', () => {
    for (const p of problems(40)) {
      const prompt = addEachPrompt(p);
      const right = addEachAnswer(p);
      for (const f of ADD_EACH_PHRASINGS) {
        const text = addEachText(p, f);
        expect(gradeResponse(prompt, text), text).toBe(1);
        expect(verify(prompt, text)).toBe(true);
        for (let k = 1; k <= right.length; k++) {
          const wrong = right.map((v, i) => (i < k ? v + 1 : v));
          const wrongText = addEachText(p, f, wrong);
          expect(gradeResponse(prompt, wrongText), wrongText).toBeCloseTo((right.length - k) / right.length, 12);
          expect(verify(prompt, wrongText)).toBe(false);
        }
      }
    }
  });

  it('an item counts when both its numbers are right; a missing or extra item counts as wrong; a shifted list scores only what lines up', () => {
    const p: AddEachProblem = { amount: 5, numbers: [10, 20, 30, 40, 50] };
    expect(addEachGrade(p, '10 → 15, 20 → 25, 30 → 35, 40 → 45.')).toBeCloseTo(4 / 5, 12);
    expect(addEachGrade(p, '10 → 15, 20 → 25, 30 → 35, 40 → 45, 50 → 55, 60 → 65.')).toBeCloseTo(5 / 6, 12);
    expect(addEachGrade(p, '10 → 15, 20 → 25, 30 → 35, 40 → 45, 50 → 55, 60.')).toBeCloseTo(5 / 6, 12);
    // The right result of another item, or a miscopied item, is wrong.
    expect(addEachGrade(p, '10 → 15, 25 → 25, 30 → 35, 41 → 45, 50 → 55.')).toBeCloseTo(3 / 5, 12);
    expect(addEachGrade(p, '20 → 25, 30 → 35, 40 → 45, 50 → 55.')).toBe(0);
    expect(addEachGrade(p, 'I cannot help with that.')).toBe(0);
    expect(addEachGrade({ amount: -4, numbers: [10, 12] }, 'The results: 10 becomes 6 and 12 becomes 8.')).toBe(1);
  });

  it('reads each item as right, miscopied, missing or off by how much; the right ones are what the grade counts', () => {
    const p: AddEachProblem = { amount: 5, numbers: [10, 20, 30, 40, 50] };
    const response = '10 → 15, 20 → 26, 31 → 35, 40 → 35.';
    expect(itemOutcomes(p, response)).toEqual([
      { kind: 'right' }, { kind: 'result off', by: 1 }, { kind: 'miscopied' }, { kind: 'result off', by: -10 }, { kind: 'missing' },
    ]);
    for (const text of [response, '10 → 15, 20 → 25, 30 → 35, 40 → 45, 50 → 55.', 'nothing']) {
      expect(itemOutcomes(p, text).filter((o) => o.kind === 'right').length / 5).toBe(addEachGrade(p, text));
    }
  });

  it('moves every wrongly computed result 20–40 away and leaves the rest as it was', () => {
    const p: AddEachProblem = { amount: -5, numbers: [10, 20, 30, 40, 50] };
    const response = 'Sure: 10 → 5; 20 → 16; 31 → 25; 40 → 36 and 50 → 45. Done.';
    const rng = createRng(4);
    for (let t = 0; t < 50; t++) {
      const far = withFarResults(p, response, rng);
      const before = itemOutcomes(p, response);
      const after = itemOutcomes(p, far);
      expect(after.map((o) => o.kind)).toEqual(before.map((o) => o.kind));
      for (const [i, o] of after.entries()) {
        if (o.kind === 'result off') {
          expect(Math.abs(o.by)).toBeGreaterThanOrEqual(20);
          expect(Math.abs(o.by)).toBeLessThanOrEqual(40);
          expect(o.by + addEachAnswer(p)[i]).toBeGreaterThan(0);
        }
      }
      expect(far.replace(/\d+/g, '#')).toBe(response.replace(/\d+/g, '#'));
      expect(addEachGrade(p, far)).toBe(addEachGrade(p, response));
    }
    // With every result moved, only the miscopied item keeps its numbers, and nothing computed is right.
    for (let t = 0; t < 20; t++) {
      const far = withFarResults(p, response, rng, true);
      expect(itemOutcomes(p, far).map((o) => o.kind)).toEqual(['result off', 'result off', 'miscopied', 'result off', 'result off']);
      for (const o of itemOutcomes(p, far)) if (o.kind === 'result off') expect(Math.abs(o.by)).toBeGreaterThanOrEqual(20);
      expect(addEachGrade(p, far)).toBe(0);
    }
    // Right and miscopied items keep their numbers.
    expect(withFarResults(p, response, rng).split(/[;,] | and /).filter((_, i) => [0, 2, 4].includes(i))).toEqual(['Sure: 10 → 5', '31 → 25', '50 → 45. Done.']);
  });

  it('restates a response in a phrasing that shares no part with its chosen: the same items and results, none of the wording', () => {
    expect(ADD_EACH_PHRASINGS.length).toBe(ADD_EACH_WORDING_COUNTS.intros * ADD_EACH_WORDING_COUNTS.forms * ADD_EACH_WORDING_COUNTS.separators * ADD_EACH_WORDING_COUNTS.closings * 2);
    const p: AddEachProblem = { amount: -5, numbers: [10, 20, 30, 40, 50] };
    const rng = createRng(6);
    for (const f of ADD_EACH_PHRASINGS) {
      // The phrasing of a target is recovered, with right results or wrong ones.
      expect(addEachPhrasingOf(p, addEachText(p, f))).toEqual(f);
      expect(addEachPhrasingOf(p, addEachText(p, f, [1, 2, 3, 4, 5]))).toEqual(f);
      const g = unlikePhrasing(f, rng);
      expect(g.intro !== f.intro && g.form !== f.form && g.separator !== f.separator && g.closing !== f.closing && g.and !== f.and).toBe(true);
      expect(ADD_EACH_PHRASINGS).toContainEqual(g);
    }
    // Every unlike phrasing is reachable: 5 openings × 3 forms × 2 separators × 3 closings.
    const f = ADD_EACH_PHRASINGS[0];
    expect(new Set(Array.from({ length: 3000 }, () => JSON.stringify(unlikePhrasing(f, rng)))).size).toBe(5 * 3 * 2 * 3);
    expect(addEachPhrasingOf(p, 'Sure: 10 → 5; 20 → 16.')).toBeNull();
    // A model's sample keeps its numbers, miscopied item and missing item included, in the new phrasing.
    const sample = 'Sure: 10 → 5; 20 → 16; 31 → 25; 40 → 36. Done.';
    const g: AddEachPhrasing = { intro: 0, form: 1, separator: 0, and: true, closing: 0 };
    expect(restateAddEach(p, sample, g)).toBe('10 becomes 5, 20 becomes 16, 31 becomes 25 and 40 becomes 36.');
    expect(itemOutcomes(p, restateAddEach(p, sample, g))).toEqual(itemOutcomes(p, sample));
    expect(restateAddEach(p, '10 → 5, 20', g)).toBe('10 becomes 5.');
    expect(restateAddEach(p, 'I cannot.', g)).toBe('I cannot.');
  });

  it('splits are deterministic, disjoint, right, and apart from the built-in task', () => {
    const sizes = { train: 600, pool: 200, validation: 100, test: 100 };
    const a = generateAddEachTask(2, sizes);
    expect(generateAddEachTask(2, sizes)).toEqual(a);
    const all = [...a.train, ...a.pool, ...a.validation, ...a.test];
    expect(new Set(all.map((r) => r.prompt)).size).toBe(all.length);
    for (const r of all) {
      expect(taskKind(r.prompt)).toBe('add-each');
      expect(verify(r.prompt, r.completion)).toBe(true);
    }
    expect(isBuiltinTask(a.test.map((r) => r.prompt))).toBe(true);
    // The targets are spread over the wordings, not one template.
    expect(new Set(a.train.map((r) => r.completion.replace(/\d+/g, '#'))).size).toBeGreaterThan(100);
    // No built-in prompt reads as this task.
    for (const r of generateTask(1, { train: 300, pool: 50, validation: 50, test: 50 }).train) expect(taskKind(r.prompt)).not.toBe('add-each');
  });

  it('evaluation reports the mean grade beside the accuracy', () => {
    const p: AddEachProblem = { amount: 1, numbers: [10, 20, 30, 40] };
    const prompt = addEachPrompt(p);
    const scored = scoreResponses([prompt, prompt], ['10 → 11, 20 → 21, 30 → 31, 40 → 41.', '10 → 11, 20 → 21, 30 → 0, 40 → 0.']);
    expect(scored.accuracy).toBe(0.5);
    expect(scored.grade).toBeCloseTo(0.75, 12);
    expect(scored.byKind['add-each']).toEqual({ correct: 1, total: 2 });
  });
});
