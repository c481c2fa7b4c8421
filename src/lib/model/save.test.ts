// A trained model exported as Hugging Face files loads back unchanged, through
// a zip archive as the lab downloads it; a PEFT adapter carries PEFT's names.
import { describe, expect, it } from 'vitest';
import { loadDefaultLm } from '../task/node-lab.testutil';
import { readZip, writeZip } from '../data/zip';
import { loadLm, namedFilesReader } from './load';
import { adapterFiles, modelFiles } from './save';
import { readSafetensors } from './safetensors';
import { defaultLora, initLora } from '../train/lora';

describe('model export', () => {
  it('the default model, perturbed, round-trips through config + safetensors + tokenizer files in a zip', async () => {
    const lm = await loadDefaultLm();
    const trained = new Map([...lm.weights].map(([n, w]) => [n, w.map((x, i) => x + (i % 7) * 1e-3)]));
    const zip = writeZip(modelFiles(lm, trained).map((e) => ({ name: `trained/${e.name}`, data: e.data })));
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
    const files = adapterFiles(lm, initLora(lm.config, lora, 1), lora, 'self-contrast-lab/default-lm');
    const config = JSON.parse(new TextDecoder().decode(files.find((f) => f.name === 'adapter_config.json')!.data));
    expect(config).toMatchObject({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 8, lora_alpha: 16, target_modules: ['q_proj', 'v_proj'] });
    const tensors = readSafetensors(files.find((f) => f.name === 'adapter_model.safetensors')!.data);
    expect(tensors.get('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight')!.shape).toEqual([8, lm.config.hiddenSize]);
    expect(tensors.get('base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight')!.shape).toEqual([lm.config.numKvHeads * lm.config.headDim, 8]);
  });
});
