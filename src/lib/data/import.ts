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
  const turns = messages(v, field);
  const last = turns[turns.length - 1];
  if (!last || last.role !== 'assistant') throw new FieldError(field, 'expected the last message to be the assistant turn');
  return last.content;
}

export function detectFormat(o: Json): ImportFormat | null {
  if (Array.isArray(o.outputs) && 'target' in o) return 'samples';
  if ('messages' in o) return 'chat';
  if ('chosen' in o) return 'preference';
  if ('instruction' in o) return 'alpaca';
  if ('prompt' in o && ('completion' in o || 'response' in o)) return 'prompt-completion';
  return null;
}

function toRow(o: Json, format: ImportFormat, line: number): SftRow {
  switch (format) {
    case 'prompt-completion':
      return { prompt: str(o, 'prompt'), target: 'completion' in o ? str(o, 'completion') : str(o, 'response'), format, line };
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
      const outputs = o.outputs as unknown[];
      const bad = outputs.findIndex((x) => typeof x !== 'string');
      if (bad >= 0) throw new FieldError(`outputs[${bad}]`, 'expected a string');
      return { prompt: str(o, 'prompt'), target: str(o, 'target'), samples: outputs as string[], format, line };
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
      errors.push({ line: lineNo, field: '(line)', reason: 'no known format: expected prompt+completion, instruction+output, messages, prompt+chosen, or prompt+target+outputs' });
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
