// The lab's shipped models and built-in task, loaded on onnxruntime-node for the
// method's scripts and tests: the default LM, the default embedder through
// transformers.js (as the embed worker runs it), and the task's splits (the
// built-in task's JSONL; the graded add-each task's regenerated from its seed).
import { existsSync, readFileSync } from 'node:fs';
import { env, pipeline } from '@huggingface/transformers';
import { loadLm, type LoadedLm } from '../model/load';
import type { EmbedTexts } from '../contrast/pipeline';
import { generateAddEachTask } from './add-each';

export interface TaskRecord {
  prompt: string;
  completion: string;
}

export async function loadDefaultLm(dir = 'models/lm'): Promise<LoadedLm> {
  return loadLm(async (n) => (existsSync(`${dir}/${n}`) ? new Uint8Array(readFileSync(`${dir}/${n}`)) : null));
}

export type TaskName = 'builtin' | 'add-each';

let addEach: ReturnType<typeof generateAddEachTask> | null = null;

export function readSplit(name: 'sft-train' | 'pool' | 'validation' | 'test', task: TaskName = 'builtin'): TaskRecord[] {
  if (task === 'add-each') {
    // The splits build-lm trained its model on (TASK=add-each, seed 1).
    addEach ??= generateAddEachTask(1);
    return addEach[name === 'sft-train' ? 'train' : name];
  }
  if (task !== 'builtin') throw new Error(`task must be builtin or add-each, not ${task}`);
  return readFileSync(`public/builtin/${name}.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TaskRecord);
}

export async function defaultEmbedder(): Promise<EmbedTexts> {
  env.localModelPath = 'models/';
  env.allowRemoteModels = false;
  const extractor = await pipeline('feature-extraction', 'embed', { dtype: 'fp32', device: 'cpu' });
  return async (texts) => {
    let dimensions = 0;
    const parts: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += 64) {
      const t = await extractor(texts.slice(i, i + 64), { pooling: 'mean', normalize: true });
      dimensions = (t.dims as number[])[1];
      parts.push(t.data as Float32Array);
    }
    const vectors = new Float32Array(texts.length * dimensions);
    let at = 0;
    for (const p of parts) {
      vectors.set(p, at);
      at += p.length;
    }
    return { vectors, dimensions };
  };
}
