// JSONL import of SFT data in the formats ML practitioners bring, parsed in
// chunks (a 100 MB file never sits in one string), with errors that name the
// line, the field and the reason, and every valid line kept.
import type { ChatMessage } from '../model/tokenizer';

export type ImportFormat = 'prompt-completion' | 'alpaca' | 'chat' | 'preference' | 'samples';

export interface SftRow {
  /** Text, or the chat turns before the target (rendered later with the model's chat template). */
  prompt: string | ChatMessage[];
  /** The SFT target: the "chosen" response of Self-Contrast. */
  target: string;
  /** Responses sampled elsewhere (vLLM, the Self-Contrast repository's `outputs`). */
  samples?: string[];
  format: ImportFormat;
  /** 1-based line in the file. */
  line: number;
}

export interface ImportError {
  line: number;
  field: string;
  reason: string;
}

export interface ImportSummary {
  rows: SftRow[];
  errors: ImportError[];
  /** Rows whose prompt repeats an earlier row's (kept; the filter treats prompts independently). */
  duplicatePrompts: number;
  lines: number;
}

type Json = Record<string, unknown>;

class FieldError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(reason);
  }
}

function str(o: Json, field: string): string {
  const v = o[field];
  if (typeof v !== 'string') throw new FieldError(field, v === undefined ? 'missing' : `expected a string, got ${typeof v}`);
  return v;
}

function messages(v: unknown, field: string): ChatMessage[] {
  if (!Array.isArray(v)) throw new FieldError(field, 'expected a list of {role, content} messages');
  return v.map((m, i) => {
    if (typeof m !== 'object' || m === null) throw new FieldError(`${field}[${i}]`, 'expected a {role, content} object');
    const { role, content } = m as Json;
    if (role !== 'system' && role !== 'user' && role !== 'assistant') throw new FieldError(`${field}[${i}].role`, `expected system, user or assistant, got ${JSON.stringify(role)}`);
    if (typeof content !== 'string') throw new FieldError(`${field}[${i}].content`, 'expected a string');
    return { role, content };
  });
}

/** A completion given as text or as chat messages (TRL's conversational form): its assistant text. */
function completionText(v: unknown, field: string): string {
  if (typeof v === 'string') return v;
  if (!Array.isArray(v)) throw new FieldError(field, `expected a string or a list of {role, content} messages, got ${v === undefined ? 'nothing' : typeof v}`);
  const turns = messages(v, field);
  const last = turns[turns.length - 1];
  if (!last || last.role !== 'assistant') throw new FieldError(field, 'expected the last message to be the assistant turn');
  return last.content;
}

// The Self-Contrast repository's inference output: the dataset's own row plus
// `outputs` (R samples) and the SFT `target`. Its three shapes keep the prompt's
// earlier turns: HH-RLHF (instruction + history pairs), Nectar (one string with
// "\n\nHuman: " / "\n\nAssistant: " turns, answers ranked) and UltraChat
// (messages, whose last assistant turn inference blanks).
const HUMAN = '\n\nHuman: ';
const ASSISTANT = '\n\nAssistant: ';

/** "\n\nHuman: a\n\nAssistant: b\n\nHuman: c\n\nAssistant: " → user a, assistant b, user c. */
export function splitHumanAssistant(chat: string, field: string): ChatMessage[] {
  const turns: ChatMessage[] = [];
  const marks = new RegExp(`(${HUMAN}|${ASSISTANT})`);
  const parts = chat.split(marks);
  if (parts[0].trim()) throw new FieldError(field, `expected the text to start with ${JSON.stringify(HUMAN)}`);
  for (let i = 1; i < parts.length; i += 2) turns.push({ role: parts[i] === HUMAN ? 'user' : 'assistant', content: parts[i + 1] });
  if (turns.at(-1)?.role === 'assistant' && turns.at(-1)!.content === '') turns.pop();
  return turns;
}

/** A single user turn stays plain text (as the other formats give it); longer conversations stay messages. */
const promptOf = (turns: ChatMessage[]): string | ChatMessage[] => (turns.length === 1 && turns[0].role === 'user' ? turns[0].content : turns);

function referencePromptAndTarget(o: Json): { prompt: string | ChatMessage[]; target: string } {
  let turns: ChatMessage[];
  let fromMessages = '';
  if (Array.isArray(o.messages)) {
    // UltraChat: the last assistant turn is the target (blanked by the reference's inference when it samples).
    turns = messages(o.messages, 'messages');
    if (turns.at(-1)?.role === 'assistant') fromMessages = turns.pop()!.content;
  } else if (typeof o.instruction === 'string') {
    // HH-RLHF as LLaMA-Factory rows: history pairs, then the instruction (+ input).
    const history = o.history === undefined ? [] : o.history;
    if (!Array.isArray(history)) throw new FieldError('history', 'expected a list of [user, assistant] pairs');
    turns = history.flatMap((pair, i): ChatMessage[] => {
      if (!Array.isArray(pair) || pair.length !== 2 || pair.some((x) => typeof x !== 'string')) throw new FieldError(`history[${i}]`, 'expected a [user, assistant] pair of strings');
      return [{ role: 'user', content: pair[0] }, { role: 'assistant', content: pair[1] }];
    });
    const input = typeof o.input === 'string' && o.input ? `\n\n${o.input}` : '';
    turns.push({ role: 'user', content: o.instruction + input });
    if (typeof o.system === 'string' && o.system) turns.unshift({ role: 'system', content: o.system });
  } else {
    const prompt = str(o, 'prompt');
    turns = prompt.startsWith(HUMAN) ? splitHumanAssistant(prompt, 'prompt') : [{ role: 'user', content: prompt }];
  }
  const answers = Array.isArray(o.answers) ? o.answers : [];
  const firstAnswer = answers.length && typeof answers[0] === 'object' && answers[0] !== null ? (answers[0] as Json).answer : undefined;
  const output = Array.isArray(o.output) ? o.output[0] : o.output;
  // The reference's order: an explicit target, else Nectar's top answer, else the dataset's response.
  const target = [o.target, firstAnswer, fromMessages || undefined, output].find((t) => typeof t === 'string' && t !== '');
  if (typeof target !== 'string') throw new FieldError('target', 'missing: expected target, answers[0].answer, a final assistant message or output');
  if (!turns.length) throw new FieldError('prompt', 'no user turn');
  return { prompt: promptOf(turns), target };
}

export function detectFormat(o: Json): ImportFormat | null {
  if (Array.isArray(o.outputs)) return 'samples';
  if ('messages' in o) return 'chat';
  if ('chosen' in o) return 'preference';
  if ('instruction' in o) return 'alpaca';
  if ('prompt' in o && ('completion' in o || 'response' in o)) return 'prompt-completion';
  return null;
}

function toRow(o: Json, format: ImportFormat, line: number): SftRow {
  switch (format) {
    case 'prompt-completion': {
      // TRL's standard (strings) or conversational (message lists) prompt–completion rows.
      const prompt = typeof o.prompt === 'string' ? o.prompt : messages(o.prompt, 'prompt');
      const target = 'completion' in o ? completionText(o.completion, 'completion') : str(o, 'response');
      return { prompt, target, format, line };
    }
    case 'alpaca': {
      const input = o.input === undefined || o.input === '' ? '' : str(o, 'input');
      return { prompt: input ? `${str(o, 'instruction')}\n\n${input}` : str(o, 'instruction'), target: str(o, 'output'), format, line };
    }
    case 'chat': {
      const turns = messages(o.messages, 'messages');
      const last = turns.length - 1;
      if (last < 1 || turns[last].role !== 'assistant') throw new FieldError('messages', 'expected at least one turn before a final assistant turn');
      return { prompt: turns.slice(0, last), target: turns[last].content, format, line };
    }
    case 'preference': {
      const prompt = typeof o.prompt === 'string' ? o.prompt : messages(o.prompt, 'prompt');
      return { prompt, target: completionText(o.chosen, 'chosen'), format, line };
    }
    case 'samples': {
      if (!Array.isArray(o.outputs)) throw new FieldError('outputs', 'expected a list of sampled responses');
      const bad = o.outputs.findIndex((x) => typeof x !== 'string');
      if (bad >= 0) throw new FieldError(`outputs[${bad}]`, 'expected a string');
      return { ...referencePromptAndTarget(o), samples: o.outputs as string[], format, line };
    }
  }
}

const promptKey = (p: string | ChatMessage[]) => (typeof p === 'string' ? p : JSON.stringify(p));

/** Incremental parser: push text chunks as they arrive, then end(). */
export function createJsonlImporter(formatOverride?: ImportFormat) {
  const rows: SftRow[] = [];
  const errors: ImportError[] = [];
  const seen = new Set<string>();
  let duplicatePrompts = 0;
  let pending = '';
  let lineNo = 0;

  const parseLine = (text: string) => {
    lineNo++;
    const trimmed = text.trim();
    if (!trimmed) return;
    let o: unknown;
    try {
      o = JSON.parse(trimmed);
    } catch (e) {
      errors.push({ line: lineNo, field: '(line)', reason: `not valid JSON: ${e instanceof Error ? e.message : e}` });
      return;
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) {
      errors.push({ line: lineNo, field: '(line)', reason: 'expected a JSON object' });
      return;
    }
    const format = formatOverride ?? detectFormat(o as Json);
    if (!format) {
      errors.push({ line: lineNo, field: '(line)', reason: 'no known format: expected prompt+completion, instruction+output, messages, prompt+chosen, or sampled outputs (prompt/instruction/messages + target + outputs)' });
      return;
    }
    try {
      const row = toRow(o as Json, format, lineNo);
      const key = promptKey(row.prompt);
      if (seen.has(key)) duplicatePrompts++;
      seen.add(key);
      rows.push(row);
    } catch (e) {
      if (e instanceof FieldError) errors.push({ line: lineNo, field: e.field, reason: e.message });
      else throw e;
    }
  };

  return {
    push(chunk: string): void {
      pending += chunk;
      let start = 0;
      let nl: number;
      while ((nl = pending.indexOf('\n', start)) >= 0) {
        parseLine(pending.slice(start, nl));
        start = nl + 1;
      }
      pending = pending.slice(start);
    },
    end(): ImportSummary {
      if (pending) parseLine(pending);
      pending = '';
      return { rows, errors, duplicatePrompts, lines: lineNo };
    },
    /** Lines parsed so far, for progress. */
    get lines(): number {
      return lineNo;
    },
  };
}

export function importJsonl(text: string, formatOverride?: ImportFormat): ImportSummary {
  const importer = createJsonlImporter(formatOverride);
  importer.push(text);
  return importer.end();
}
