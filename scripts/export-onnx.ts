// Writes onnx/model.onnx beside a Hugging Face-layout LM folder: our decoder
// graph (full logits, KV cache I/O named as transformers.js expects, weights as
// initializers), so transformers.js loads the same model (used by bench/sample).
//   npx tsx scripts/export-onnx.ts [models/lm]
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLm } from '../src/lib/model/load';
import { buildDecoderGraph } from '../src/lib/model/graphs';

export async function exportForTransformersJs(dir: string): Promise<string> {
  const lm = await loadLm(async (name) => (existsSync(join(dir, name)) ? new Uint8Array(readFileSync(join(dir, name))) : null));
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const path = join(dir, 'onnx', 'model.onnx');
  writeFileSync(path, buildDecoderGraph(lm.config, lm.weights).bytes);
  return path;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(`wrote ${await exportForTransformersJs(process.argv[2] ?? 'models/lm')}`);
