// Arithmetic word problems of the built-in task (the paper's Example 2): a
// problem is a start value and one to three steps; its prompt is one fixed
// wording (so the verifier can recompute the answer from the prompt alone), and
// its solution can be written in many ways — four layouts of the working, each
// step and the closing sentence in several wordings — so that a right answer is
// not the target word for word, while a wrong answer differs in its numbers.
import type { Rng } from '../random';

export type Pronoun = 'She' | 'He';

export interface Step {
  kind: 'add' | 'sub' | 'double';
  amount: number;
  /** The prompt's verb for the step ('buys', 'gives away'); empty for doubling. */
  verb: string;
}

export interface Problem {
  name: string;
  pronoun: Pronoun;
  items: string;
  start: number;
  steps: Step[];
}

const NAMES: [string, Pronoun][] = [
  ['Lily', 'She'], ['Tom', 'He'], ['Maya', 'She'], ['Sam', 'He'], ['Nora', 'She'], ['Omar', 'He'], ['Ava', 'She'], ['Leo', 'He'],
  ['Zoe', 'She'], ['Ben', 'He'], ['Ivy', 'She'], ['Max', 'He'], ['Ella', 'She'], ['Ravi', 'He'], ['Mia', 'She'], ['Jack', 'He'],
];
const ITEMS = ['apples', 'marbles', 'stickers', 'books', 'coins', 'pencils', 'cookies', 'stamps', 'shells', 'cards', 'balloons', 'buttons'];
export const ADD_VERBS = ['buys', 'finds', 'gets', 'wins'];
export const SUB_VERBS = ['loses', 'sells', 'gives away', 'uses'];
const GERUND: Record<string, string> = {
  buys: 'buying', finds: 'finding', gets: 'getting', wins: 'winning',
  loses: 'losing', sells: 'selling', 'gives away': 'giving away', uses: 'using',
};

export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const capitalize = (s: string) => s[0].toUpperCase() + s.slice(1);

export function applyStep(value: number, s: Step): number {
  return s.kind === 'add' ? value + s.amount : s.kind === 'sub' ? value - s.amount : value * 2;
}

/** The draw of the first task version, kept so that its problems stay the same kind of problem. */
export function randomProblem(rng: Rng): Problem {
  const [name, pronoun] = pick(rng, NAMES);
  const items = pick(rng, ITEMS);
  let value = int(rng, 3, 40);
  const start = value;
  const count = rng() < 0.45 ? 2 : rng() < 0.6 ? 1 : 3;
  const steps: Step[] = [];
  for (let s = 0; s < count; s++) {
    const r = rng();
    if (r < 0.12 && value <= 40) steps.push({ kind: 'double', amount: 2, verb: '' });
    else if (r < 0.56 || value < 4) steps.push({ kind: 'add', amount: int(rng, 2, 30), verb: pick(rng, ADD_VERBS) });
    else steps.push({ kind: 'sub', amount: int(rng, 1, Math.min(30, value - 1)), verb: pick(rng, SUB_VERBS) });
    value = applyStep(value, steps[steps.length - 1]);
  }
  return { name, pronoun, items, start, steps };
}

export function problemPrompt(p: Problem): string {
  const pron = p.pronoun;
  const sentences = p.steps.map((s) =>
    s.kind === 'double' ? `Then the number of ${p.items} ${pron.toLowerCase()} has doubles.`
      : s.kind === 'add' ? `${pron} ${s.verb} ${s.amount} more.`
        : `${pron} ${s.verb} ${s.amount}.`);
  return `${p.name} has ${p.start} ${p.items}. ${sentences.join(' ')} How many ${p.items} does ${p.name} have now?`;
}

const ADD_STEP = new RegExp(`(?:${ADD_VERBS.join('|')}) (\\d+) more\\.`);
const SUB_STEP = new RegExp(`(?:${SUB_VERBS.join('|')}) (\\d+)\\.`);

/** The problem a prompt states (the inverse of `problemPrompt`); null when the text is not one. */
export function parseProblem(prompt: string): Problem | null {
  const head = /^(\w+) has (\d+) (\w+)\./.exec(prompt);
  const tail = /How many (\w+) does (\w+) have now\?$/.exec(prompt);
  if (!head || !tail) return null;
  const [, name, start, items] = head;
  const pronoun: Pronoun = /\bshe\b/i.test(prompt) ? 'She' : 'He';
  const steps: Step[] = [];
  const body = prompt.slice(head[0].length, prompt.length - tail[0].length);
  for (const sentence of body.split(/(?<=\.)\s+/)) {
    const a = ADD_STEP.exec(sentence);
    const s = SUB_STEP.exec(sentence);
    if (a) steps.push({ kind: 'add', amount: Number(a[1]), verb: a[0].slice(0, a[0].indexOf(` ${a[1]}`)) });
    else if (s) steps.push({ kind: 'sub', amount: Number(s[1]), verb: s[0].slice(0, s[0].indexOf(` ${s[1]}`)) });
    else if (/doubles\./.test(sentence)) steps.push({ kind: 'double', amount: 2, verb: '' });
  }
  return { name, pronoun, items, start: Number(start), steps };
}

/** The values after each step, start first; `error` adds `delta` to one step's result, and the rest follows from it. */
export function stepValues(p: Problem, error?: { step: number; delta: number }): number[] {
  const values = [p.start];
  p.steps.forEach((s, i) => values.push(applyStep(values[i], s) + (error?.step === i ? error.delta : 0)));
  return values;
}

export const answerOf = (p: Problem): number => stepValues(p).at(-1)!;

/** How a solution is written: every choice is an index into the wording lists below. */
export interface Phrasing {
  layout: 'steps' | 'chain' | 'answer-first' | 'tally';
  opening: number;
  /** One wording per step. */
  steps: number[];
  closing: number;
}

const OPENINGS = [
  (p: Problem) => `${p.name} starts with ${p.start} ${p.items}.`,
  (p: Problem) => `At first ${p.name} has ${p.start} ${p.items}.`,
  (p: Problem) => `${p.name} begins with ${p.start}.`,
  () => '',
];

type StepWording = (p: Problem, s: Step, before: number, after: number) => string;
const expr = (s: Step, before: number) => (s.kind === 'add' ? `${before} + ${s.amount}` : s.kind === 'sub' ? `${before} - ${s.amount}` : `${before} * 2`);
const action = (s: Step) => (s.kind === 'double' ? 'doubling' : `${GERUND[s.verb]} ${s.amount}${s.kind === 'add' ? ' more' : ''}`);
const STEP_WORDINGS: StepWording[] = [
  (p, s, b, a) => `${capitalize(action(s))}, ${p.pronoun.toLowerCase()} has ${expr(s, b)} = ${a}.`,
  (_, s, b, a) => `After ${action(s)}, that is ${expr(s, b)} = ${a}.`,
  (p, s, b, a) => `Then ${expr(s, b)} = ${a} ${p.items}.`,
  (_, s, b, a) => `${capitalize(action(s))} gives ${expr(s, b)} = ${a}.`,
];

// The other layouts reuse the opening and step choices for their own wordings (as many of each).
const CHAIN_WORDINGS = [
  (e: string, v: number) => `${e} = ${v}.`, (e: string, v: number) => `${e} makes ${v}.`,
  (e: string, v: number) => `Compute ${e} = ${v}.`, (e: string, v: number) => `In one line: ${e} = ${v}.`,
];
const WORKING_INTROS = ['Working:', 'Because', 'Check:', 'Since'];
const RESULT_WORDINGS = [
  (e: string, v: number) => `${e} = ${v}`, (e: string, v: number) => `${e} is ${v}`,
  (e: string, v: number) => `${e} makes ${v}`, (e: string, v: number) => `${e} gives ${v}`,
];
const TALLY_WORDINGS = [
  (a: string, v: number) => `${capitalize(a)}: ${v}.`, (a: string, v: number) => `After ${a}: ${v}.`,
  (a: string, v: number) => `${capitalize(a)} → ${v}.`, (a: string, v: number) => `${capitalize(a)}, now ${v}.`,
];

const CLOSINGS: ((p: Problem, v: number) => string)[] = [
  (_, v) => `The answer is ${v}.`,
  (p, v) => `So ${p.name} has ${v} ${p.items} now.`,
  (p, v) => `${p.name} ends up with ${v} ${p.items}.`,
  (_, v) => `Answer: ${v}.`,
  (p, v) => `That leaves ${p.name} with ${v} ${p.items}.`,
  (p, v) => `${p.pronoun} now has ${v} ${p.items}.`,
];

export const LAYOUTS: readonly Phrasing['layout'][] = ['steps', 'chain', 'answer-first', 'tally'];
export const WORDING_COUNTS = { openings: OPENINGS.length, steps: STEP_WORDINGS.length, closings: CLOSINGS.length };

export function randomPhrasing(rng: Rng, p: Problem): Phrasing {
  return {
    layout: pick(rng, LAYOUTS),
    opening: Math.floor(rng() * OPENINGS.length),
    steps: p.steps.map(() => Math.floor(rng() * STEP_WORDINGS.length)),
    closing: Math.floor(rng() * CLOSINGS.length),
  };
}

/**
 * A solution of `p` in phrasing `f`. With `error`, the working makes that
 * mistake and carries it to the end, as a model's wrong answer does. Every
 * layout ends on the final value, so "the last number" is the answer given.
 */
export function solutionText(p: Problem, f: Phrasing, error?: { step: number; delta: number }): string {
  const v = stepValues(p, error);
  const answer = v[v.length - 1];
  const opening = OPENINGS[f.opening](p);
  const closing = CLOSINGS[f.closing](p, answer);
  const join = (parts: string[]) => parts.filter(Boolean).join(' ');
  switch (f.layout) {
    case 'steps':
      return join([opening, ...p.steps.map((s, i) => STEP_WORDINGS[f.steps[i]](p, s, v[i], v[i + 1])), closing]);
    case 'chain': {
      // Left to right in one expression; a doubling wraps what came before it.
      let text = `${p.start}`;
      p.steps.forEach((s, i) => (text = s.kind === 'double' ? `${i === 0 ? text : `(${text})`} * 2` : `${text} ${s.kind === 'add' ? '+' : '-'} ${s.amount}`));
      // A mistake in the working shows as the wrong total of the whole expression.
      return join([opening, CHAIN_WORDINGS[f.steps[0]](text, answer), closing]);
    }
    case 'answer-first':
      return join([closing, `${WORKING_INTROS[f.opening]} ${p.steps.map((s, i) => RESULT_WORDINGS[f.steps[i]](expr(s, v[i]), v[i + 1])).join(', ')}.`]);
    case 'tally':
      return join([f.opening % 2 ? `Start with ${p.start}.` : `Start: ${p.start}.`, ...p.steps.map((s, i) => TALLY_WORDINGS[f.steps[i]](action(s), v[i + 1])), closing]);
  }
}

/** The number a response gives as its answer: its last number, as GSM8K-style graders read it. */
export function statedAnswer(response: string): number | null {
  const numbers = response.match(/-?\d+/g);
  return numbers ? Number(numbers[numbers.length - 1]) : null;
}

// Sentences that only one layout has: tally opens with its start, answer-first introduces its working after the
// answer, chain writes the whole working as one expression (a sentence that begins with it); steps has an equation.
const TALLY_START = /^Start(?::| with) /;
const WORKING_INTRO = new RegExp(`(?:^|\\. )(?:${WORKING_INTROS.join('|')}) `);
const CHAIN_SENTENCE = /^(?:\(|\d|Compute |In one line: )/;

/** The layout a solution is written in (the inverse of `solutionText`'s choice of layout); null when it has none. */
export function layoutOf(response: string): Phrasing['layout'] | null {
  const text = response.trim();
  if (TALLY_START.test(text)) return 'tally';
  if (WORKING_INTRO.test(text)) return 'answer-first';
  if (text.split(/(?<=\.)\s+/).some((s) => CHAIN_SENTENCE.test(s))) return 'chain';
  return text.includes('=') ? 'steps' : null;
}

/**
 * Where a solution of `p` first goes wrong: the index of the first number in it that no right solution states (the
 * start, a step's amount, 2 for a doubling, the right value after each step); null when every number is one of those.
 * A wrong answer that reuses such a number in the wrong place has no first error by this reading.
 */
export function firstError(p: Problem, response: string): number | null {
  const stated = new Set([p.start, ...p.steps.map((s) => s.amount), ...stepValues(p)]);
  for (const m of response.matchAll(/-?\d+/g)) if (!stated.has(Number(m[0]))) return m.index;
  return null;
}
