import { describe, expect, it } from 'vitest';
import { cachePath, hubFileUrl, parseRepoId, weightFiles } from './hub';
import { estimateMemory, wasmRefusal, webGpuRefusal } from './memory';
import { parseConfig, weightSpecs } from './config';
import { TINY_CONFIGS } from './random-init';
import { defaultLora, loraParamSpecs } from '../train/lora';

describe('Hub layout', () => {
  it('builds resolve URLs for any host and revision', () => {
    const r = parseRepoId('HuggingFaceTB/SmolLM2-135M-Instruct@v1.0', 'https://hf-mirror.example/');
    expect(r).toEqual({ host: 'https://hf-mirror.example', repo: 'HuggingFaceTB/SmolLM2-135M-Instruct', revision: 'v1.0' });
    expect(hubFileUrl(r, 'model.safetensors')).toBe('https://hf-mirror.example/HuggingFaceTB/SmolLM2-135M-Instruct/resolve/v1.0/model.safetensors');
    expect(parseRepoId('openai-community/gpt2', 'http://127.0.0.1:4180').revision).toBe('main');
    expect(cachePath(r, 'onnx/model.onnx')).toEqual(['hub-v1', 'hf-mirror.example', 'HuggingFaceTB', 'SmolLM2-135M-Instruct', 'v1.0', 'onnx', 'model.onnx']);
  });

  it('names what is wrong with an id or a host', () => {
    expect(() => parseRepoId('gpt2', 'https://huggingface.co')).toThrow('"gpt2" is not a Hub model id');
    expect(() => parseRepoId('a/b/c', 'https://huggingface.co')).toThrow('is not a Hub model id');
    expect(() => parseRepoId('../etc/passwd', 'https://huggingface.co')).toThrow('is not a Hub model id');
    expect(() => parseRepoId('org/name', 'ftp://x')).toThrow('must be http(s)');
  });

  it('reads the shard list from the index', () => {
    const index = new TextEncoder().encode(JSON.stringify({ weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors', c: 'model-00001-of-00002.safetensors' } }));
    expect(weightFiles(index)).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    expect(weightFiles(null)).toEqual(['model.safetensors']);
  });
});

describe('memory estimate', () => {
  const cfg = parseConfig(TINY_CONFIGS.llama);
  const est = estimateMemory(cfg, { rows: 4, length: 16, sampleRows: 2, sampleContext: 32, lora: defaultLora(cfg) });
  const params = weightSpecs(cfg).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);

  it('counts the weights exactly and orders the workloads', () => {
    expect(est.parameters).toBe(params);
    expect(est.weightBytes).toBe(4 * params);
    expect(est.largestTensor.name).toMatch(/embed_tokens|lm_head|mlp/);
    expect(est.fullTrainingBytes).toBeGreaterThan(5 * est.weightBytes);
    expect(est.loraTrainingBytes).toBeLessThan(est.fullTrainingBytes);
  });

  it("counts WASM's copy of a run's inputs: the trained state (full; the tiny model trains fused, moments in), the frozen weights and adapters (LoRA)", () => {
    // Besides the state: ids, mask and positions (int64), the loss mask, and the step's few scalars.
    const batch = 4 * 16 * (3 * 8 + 4) + 64;
    const adapters = loraParamSpecs(cfg, defaultLora(cfg)).reduce((a, s) => a + 4 * s.shape.reduce((x, y) => x * y, 1), 0);
    expect(est.wasmInputCopyBytes.full).toBeGreaterThanOrEqual(3 * est.weightBytes);
    expect(est.wasmInputCopyBytes.full).toBeLessThanOrEqual(3 * est.weightBytes + batch);
    expect(est.wasmInputCopyBytes.lora).toBeGreaterThanOrEqual(est.weightBytes + 3 * adapters);
    expect(est.wasmInputCopyBytes.lora).toBeLessThanOrEqual(est.weightBytes + 3 * adapters + batch);
  });

  it('refuses by name when a buffer exceeds the adapter limit', () => {
    expect(webGpuRefusal(est, { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 27 }, 'full')).toBeNull();
    expect(webGpuRefusal(est, { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 64 }, 'sample')).toMatch(/needs one .* buffer; this WebGPU adapter binds at most/);
  });

  it("refuses WASM beyond wasm32's 4 GiB, suggesting LoRA for full fine-tuning", () => {
    expect(wasmRefusal(est, 'full')).toBeNull();
    const big = { ...est, fullTrainingBytes: 5 * 2 ** 30 };
    expect(wasmRefusal(big, 'full')).toMatch(/needs about 5\.0 GiB; WebAssembly memory stops at 4 GiB\. Use LoRA/);
  });
});
