// Exports of the filtered preference data in the formats the next tools read:
// TRL pairwise JSONL (M rows per prompt; conversational when the input was
// chat), grouped JSONL (1 chosen vs M rejected; the lab's own format), the
// authors' LLaMA-Factory rows, and the settings record. The scale-out job is scale-out/.
import type { ChatMessage } from '../model/tokenizer';
import { negativeText, type FilterResult, type SimilarityTable } from '../contrast/filter';
import type { LabSettings } from '../settings';

export interface ExportRow {
  prompt: string | ChatMessage[];
  target: string;
  samples: readonly string[];
}

const assistant = (content: string): ChatMessage[] => [{ role: 'assistant', content }];

/** Per prompt: the chosen negative texts, in selection order. */
function negativesOf(rows: readonly ExportRow[], table: SimilarityTable, result: FilterResult): string[][] {
  return rows.map((row, p) => Array.from(result.negatives.subarray(result.negOffsets[p], result.negOffsets[p + 1]), (i) => negativeText(row.samples[i - table.offsets[p]], result.rule)));
}

export function trlPairwise(rows: readonly ExportRow[], table: SimilarityTable, result: FilterResult): string {
  const negatives = negativesOf(rows, table, result);
  const lines: string[] = [];
  rows.forEach((row, p) => {
    const chat = typeof row.prompt !== 'string';
    for (const rejected of negatives[p]) {
      lines.push(JSON.stringify(chat
        ? { prompt: row.prompt, chosen: assistant(row.target), rejected: assistant(rejected) }
        : { prompt: row.prompt, chosen: row.target, rejected }));
    }
  });
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** A prompt as LLaMA-Factory's alpaca columns: system, earlier [user, assistant] pairs, and the last user turn. */
export function alpacaTurns(prompt: string | ChatMessage[]): { system: string; history: [string, string][]; instruction: string } {
  if (typeof prompt === 'string') return { system: '', history: [], instruction: prompt };
  const system = prompt.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
  const turns = prompt.filter((m) => m.role !== 'system');
  if (turns.at(-1)?.role !== 'user') throw new Error('LLaMA-Factory export: a prompt must end with a user turn');
  const history: [string, string][] = [];
  let user: string | null = null;
  for (const m of turns.slice(0, -1)) {
    if (m.role === 'user') {
      if (user !== null) history.push([user, '']);
      user = m.content;
    } else {
      history.push([user ?? '', m.content]);
      user = null;
    }
  }
  if (user !== null) history.push([user, '']);
  return { system, history, instruction: turns.at(-1)!.content };
}

/**
 * The authors' training data (LLaMA-Factory as bundled with THUDM/Self-Contrast):
 * one row per pair, `output: [chosen, rejected]`, multi-turn prompts as history.
 */
export function llamaFactoryPairs(rows: readonly ExportRow[], table: SimilarityTable, result: FilterResult): string {
  const negatives = negativesOf(rows, table, result);
  const lines = rows.flatMap((row, p) => {
    const { system, history, instruction } = alpacaTurns(row.prompt);
    return negatives[p].map((rejected) => JSON.stringify({ instruction, input: '', output: [row.target, rejected], system, history }));
  });
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** The matching `dataset_info.json` entry (a ranking dataset with the alpaca column map). */
export function llamaFactoryDatasetInfo(name: string, fileName: string): string {
  const entry = { file_name: fileName, columns: { prompt: 'instruction', query: 'input', response: 'output', system: 'system', history: 'history' }, ranking: true };
  return JSON.stringify({ [name]: entry }, null, 2) + '\n';
}

export interface PreferenceRecord {
  prompt: string | ChatMessage[];
  chosen: string;
  rejected: string[];
}

/** 1 chosen (the SFT target) vs its M negatives, for every prompt that kept any: what DPO trains on. */
export function preferenceRecords(rows: readonly ExportRow[], table: SimilarityTable, result: FilterResult): PreferenceRecord[] {
  const negatives = negativesOf(rows, table, result);
  return rows.flatMap((row, p) => (negatives[p].length ? [{ prompt: row.prompt, chosen: row.target, rejected: negatives[p] }] : []));
}

export function groupedJsonl(rows: readonly ExportRow[], table: SimilarityTable, result: FilterResult): string {
  const lines = preferenceRecords(rows, table, result).map((r) => JSON.stringify(r));
  return lines.length ? lines.join('\n') + '\n' : '';
}

export interface ExportCounts {
  prompts: number;
  promptsKept: number;
  pairs: number;
  shortPrompts: number;
}

export function settingsRecord(settings: LabSettings, counts: ExportCounts, created = new Date()): string {
  return JSON.stringify({ tool: 'self-contrast-lab', created: created.toISOString(), settings, counts }, null, 2) + '\n';
}
