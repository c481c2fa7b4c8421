// Exports of the filtered preference data in the formats the next tools read:
// TRL pairwise JSONL (M rows per prompt; conversational when the input was
// chat), grouped JSONL (1 chosen vs M rejected), the settings record, and a
// scale-out recipe (vLLM prompts + sampling parameters, a TRL DPOConfig).
import type { ChatMessage } from '../model/tokenizer';
import { negativeText, type FilterResult, type SimilarityTable } from '../contrast/filter';
import { SETTINGS, type LabSettings } from '../settings';

export interface ExportRow {
  prompt: string | ChatMessage[];
  target: string;
  samples: readonly string[];
}

export interface ExportFile {
  name: string;
  mime: string;
  content: string;
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

/** For users who outgrow the browser: the same experiment on vLLM + TRL. */
export function scaleOutRecipe(rows: readonly ExportRow[], s: LabSettings): ExportFile[] {
  const prompts = rows.map((r) => JSON.stringify(typeof r.prompt === 'string' ? { prompt: r.prompt } : { messages: r.prompt })).join('\n') + '\n';
  const sampling = {
    // vllm.SamplingParams
    n: s.samplesPerPrompt, temperature: s.temperature, top_p: s.topP, top_k: s.topK > 0 ? s.topK : -1, max_tokens: s.maxNewTokens, seed: s.seed,
  };
  const dpo = {
    // trl.DPOConfig: the paper's recipe (β 0.1, sigmoid DPO over the M pairs, one epoch); scale the lr to the model.
    beta: s.beta, ...(s.dpoLoss === 'infonca' ? {} : { loss_type: s.dpoLoss }), label_smoothing: s.labelSmoothing, num_train_epochs: s.epochs, learning_rate: 5e-7, lr_scheduler_type: 'cosine', warmup_ratio: 0.1,
    per_device_train_batch_size: 8, gradient_accumulation_steps: Math.max(1, Math.round((128 * s.m) / 8)),
    max_length: 1024, bf16: true, logging_steps: 10, report_to: 'none',
  };
  const method = {
    filter: { rule: s.filterRule, describe: SETTINGS.filterRule.describe, a_percent: s.a, negatives_per_prompt: s.m, seed: s.seed, short_prompts: s.shortPrompts, samples_per_prompt: s.samplesPerPrompt },
    loss: s.dpoLoss === 'infonca'
      ? { lab: 'infonca', trl: null, note: "TRL has no 1-vs-M InfoNCA loss: trl-dpo-config.json leaves loss_type unset (TRL's default, sigmoid DPO over the M pairs); train InfoNCA elsewhere" }
      : { lab: s.dpoLoss, trl: s.dpoLoss },
  };
  return [
    { name: 'self-contrast.json', mime: 'application/json', content: JSON.stringify(method, null, 2) + '\n' },
    { name: 'vllm-prompts.jsonl', mime: 'application/jsonl', content: prompts },
    { name: 'vllm-sampling.json', mime: 'application/json', content: JSON.stringify(sampling, null, 2) + '\n' },
    { name: 'trl-dpo-config.json', mime: 'application/json', content: JSON.stringify(dpo, null, 2) + '\n' },
  ];
}
