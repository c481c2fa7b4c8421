// Loads a causal LM from Hugging Face-layout files (config.json, tokenizer.json,
// tokenizer_config.json, model.safetensors or shards), wherever they come from:
// the shipped default, a Hub mirror, or a dropped folder.
import { parseConfig, type LmConfig } from './config';
import { readCheckpoint, weightsForConfig } from './safetensors';
import { LmTokenizer } from './tokenizer';

export interface LoadedLm {
  config: LmConfig;
  /** config.json as read, for export. */
  configJson: Record<string, unknown>;
  /** As read, for export; the chat template from chat_template.jinja (newer repos) or tokenizer_config.json. */
  tokenizerFiles: { tokenizerJson: Record<string, unknown>; tokenizerConfig: Record<string, unknown>; chatTemplateFile: string | null };
  /** generation_config.json as read, or null. */
  generationConfig: Record<string, unknown> | null;
  tokenizer: LmTokenizer;
  weights: Map<string, Float32Array>;
  /** EOS ids from config.json, generation_config.json and the tokenizer, merged. */
  eosTokenIds: number[];
  padTokenId: number;
}

/** Reads one file by name; null when the source has no such file. */
export type FileReader = (name: string) => Promise<Uint8Array | null>;

export interface NamedFile {
  /** The path as dropped or archived ("my-model/config.json"); folders are ignored when matching. */
  name: string;
  read: () => Promise<Uint8Array>;
}

/** Reads model files from a dropped folder or an archive's entries, matching by file name. */
export function namedFilesReader(files: readonly NamedFile[]): FileReader {
  const byName = new Map<string, NamedFile>();
  // Shallowest first, so a stray copy deeper in the folder does not win.
  for (const f of [...files].sort((a, b) => a.name.split('/').length - b.name.split('/').length)) {
    const base = f.name.split('/').pop()!;
    if (!byName.has(base)) byName.set(base, f);
  }
  return async (name) => (byName.has(name) ? byName.get(name)!.read() : null);
}

async function json(read: FileReader, name: string, required: boolean): Promise<Record<string, unknown> | null> {
  const bytes = await read(name);
  if (!bytes) {
    if (required) throw new Error(`model files: ${name} is missing`);
    return null;
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new Error(`model files: ${name} is not valid JSON (${e instanceof Error ? e.message : e})`, { cause: e });
  }
}

export async function loadLm(read: FileReader): Promise<LoadedLm> {
  const configJson = (await json(read, 'config.json', true))!;
  const config = parseConfig(configJson);
  const tokenizerJson = (await json(read, 'tokenizer.json', true))!;
  const tokenizerConfig = (await json(read, 'tokenizer_config.json', false)) ?? {};
  const generation = await json(read, 'generation_config.json', false);
  // Newer Hub repositories keep the chat template in its own file; it wins over tokenizer_config.json's, as in transformers.
  const templateBytes = await read('chat_template.jinja');
  const chatTemplateFile = templateBytes ? new TextDecoder().decode(templateBytes) : null;
  const tokenizer = LmTokenizer.fromJson(tokenizerJson, chatTemplateFile ? { ...tokenizerConfig, chat_template: chatTemplateFile } : tokenizerConfig);
  const weights = weightsForConfig(config, await readCheckpoint(read));
  const eos = new Set<number>(config.eosTokenIds);
  const genEos = generation?.eos_token_id;
  for (const id of Array.isArray(genEos) ? genEos : genEos !== undefined ? [genEos] : []) if (typeof id === 'number') eos.add(id);
  if (tokenizer.eosTokenId !== null) eos.add(tokenizer.eosTokenId);
  const padTokenId = config.padTokenId ?? tokenizer.padTokenId ?? [...eos][0] ?? 0;
  return { config, configJson, tokenizerFiles: { tokenizerJson, tokenizerConfig, chatTemplateFile }, generationConfig: generation, tokenizer, weights, eosTokenIds: [...eos], padTokenId };
}
