// A graded task beside the built-in one (issue #29, P18): "add 23 to each
// number" over five to seven numbers. Every item is its own small sum, so a
// model's wrong answer is wrong in as many places as it slipped, and a response
// far from the target is worse as a whole — the premise of the paper's
// reward-model setting that the arithmetic word problems lack (a wrong answer
// there is right working with one wrong number). The grade is the share of
// items right; the verifier's verdict is "every item right". A response
// states each item before its result ("45 becomes 68"), so the model finds the
// next item by copying, as it copies the start in the word problems' working.
import { createRng, shuffle, type Rng } from '../random';

export interface AddEachProblem {
  /** Added to every number; negative for "subtract". */
  amount: number;
  numbers: number[];
}

const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));

export function randomAddEachProblem(rng: Rng): AddEachProblem {
  const numbers = Array.from({ length: int(rng, 5, 7) }, () => int(rng, 10, 99));
  const size = int(rng, 3, 49);
  // Subtracting keeps every result positive.
  const subtract = rng() < 0.5 && size < Math.min(...numbers);
  return { amount: subtract ? -size : size, numbers };
}

export function addEachPrompt(p: AddEachProblem): string {
  const list = p.numbers.join(', ');
  return p.amount >= 0 ? `Add ${p.amount} to each number: ${list}.` : `Subtract ${-p.amount} from each number: ${list}.`;
}

const PROMPT = /^(Add|Subtract) (\d+) (?:to|from) each number: (\d+(?:, \d+)*)\.$/;

/** The problem a prompt states (the inverse of `addEachPrompt`); null when the text is not one. */
export function parseAddEach(prompt: string): AddEachProblem | null {
  const m = PROMPT.exec(prompt);
  if (!m) return null;
  return { amount: (m[1] === 'Add' ? 1 : -1) * Number(m[2]), numbers: m[3].split(', ').map(Number) };
}

export const addEachAnswer = (p: AddEachProblem): number[] => p.numbers.map((n) => n + p.amount);

// No wording holds a digit, so the numbers a response states are its items and results, in turn.
const INTROS = ['', 'Here they are: ', 'The results: ', 'Sure: ', 'After the change: ', 'In order: '];
const ITEM_FORMS = [
  (n: number, r: number) => `${n} → ${r}`, (n: number, r: number) => `${n} becomes ${r}`,
  (n: number, r: number) => `${n} gives ${r}`, (n: number, r: number) => `from ${n} to ${r}`,
];
const SEPARATORS = [', ', '; ', ' | '];
const CLOSINGS = ['', ' Done.', ' That is every number.', ' All checked.'];

export interface AddEachPhrasing {
  intro: number;
  form: number;
  separator: number;
  /** Whether the last item is joined with "and". */
  and: boolean;
  closing: number;
}

export const ADD_EACH_WORDING_COUNTS = { intros: INTROS.length, forms: ITEM_FORMS.length, separators: SEPARATORS.length, closings: CLOSINGS.length };

export function randomAddEachPhrasing(rng: Rng): AddEachPhrasing {
  return {
    intro: Math.floor(rng() * INTROS.length), form: Math.floor(rng() * ITEM_FORMS.length), separator: Math.floor(rng() * SEPARATORS.length),
    and: rng() < 0.5, closing: Math.floor(rng() * CLOSINGS.length),
  };
}

/** The 576 phrasings, each once. */
export const ADD_EACH_PHRASINGS: readonly AddEachPhrasing[] = INTROS.flatMap((_, intro) =>
  ITEM_FORMS.flatMap((_, form) => SEPARATORS.flatMap((_, separator) => CLOSINGS.flatMap((_, closing) => [false, true].map((and) => ({ intro, form, separator, and, closing }))))));

/** Every item with its result in phrasing `f`; `results` replaces the right results (a response with mistakes). */
export function addEachText(p: AddEachProblem, f: AddEachPhrasing, results = addEachAnswer(p)): string {
  const items = p.numbers.map((n, i) => ITEM_FORMS[f.form](n, results[i]));
  const sep = SEPARATORS[f.separator];
  const list = f.and && items.length > 1 ? `${items.slice(0, -1).join(sep)} and ${items.at(-1)}` : items.join(sep);
  const text = `${INTROS[f.intro]}${list}.${CLOSINGS[f.closing]}`;
  return text[0].toUpperCase() + text.slice(1);
}

/**
 * Share of items right: the numbers a response states, taken in pairs (item, result), against the problem's, pair by
 * pair; an item counts when both its numbers are right. Over the longer of the two (a missing or extra pair counts
 * as a wrong item), so 1 exactly when the response states every item and its right result, in order.
 */
export function addEachGrade(p: AddEachProblem, response: string): number {
  const hits = itemOutcomes(p, response).filter((o) => o.kind === 'right').length;
  return hits / Math.max(Math.ceil(statedNumbers(response).length / 2), p.numbers.length);
}

/** The numbers a response states, in order (no wording holds a digit, so they are its items and results in turn). */
const statedNumbers = (response: string): number[] => (response.match(/-?\d+/g) ?? []).map(Number);

export type AddEachSplitName = 'train' | 'pool' | 'validation' | 'test';
export type AddEachRow = { prompt: string; completion: string; kind: 'add-each' };

export const ADD_EACH_SIZES: Record<AddEachSplitName, number> = { train: 20000, pool: 4000, validation: 1000, test: 2000 };

/** Deterministic by seed; no prompt is in two splits. */
export function generateAddEachTask(seed = 1, sizes = ADD_EACH_SIZES): Record<AddEachSplitName, AddEachRow[]> {
  const rng = createRng(seed);
  const seen = new Set<string>();
  const split = (n: number): AddEachRow[] => {
    const rows: AddEachRow[] = [];
    while (rows.length < n) {
      const problem = randomAddEachProblem(rng);
      const prompt = addEachPrompt(problem);
      if (seen.has(prompt)) continue;
      seen.add(prompt);
      rows.push({ prompt, completion: addEachText(problem, randomAddEachPhrasing(rng)), kind: 'add-each' });
    }
    return shuffle(rng, rows);
  };
  const test = split(sizes.test);
  const validation = split(sizes.validation);
  const pool = split(sizes.pool);
  const train = split(sizes.train);
  return { train, pool, validation, test };
}

export type ItemOutcome = { kind: 'right' } | { kind: 'miscopied' } | { kind: 'missing' } | { kind: 'result off'; by: number };

/**
 * What a response did with each item, read as `addEachGrade` reads it (numbers in pairs): right; the item itself not
 * copied right; no pair for it; or its result off by `by` (stated − right).
 */
export function itemOutcomes(p: AddEachProblem, response: string): ItemOutcome[] {
  const stated = statedNumbers(response);
  const right = addEachAnswer(p);
  return right.map((r, i): ItemOutcome => {
    if (2 * i + 1 >= stated.length) return { kind: 'missing' };
    if (stated[2 * i] !== p.numbers[i]) return { kind: 'miscopied' };
    return stated[2 * i + 1] === r ? { kind: 'right' } : { kind: 'result off', by: stated[2 * i + 1] - r };
  });
}

/**
 * The response with every wrongly computed result moved far from the right one (right ± 20–40, kept positive), all
 * else as it was: a negative wrong in the same places, but not by a near miss. With `everyResult`, the right results
 * of copied items are moved too, so nothing the response computes is right. For testing what near misses (and right
 * parts) of a negative do.
 */
export function withFarResults(p: AddEachProblem, response: string, rng: Rng, everyResult = false): string {
  const outcomes = itemOutcomes(p, response);
  const right = addEachAnswer(p);
  const moved = (o: ItemOutcome) => o.kind === 'result off' || (everyResult && o.kind === 'right');
  let k = 0;
  return response.replace(/-?\d+/g, (m) => {
    const item = Math.floor(k / 2);
    const isResult = k++ % 2 === 1;
    if (!isResult || item >= outcomes.length || !moved(outcomes[item])) return m;
    const offset = int(rng, 20, 40);
    return String(right[item] - offset >= 1 && rng() < 0.5 ? right[item] - offset : right[item] + offset);
  });
}

/** The phrasing `addEachText` writes `text` in for `p` (whatever its results); null when no phrasing writes it. */
export function addEachPhrasingOf(p: AddEachProblem, text: string): AddEachPhrasing | null {
  const results = statedNumbers(text).filter((_, k) => k % 2 === 1);
  if (results.length !== p.numbers.length) return null;
  return ADD_EACH_PHRASINGS.find((f) => addEachText(p, f, results) === text) ?? null;
}

/** A phrasing drawn among those that share no part with `f`: another opening, item form, separator and closing, the other "and". */
export function unlikePhrasing(f: AddEachPhrasing, rng: Rng): AddEachPhrasing {
  const other = (k: number, n: number) => (k + 1 + Math.floor(rng() * (n - 1))) % n;
  return {
    intro: other(f.intro, INTROS.length), form: other(f.form, ITEM_FORMS.length), separator: other(f.separator, SEPARATORS.length),
    and: !f.and, closing: other(f.closing, CLOSINGS.length),
  };
}

/**
 * A response's items and results as it states them (numbers in pairs; a last unpaired number dropped), in phrasing
 * `f`: its content without its wording. A response that states no pair is returned as it is. For testing what a
 * negative's wording does.
 */
export function restateAddEach(p: AddEachProblem, response: string, f: AddEachPhrasing): string {
  const stated = statedNumbers(response);
  const pairs = Math.floor(stated.length / 2);
  if (pairs === 0) return response;
  const items = stated.filter((_, k) => k % 2 === 0).slice(0, pairs);
  const results = stated.filter((_, k) => k % 2 === 1).slice(0, pairs);
  return addEachText({ amount: p.amount, numbers: items }, f, results);
}
