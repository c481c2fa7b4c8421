// How a sentence-embedding model turns token vectors into one vector. The model
// says so itself in sentence-transformers' `1_Pooling/config.json` (UAE-Large-V1,
// the reference's encoder: CLS); models without it get mean pooling, which is
// what the lab's own encoder was trained with. A setting overrides either.

export type Pooling = 'mean' | 'cls' | 'last_token';
export const POOLINGS: readonly Pooling[] = ['mean', 'cls', 'last_token'];
export type PoolingSetting = 'auto' | Pooling;

/** The pooling a sentence-transformers pooling config asks for; null when it names none we run. */
export function poolingFromConfig(json: unknown): Pooling | null {
  if (typeof json !== 'object' || json === null) return null;
  const c = json as Record<string, unknown>;
  if (c.pooling_mode_cls_token === true) return 'cls';
  if (c.pooling_mode_lasttoken === true) return 'last_token';
  if (c.pooling_mode_mean_tokens === true) return 'mean';
  return null;
}

export function resolvePooling(setting: PoolingSetting, fromModel: Pooling | null): { pooling: Pooling; source: 'setting' | 'model' | 'default' } {
  if (setting !== 'auto') return { pooling: setting, source: 'setting' };
  return fromModel ? { pooling: fromModel, source: 'model' } : { pooling: 'mean', source: 'default' };
}
