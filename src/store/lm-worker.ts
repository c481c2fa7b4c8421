import { LmClient } from '../worker-client';

let client: LmClient | null = null;

/** The one LM worker of the page, started on first use. */
export function lmClient(): LmClient {
  client ??= new LmClient(new Worker(new URL('../../workers/lm.worker.ts', import.meta.url), { type: 'module', name: 'lm' }));
  return client;
}
