// The Hugging Face Hub's URL layout, for any host that serves it (the Hub, a
// mirror, a self-hosted server, the tests' fixture server): a model repository
// "org/name" at a revision, and which files a causal LM needs from it.

export const DEFAULT_HUB_HOST = 'https://huggingface.co';

export interface HubRepo {
  host: string;
  repo: string;
  revision: string;
}

const REPO_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** "org/name" or "org/name@revision"; anything else is named as the error. */
export function parseRepoId(id: string, host: string): HubRepo {
  const [repo, revision = 'main', extra] = id.trim().split('@');
  if (extra !== undefined || !REPO_ID.test(repo) || repo.includes('..')) {
    throw new Error(`"${id}" is not a Hub model id: expected org/name (for example HuggingFaceTB/SmolLM2-135M-Instruct), optionally @revision`);
  }
  if (!/^[A-Za-z0-9._/-]+$/.test(revision)) throw new Error(`"${revision}" is not a valid revision`);
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw new Error(`Hub address "${host}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`Hub address "${host}" must be http(s)`);
  return { host: url.href.replace(/\/$/, ''), repo, revision };
}

export function hubFileUrl(r: HubRepo, file: string): string {
  return `${r.host}/${r.repo}/resolve/${encodeURIComponent(r.revision)}/${file}`;
}

/** Files a causal LM is read from, besides its weights. */
export const LM_METADATA_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'chat_template.jinja'] as const;
export const REQUIRED_FILES = new Set(['config.json', 'tokenizer.json']);

/** The weight files named by model.safetensors.index.json, or the single model.safetensors. */
export function weightFiles(indexJson: Uint8Array | null): string[] {
  if (!indexJson) return ['model.safetensors'];
  const index = JSON.parse(new TextDecoder().decode(indexJson)) as { weight_map?: Record<string, string> };
  if (!index.weight_map) throw new Error('model.safetensors.index.json: missing weight_map');
  return [...new Set(Object.values(index.weight_map))];
}

/** The top folder of downloaded LM files in the origin-private file system (its name carries the layout version). */
export const HUB_CACHE_ROOT = 'hub-v1';

/** Where a downloaded file is cached: by host, repository and revision, under a layout version. */
export function cachePath(r: HubRepo, file: string): string[] {
  const host = new URL(r.host).host.replace(/[^A-Za-z0-9.-]/g, '_');
  return [HUB_CACHE_ROOT, host, ...r.repo.split('/'), r.revision.replace(/\//g, '~'), ...file.split('/')];
}

/** "org/name" and revision from the lab's label of a Hub model ("https://host/org/name@rev"); null for a shipped or dropped model. */
export function hubIdOfLabel(label: string): { id: string; revision: string } | null {
  const m = label.match(/^https?:\/\/[^/]+\/([^/@\s]+\/[^/@\s]+)@(\S+)$/);
  return m ? { id: m[1], revision: m[2] } : null;
}
