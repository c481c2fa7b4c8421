// A trained model as the files Hugging Face tools read, as save_pretrained writes
// them: config.json, generation_config.json and model.safetensors (the model),
// tokenizer.json, tokenizer_config.json, special_tokens_map.json and
// chat_template.jinja when the source had one (the tokenizer), and a model card
// with the Hub's YAML front matter; or a PEFT adapter (adapter_model.safetensors +
// adapter_config.json naming its base by Hub id and revision) for a LoRA run.
import type { ZipEntry } from '../data/zip';
import { writeSafetensors } from './safetensors';
import { weightSpecs } from './config';
import type { LoadedLm } from './load';
import { loraParamSpecs, peftAdapterConfig, type LoraConfig } from '../train/lora';

type Source = Pick<LoadedLm, 'config' | 'configJson' | 'tokenizerFiles' | 'generationConfig' | 'eosTokenIds' | 'padTokenId'>;

/** The base model as the Hub names it; null id for a shipped or dropped model (the card says so). */
export interface BaseModel {
  id: string | null;
  revision: string | null;
}

const text = (s: string) => new TextEncoder().encode(s);
const json = (v: unknown) => text(JSON.stringify(v, null, 2) + '\n');

function tokenizerEntries(lm: Source): ZipEntry[] {
  const { tokenizerJson, tokenizerConfig, chatTemplateFile } = lm.tokenizerFiles;
  const special = Object.fromEntries(['bos_token', 'eos_token', 'unk_token', 'pad_token'].filter((k) => tokenizerConfig[k] !== undefined && tokenizerConfig[k] !== null).map((k) => [k, tokenizerConfig[k]]));
  return [
    { name: 'tokenizer.json', data: text(JSON.stringify(tokenizerJson)) },
    { name: 'tokenizer_config.json', data: json(tokenizerConfig) },
    { name: 'special_tokens_map.json', data: json(special) },
    ...(chatTemplateFile !== null ? [{ name: 'chat_template.jinja', data: text(chatTemplateFile) }] : []),
  ];
}

/** generation_config.json: the source's own, else the token ids from_pretrained would put in it. */
function generationConfig(lm: Source): Record<string, unknown> {
  if (lm.generationConfig) return lm.generationConfig;
  const bos = lm.configJson.bos_token_id;
  return { ...(bos !== undefined ? { bos_token_id: bos } : {}), eos_token_id: lm.eosTokenIds.length === 1 ? lm.eosTokenIds[0] : lm.eosTokenIds, pad_token_id: lm.padTokenId };
}

export function modelCard(base: BaseModel, kind: 'model' | 'adapter', details: string): string {
  const front = [
    '---',
    ...(base.id ? [`base_model: ${base.id}`] : []),
    `library_name: ${kind === 'adapter' ? 'peft' : 'transformers'}`,
    'pipeline_tag: text-generation',
    'tags:', '- dpo', '- self-contrast', '- self-contrast-lab',
    '---',
  ];
  const from = base.id ? `[${base.id}](https://huggingface.co/${base.id})${base.revision && base.revision !== 'main' ? ` at revision \`${base.revision}\`` : ''}` : 'a model loaded from files (not a Hub id: set `base_model` above)';
  return `${front.join('\n')}\n\n# ${kind === 'adapter' ? 'LoRA adapter' : 'Model'} trained with Self-Contrast (DPO) in Self-Contrast Lab\n\nBase: ${from}.\n\n${details}\n`;
}

export function modelFiles(lm: Source, weights: Map<string, Float32Array>, base: BaseModel = { id: null, revision: null }, details = ''): ZipEntry[] {
  const tensors = weightSpecs(lm.config).map((s) => {
    const data = weights.get(s.name);
    if (!data) throw new Error(`export: no trained tensor ${s.name}`);
    return { name: s.name, shape: s.shape, data };
  });
  return [
    { name: 'config.json', data: json({ ...lm.configJson, torch_dtype: 'float32' }) },
    { name: 'generation_config.json', data: json(generationConfig(lm)) },
    { name: 'model.safetensors', data: writeSafetensors(tensors, { format: 'pt' }) },
    ...tokenizerEntries(lm),
    { name: 'README.md', data: text(modelCard(base, 'model', details)) },
  ];
}

export function adapterFiles(lm: Source, adapters: Map<string, Float32Array>, lora: LoraConfig, base: BaseModel, details = ''): ZipEntry[] {
  const tensors = loraParamSpecs(lm.config, lora).map((p) => ({ name: p.name, shape: p.shape, data: adapters.get(p.name)! }));
  return [
    { name: 'adapter_config.json', data: json(peftAdapterConfig(lora, base, lm.config)) },
    { name: 'adapter_model.safetensors', data: writeSafetensors(tensors, { format: 'pt' }) },
    ...tokenizerEntries(lm),
    { name: 'README.md', data: text(modelCard(base, 'adapter', details)) },
  ];
}
