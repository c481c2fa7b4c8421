import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { generateTask, isBuiltinTask, singleTurnText, solveArithmetic, taskKind, verify, type TaskRow } from './builtin';
import { LAYOUTS, WORDING_COUNTS, firstError, layoutOf, parseProblem, problemPrompt, randomPhrasing, randomProblem, solutionText, statedAnswer, type Phrasing, type Problem } from './arithmetic';
import { BENIGN, HARMFUL_ACTIONS, REQUEST_TEMPLATES, answersBenign, benignAnswerText, isRefusal, refusalText } from './requests';
import { createRng } from '../random';

/** Every phrasing of a problem's solution: each layout × opening × step wording (all steps alike) × closing. */
function everyPhrasing(p: Problem): Phrasing[] {
  const out: Phrasing[] = [];
  for (const layout of LAYOUTS) {
    for (let opening = 0; opening < WORDING_COUNTS.openings; opening++) {
      for (let step = 0; step < WORDING_COUNTS.steps; step++) {
        for (let closing = 0; closing < WORDING_COUNTS.closings; closing++) out.push({ layout, opening, steps: p.steps.map(() => step), closing });
      }
    }
  }
  return out;
}

const problems = (n: number, seed = 5): Problem[] => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => randomProblem(rng));
};

describe('built-in task v2: arithmetic', () => {
  it('a prompt states its problem exactly (parse inverts print)', () => {
    for (const p of problems(300)) expect(parseProblem(problemPrompt(p))).toEqual(p);
  });

  it('the verifier accepts every phrasing of the right solution and rejects each with a mistake carried through', () => {
    let checked = 0;
    for (const p of [...problems(60), { name: 'Ivy', pronoun: 'She' as const, items: 'cards', start: 7, steps: [{ kind: 'double' as const, amount: 2, verb: '' }, { kind: 'double' as const, amount: 2, verb: '' }] }]) {
      const prompt = problemPrompt(p);
      for (const f of everyPhrasing(p)) {
        const right = solutionText(p, f);
        expect(verify(prompt, right), right).toBe(true);
        for (const step of p.steps.keys()) {
          for (const delta of [-2, 1, 10]) {
            const wrong = solutionText(p, f, { step, delta });
            // A doubling after the mistake doubles it too; an answer of zero error cannot happen with these deltas.
            expect(verify(prompt, wrong), wrong).toBe(false);
          }
        }
        checked++;
      }
    }
    expect(checked).toBe(61 * LAYOUTS.length * WORDING_COUNTS.openings * WORDING_COUNTS.steps * WORDING_COUNTS.closings);
  });

  it('the layout of a solution is read back from its text, right or wrong, in every phrasing', () => {
    for (const p of [...problems(40, 7), { name: 'Ivy', pronoun: 'She' as const, items: 'cards', start: 7, steps: [{ kind: 'double' as const, amount: 2, verb: '' }, { kind: 'add' as const, amount: 3, verb: 'finds' }] }]) {
      for (const f of everyPhrasing(p)) {
        expect(layoutOf(solutionText(p, f)), solutionText(p, f)).toBe(f.layout);
        expect(layoutOf(solutionText(p, f, { step: 0, delta: 3 }))).toBe(f.layout);
      }
    }
    expect(layoutOf('The answer is 12.')).toBeNull();
    expect(layoutOf("I'm sorry, but I can't help with that.")).toBeNull();
  });

  it('the first error of a wrong solution is its first number no right solution states', () => {
    const p = parseProblem('Lily has 12 apples. She buys 5 more. She sells 3. How many apples does Lily have now?')!;
    const wrong = 'Lily starts with 12 apples. Buying 5 more, she has 12 + 5 = 18. Selling 3 gives 18 - 3 = 15. The answer is 15.';
    expect(wrong.slice(firstError(p, wrong)!)).toMatch(/^18\. Selling/);
    const answerFirst = 'The answer is 15. Working: 12 + 5 = 17, 17 - 3 = 15.';
    expect(firstError(p, answerFirst)).toBe(answerFirst.indexOf('15'));
    // Every phrasing of the right solution has none; with a mistake far off every right number, it is the mistake's first number.
    for (const q of problems(30, 13)) {
      for (const f of everyPhrasing(q)) {
        expect(firstError(q, solutionText(q, f)), solutionText(q, f)).toBeNull();
        for (const step of q.steps.keys()) {
          const text = solutionText(q, f, { step, delta: 1000 });
          const mistaken = [...text.matchAll(/\d+/g)].find((m) => Number(m[0]) >= 900)!;
          expect(firstError(q, text), text).toBe(mistaken.index);
        }
      }
    }
  });

  it('the answer is the last number a response states, wherever the working puts it', () => {
    expect(statedAnswer('Answer: 14. Working: 12 + 5 = 17, 17 - 3 = 14.')).toBe(14);
    expect(statedAnswer('The answer is 15. She had 12 + 5 = 17.')).toBe(17);
    expect(statedAnswer('no number here')).toBeNull();
    const prompt = 'Lily has 12 apples. She buys 5 more. She sells 3. How many apples does Lily have now?';
    expect(solveArithmetic(prompt)).toBe(14);
    expect(verify(prompt, 'Lily ends up with 14 apples.')).toBe(true);
    expect(verify(prompt, 'Start: 12. Buying 5 more: 17. Selling 3: 15. The answer is 15.')).toBe(false);
    expect(verify(prompt, "I'm sorry, but I can't help with that.")).toBe(false);
  });

  it('one problem has many right phrasings: 32 draws are mostly distinct texts', () => {
    const rng = createRng(9);
    for (const p of problems(50, 11).filter((q) => q.steps.length >= 2)) {
      const texts = new Set(Array.from({ length: 32 }, () => solutionText(p, randomPhrasing(rng, p))));
      expect(texts.size, problemPrompt(p)).toBeGreaterThanOrEqual(24);
    }
  });
});

describe('built-in task v2: requests', () => {
  it('every refusal wording refuses, for every harmful action and template', () => {
    const rng = createRng(2);
    for (const action of HARMFUL_ACTIONS) {
      for (const template of REQUEST_TEMPLATES) {
        const prompt = template.replace('{a}', action);
        expect(taskKind(prompt)).toBe('harmful');
        for (let i = 0; i < 40; i++) {
          const reply = refusalText(rng, action);
          expect(verify(prompt, reply), reply).toBe(true);
        }
        expect(verify(prompt, 'Sure. Mix flour, water, yeast and salt, let the dough rise.')).toBe(false);
      }
    }
  });

  it('every benign answer wording answers its own topic and no other; a refusal answers none', () => {
    const rng = createRng(3);
    for (const topic of BENIGN) {
      const prompt = REQUEST_TEMPLATES[0].replace('{a}', topic.action);
      expect(taskKind(prompt)).toBe('benign');
      for (let i = 0; i < 40; i++) {
        const reply = benignAnswerText(rng, topic.action);
        expect(isRefusal(reply), reply).toBe(false);
        expect(verify(prompt, reply), reply).toBe(true);
        for (const other of BENIGN) if (other !== topic) expect(answersBenign(other.action, reply), `${other.action}: ${reply}`).toBe(false);
      }
      expect(verify(prompt, refusalText(rng, HARMFUL_ACTIONS[0]))).toBe(false);
      expect(verify(prompt, 'Yes.')).toBe(false);
    }
  });
});

describe('built-in task v2: splits', () => {
  const sizes = { train: 3000, pool: 600, validation: 300, test: 400 };
  const task = generateTask(3, sizes);

  it('has four splits of the asked sizes, deterministic by seed, sharing no prompt', () => {
    for (const [name, n] of Object.entries(sizes)) expect(task[name as keyof typeof task]).toHaveLength(n);
    expect(generateTask(3, sizes)).toEqual(task);
    const promptsOf = (rows: TaskRow[]) => new Set(rows.map((r) => r.prompt));
    const splits = [task.train, task.pool, task.validation, task.test].map(promptsOf);
    for (let i = 0; i < splits.length; i++) {
      for (let j = i + 1; j < splits.length; j++) for (const p of splits[i]) expect(splits[j].has(p), p).toBe(false);
    }
  });

  it('every target verifies, its kind is the one it names, and the targets vary in wording', () => {
    for (const r of [...task.train, ...task.pool, ...task.validation, ...task.test]) {
      expect(verify(r.prompt, r.completion), `${r.prompt} → ${r.completion}`).toBe(true);
      expect(taskKind(r.prompt)).toBe(r.kind);
    }
    const openings = new Set(task.train.filter((r) => r.kind === 'arithmetic').map((r) => r.completion.split(/[ :]/)[0]));
    expect(openings.size).toBeGreaterThan(10);
    const refusals = new Set(task.train.filter((r) => r.kind === 'harmful').map((r) => r.completion));
    expect(refusals.size).toBeGreaterThan(100);
  });

  it('is recognised as plain prompts and as single-turn chat, never as other data', () => {
    const prompts = task.pool.slice(0, 20).map((r) => r.prompt);
    expect(isBuiltinTask(prompts)).toBe(true);
    expect(isBuiltinTask(prompts.map((p) => [{ role: 'user', content: p }]))).toBe(true);
    expect(isBuiltinTask([...prompts, 'Write a poem about the sea.'])).toBe(false);
    expect(isBuiltinTask([])).toBe(false);
    expect(singleTurnText([{ role: 'system', content: 's' }, { role: 'user', content: 'u' }])).toBeNull();
  });

  it("version 1's rows (its test split, as it was shipped) are still the task and still verify", () => {
    const v1 = readFileSync('src/lib/task/fixtures/v1-test-rows.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TaskRow);
    expect(new Set(v1.map((r) => r.kind))).toEqual(new Set(['arithmetic', 'harmful', 'benign']));
    expect(isBuiltinTask(v1.map((r) => r.prompt))).toBe(true);
    for (const r of v1) {
      expect(taskKind(r.prompt)).toBe(r.kind);
      expect(verify(r.prompt, r.completion), r.completion).toBe(true);
    }
  });
});
