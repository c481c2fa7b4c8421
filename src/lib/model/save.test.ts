// A trained model exported as Hugging Face files loads back unchanged, through
// a zip archive as the lab downloads it; a PEFT adapter carries PEFT's names.
import { describe, expect, it } from 'vitest';
import { loadDefaultLm } from '../task/node-lab.testutil';
import { readZip, zipBlob } from '../data/zip';
import { loadLm, namedFilesReader } from './load';
import { adapterFiles, modelFiles } from './save';
import { readSafetensors } from './safetensors';
import { defaultLora, initLora, mergeLora } from '../train/lora';
import { existsSync, readFileSync } from 'node:fs';
import { hubIdOfLabel } from './hub';

describe('model export', () => {
  it('the default model, perturbed, round-trips through config + safetensors + tokenizer files in a zip', async () => {
    const lm = await loadDefaultLm();
    const trained = new Map([...lm.weights].map(([n, w]) => [n, w.map((x, i) => x + (i % 7) * 1e-3)]));
    const zip = new Uint8Array(await zipBlob(modelFiles(lm, trained).map((e) => ({ name: `trained/${e.name}`, data: e.data }))).arrayBuffer());
    const entries = await readZip(zip);
    const back = await loadLm(namedFilesReader(entries.map((e) => ({ name: e.name, read: async () => e.data }))));
    expect(back.configJson.model_type).toBe('llama');
    expect([...back.weights.keys()]).toEqual([...trained.keys()]);
    for (const [n, w] of trained) expect(Buffer.from(back.weights.get(n)!.buffer).equals(Buffer.from(w.buffer)), n).toBe(true);
    expect(back.tokenizer.encode('Ben has 3 books.')).toEqual(lm.tokenizer.encode('Ben has 3 books.'));
    // Tied embeddings: like transformers' save_pretrained, no lm_head.weight.
    const names = [...readSafetensors(entries.find((e) => e.name.endsWith('model.safetensors'))!.data).keys()];
    expect(names).not.toContain('lm_head.weight');
    expect(names).toContain('model.layers.3.mlp.down_proj.weight');
  });

  it('a LoRA adapter in PEFT layout', async () => {
    const lm = await loadDefaultLm();
    const lora = defaultLora(lm.config);
    const files = adapterFiles(lm, initLora(lm.config, lora, 1), lora, { id: null, revision: null });
    const config = JSON.parse(new TextDecoder().decode(files.find((f) => f.name === 'adapter_config.json')!.data));
    expect(config).toMatchObject({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 8, lora_alpha: 16, target_modules: ['q_proj', 'v_proj'], base_model_name_or_path: null });
    const tensors = readSafetensors(files.find((f) => f.name === 'adapter_model.safetensors')!.data);
    expect(tensors.get('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight')!.shape).toEqual([8, lm.config.hiddenSize]);
    expect(tensors.get('base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight')!.shape).toEqual([lm.config.numKvHeads * lm.config.headDim, 8]);
  });
});

describe('exports other tools read', () => {
  it('the merged export holds every file save_pretrained writes, a model card with Hub front matter, and the chat template file', async () => {
    const lm = await loadDefaultLm();
    const template = "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}<|assistant|>";
    const withTemplate = { ...lm, tokenizerFiles: { ...lm.tokenizerFiles, chatTemplateFile: template } };
    const files = modelFiles(withTemplate, lm.weights, { id: 'HuggingFaceTB/SmolLM2-135M-Instruct', revision: 'main' }, 'Trained in a test.');
    expect(files.map((f) => f.name).sort()).toEqual(['README.md', 'chat_template.jinja', 'config.json', 'generation_config.json', 'model.safetensors', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
    const read = (n: string) => new TextDecoder().decode(files.find((f) => f.name === n)!.data);
    expect(read('README.md')).toMatch(/^---\nbase_model: HuggingFaceTB\/SmolLM2-135M-Instruct\nlibrary_name: transformers\n/);
    expect(JSON.parse(read('generation_config.json')).eos_token_id).toBeDefined();
    // Loading the export back reads the template from chat_template.jinja, as transformers does.
    const back = await loadLm(namedFilesReader(files.map((f) => ({ name: f.name, read: async () => f.data }))));
    expect(back.tokenizer.hasChatTemplate).toBe(true);
    expect(back.tokenizer.chatPrompt([{ role: 'user', content: 'Hi' }])).toBe('<|user|>Hi\n<|assistant|>');
  });

  it('an adapter names its base by Hub id and revision, and that base (resolved the way PEFT does) plus the adapter is the trained model', async () => {
    const id = 'lab-tiny/llama-sharded';
    const base = hubIdOfLabel(`http://127.0.0.1:4180/${id}@main`)!;
    const dir = `e2e/hub-fixtures/${id}`;
    const lm = await loadLm(async (n) => (existsSync(`${dir}/${n}`) ? new Uint8Array(readFileSync(`${dir}/${n}`)) : null));
    const lora = { ...defaultLora(lm.config), r: 4 };
    const adapters = new Map([...initLora(lm.config, lora, 3)].map(([n, w]) => [n, n.includes('lora_B') ? w.map((_, i) => Math.sin(i) * 0.01) : w]));
    const files = adapterFiles(lm, adapters, lora, base);
    // PEFT: read adapter_config.json, load base_model_name_or_path at revision, then the adapter's tensors by their names.
    const config = JSON.parse(new TextDecoder().decode(files.find((f) => f.name === 'adapter_config.json')!.data));
    expect(config).toMatchObject({ base_model_name_or_path: id, revision: 'main' });
    const hubDir = `e2e/hub-fixtures/${config.base_model_name_or_path}`;
    const resolved = await loadLm(async (n) => (existsSync(`${hubDir}/${n}`) ? new Uint8Array(readFileSync(`${hubDir}/${n}`)) : null));
    const tensors = readSafetensors(files.find((f) => f.name === 'adapter_model.safetensors')!.data);
    const loaded = new Map([...tensors].map(([n, t]) => [n, t.data as Float32Array]));
    const merged = mergeLora(resolved.weights, loaded, resolved.config, { r: config.r, lora_alpha: config.lora_alpha, target_modules: config.target_modules });
    const expected = mergeLora(lm.weights, adapters, lm.config, lora);
    for (const [n, w] of expected) expect(Math.max(...w.map((x, i) => Math.abs(x - merged.get(n)![i]))), n).toBeLessThan(1e-7);
  });
});
