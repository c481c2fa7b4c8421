// Memory estimates (src/lib/model/memory.ts) against what the lab's graphs really
// hold, for the Hub fixtures; then the estimates for two real models, full
// fine-tuning vs LoRA, against a typical WebGPU adapter's binding limit.
// Run: npx tsx scripts/memory-report.ts
import { existsSync, readFileSync } from 'node:fs';
import { loadLm } from '../src/lib/model/load';
import { parseConfig } from '../src/lib/model/config';
import { buildDecoderGraph } from '../src/lib/model/graphs';
import { estimateMemory, webGpuRefusal } from '../src/lib/model/memory';
import { defaultLora } from '../src/lib/train/lora';

const workload = { rows: 9, length: 256, sampleRows: 32, sampleContext: 512 };
const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;

console.log('Hub fixtures: estimate vs real (float32)');
console.log('| fixture | parameters | weights: estimate | weights: loaded tensors | largest tensor | sampling graph weights: estimate | real (ONNX initializers) |');
console.log('|---|---|---|---|---|---|---|');
for (const name of ['llama-sharded', 'qwen2-bf16', 'gpt2']) {
  const dir = `e2e/hub-fixtures/lab-tiny/${name}`;
  const lm = await loadLm(async (f) => (existsSync(`${dir}/${f}`) ? new Uint8Array(readFileSync(`${dir}/${f}`)) : null));
  const est = estimateMemory(lm.config, { ...workload, lora: defaultLora(lm.config) });
  const loaded = [...lm.weights.values()].reduce((a, w) => a + w.byteLength, 0);
  const largest = Math.max(...[...lm.weights.values()].map((w) => w.byteLength));
  const graph = buildDecoderGraph(lm.config, lm.weights, { lastTokenOnly: true }).bytes.byteLength;
  console.log(`| ${name} | ${est.parameters} | ${mib(est.weightBytes)} | ${mib(loaded)} | ${mib(est.largestTensor.bytes)} (real ${mib(largest)}) | ${mib(est.samplingGraphBytes)} | ${mib(graph)} |`);
}

// Public config.json values of the two models users ask for first.
const real = {
  'HuggingFaceTB/SmolLM2-135M-Instruct': { model_type: 'llama', vocab_size: 49152, hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30, num_attention_heads: 9, num_key_value_heads: 3, max_position_embeddings: 8192, rms_norm_eps: 1e-5, rope_theta: 100000, tie_word_embeddings: true, hidden_act: 'silu' },
  'Qwen/Qwen2.5-0.5B-Instruct': { model_type: 'qwen2', vocab_size: 151936, hidden_size: 896, intermediate_size: 4864, num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2, max_position_embeddings: 32768, rms_norm_eps: 1e-6, rope_theta: 1000000, tie_word_embeddings: true, hidden_act: 'silu' },
};
const limits = { maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27 }; // WebGPU's default limits (256 MiB, 128 MiB)
console.log(`\nReal models (estimates; ${workload.rows} sequences × ${workload.length} tokens per pass, sampling ${workload.sampleRows} × ${workload.sampleContext} tokens; WebGPU default limits: buffer 256 MiB, binding 128 MiB)`);
console.log('| model | parameters | weights | sampling | full DPO | LoRA (PEFT default targets, r = 8) | largest tensor | WebGPU with default limits |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [id, json] of Object.entries(real)) {
  const cfg = parseConfig(json);
  const est = estimateMemory(cfg, { ...workload, lora: defaultLora(cfg) });
  const refusal = webGpuRefusal(est, limits, 'full') ?? 'fits';
  console.log(`| ${id} | ${(est.parameters / 1e6).toFixed(1)} M | ${mib(est.weightBytes)} | ${mib(est.inferenceBytes)} | ${mib(est.fullTrainingBytes)} | ${mib(est.loraTrainingBytes)} | ${est.largestTensor.name} ${mib(est.largestTensor.bytes)} | ${refusal} |`);
}
