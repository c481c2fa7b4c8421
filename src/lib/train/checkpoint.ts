// A DPO checkpoint as one safetensors file: every trained tensor and its AdamW
// moments by name, and the run's step, DpoConfig, data fingerprint and metric
// history in the header's __metadata__ (strings only, so JSON-encoded).
import { parseHeader, readSafetensors, safetensorsParts, writeSafetensors } from '../model/safetensors';
import type { DpoCheckpoint } from './dpo-run';
import { storedDpoConfig, type StoredDpoConfig } from './dpo-config';

const META_KEY = 'self_contrast_lab.dpo';

const asSafetensors = (ck: DpoCheckpoint) => {
  const { state, ...meta } = ck;
  const tensors = Object.entries(state).map(([name, t]) => ({ name, shape: t.dims, data: t.data }));
  return [tensors, { format: 'pt', [META_KEY]: JSON.stringify(meta) }] as const;
};

export const encodeCheckpoint = (ck: DpoCheckpoint): Uint8Array => writeSafetensors(...asSafetensors(ck));

/** encodeCheckpoint's bytes in pieces (views of the state), for a stream: a full 135M state is 1.5 GiB, not copied once more. */
export const checkpointParts = (ck: DpoCheckpoint): Uint8Array<ArrayBuffer>[] => safetensorsParts(...asSafetensors(ck));

/** The run description without the tensors: reads only the header. */
export function checkpointInfo(headerBytes: Uint8Array): Omit<DpoCheckpoint, 'state'> {
  const { metadata } = parseHeader(headerBytes, { headerOnly: true });
  const meta = metadata[META_KEY];
  if (!meta) throw new Error('checkpoint: not a Self-Contrast Lab DPO checkpoint (no run metadata)');
  // Checkpoints written before the config took TRL's names hold it as `settings`.
  const { config, settings, ...info } = JSON.parse(meta) as Omit<DpoCheckpoint, 'state' | 'config'> & Partial<Record<'config' | 'settings', StoredDpoConfig>>;
  const stored = config ?? settings;
  if (!stored) throw new Error('checkpoint: the run metadata has no DPO config');
  return { ...info, config: storedDpoConfig(stored) };
}

export function decodeCheckpoint(bytes: Uint8Array): DpoCheckpoint {
  const info = checkpointInfo(bytes);
  const state: DpoCheckpoint['state'] = {};
  for (const [name, t] of readSafetensors(bytes)) state[name] = { data: t.data, dims: t.shape };
  return { ...info, state };
}
