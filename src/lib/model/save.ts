// A trained model as the files Hugging Face tools read: model.safetensors with
// the checkpoint's own tensor names, config.json and the tokenizer files (what
// from_pretrained needs), or a PEFT adapter (adapter_model.safetensors +
// adapter_config.json) for a LoRA run.
import type { ZipEntry } from '../data/zip';
import { writeSafetensors } from './safetensors';
import { weightSpecs } from './config';
import type { LoadedLm } from './load';
import { loraParamSpecs, peftAdapterConfig, type LoraConfig } from '../train/lora';

type Source = Pick<LoadedLm, 'config' | 'configJson' | 'tokenizerFiles'>;

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v, null, 2) + '\n');

function tokenizerEntries(lm: Source): ZipEntry[] {
  return [
    { name: 'tokenizer.json', data: new TextEncoder().encode(JSON.stringify(lm.tokenizerFiles.tokenizerJson)) },
    { name: 'tokenizer_config.json', data: json(lm.tokenizerFiles.tokenizerConfig) },
  ];
}

export function modelFiles(lm: Source, weights: Map<string, Float32Array>): ZipEntry[] {
  const tensors = weightSpecs(lm.config).map((s) => {
    const data = weights.get(s.name);
    if (!data) throw new Error(`export: no trained tensor ${s.name}`);
    return { name: s.name, shape: s.shape, data };
  });
  return [
    { name: 'config.json', data: json({ ...lm.configJson, torch_dtype: 'float32' }) },
    { name: 'model.safetensors', data: writeSafetensors(tensors, { format: 'pt' }) },
    ...tokenizerEntries(lm),
  ];
}

export function adapterFiles(lm: Source, adapters: Map<string, Float32Array>, lora: LoraConfig, baseModel: string): ZipEntry[] {
  const tensors = loraParamSpecs(lm.config, lora).map((p) => ({ name: p.name, shape: p.shape, data: adapters.get(p.name)! }));
  return [
    { name: 'adapter_config.json', data: json(peftAdapterConfig(lora, baseModel, lm.config)) },
    { name: 'adapter_model.safetensors', data: writeSafetensors(tensors, { format: 'pt' }) },
    ...tokenizerEntries(lm),
  ];
}
