import { WorkerClient, type EmbedClient, type ImportClient, type LmClient } from '../worker-client';

let lm: LmClient | null = null;
let embedder: EmbedClient | null = null;
let importer: ImportClient | null = null;

/** The one LM worker of the page, started on first use. */
export function lmClient(): LmClient {
  lm ??= new WorkerClient(new Worker(new URL('../../workers/lm.worker.ts', import.meta.url), { type: 'module', name: 'lm' }));
  return lm;
}

/** The one embedding worker of the page, started on first use. */
export function embedClient(): EmbedClient {
  embedder ??= new WorkerClient(new Worker(new URL('../../workers/embed.worker.ts', import.meta.url), { type: 'module', name: 'embed' }));
  return embedder;
}

/** The JSONL import worker, started on first use. */
export function importClient(): ImportClient {
  importer ??= new WorkerClient(new Worker(new URL('../../workers/import.worker.ts', import.meta.url), { type: 'module', name: 'import' }));
  return importer;
}

/**
 * A fresh LM or embedding worker. After a lost WebGPU device the old one cannot
 * run anything again (its stalled WebGPU run holds ORT's wasm module), so WASM
 * continues in a new worker.
 */
export function restartWorker(which: 'lm' | 'embed'): void {
  if (which === 'lm') {
    lm?.terminate();
    lm = null;
  } else {
    embedder?.terminate();
    embedder = null;
  }
}
