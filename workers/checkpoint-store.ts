// DPO checkpoints in the origin-private file system: one safetensors file per
// run. createWritable writes to a swap file that replaces the old one only on
// close, so a crash or a full disk mid-save leaves the previous checkpoint intact.
import { checkpointInfo, checkpointParts, decodeCheckpoint } from '../src/lib/train/checkpoint';
import type { DpoCheckpoint } from '../src/lib/train/dpo-run';
import type { CheckpointSummary } from '../src/protocol';

const FOLDER = 'dpo-checkpoints';
const fileName = (runId: string) => `${runId}.safetensors`;

async function folder(): Promise<FileSystemDirectoryHandle> {
  return (await navigator.storage.getDirectory()).getDirectoryHandle(FOLDER, { create: true });
}

async function headerOf(file: File): Promise<Uint8Array> {
  const length = Number(new DataView(await file.slice(0, 8).arrayBuffer()).getBigUint64(0, true));
  return new Uint8Array(await file.slice(0, 8 + length).arrayBuffer());
}

/** Streams the checkpoint tensor by tensor; on failure the swap file is dropped and the error thrown. */
export async function saveCheckpoint(runId: string, ck: DpoCheckpoint): Promise<void> {
  const dir = await folder();
  const handle = await dir.getFileHandle(fileName(runId), { create: true });
  const writable = await handle.createWritable();
  try {
    for (const part of checkpointParts(ck)) await writable.write(part);
    await writable.close();
  } catch (e) {
    await writable.abort().catch(() => {});
    // A first save leaves no empty file behind for listCheckpoints to trip on.
    if ((await handle.getFile()).size === 0) await dir.removeEntry(fileName(runId));
    throw e;
  }
}

/** Storage full: the page's quota (an incognito window keeps it in memory: 1 GiB fitted in headless Chromium, 1.7 did not) or the disk. */
export const isQuotaError = (e: unknown): boolean => e instanceof DOMException && e.name === 'QuotaExceededError';

export async function loadCheckpoint(runId: string): Promise<DpoCheckpoint | null> {
  try {
    const file = await (await (await folder()).getFileHandle(fileName(runId))).getFile();
    return decodeCheckpoint(new Uint8Array(await file.arrayBuffer()));
  } catch (e) {
    if (e instanceof DOMException && e.name === 'NotFoundError') return null;
    throw e;
  }
}

export async function listCheckpoints(): Promise<CheckpointSummary[]> {
  const out: CheckpointSummary[] = [];
  for await (const [name, handle] of (await folder()).entries()) {
    if (handle.kind !== 'file' || !name.endsWith('.safetensors')) continue;
    const file = await (handle as FileSystemFileHandle).getFile();
    const info = checkpointInfo(await headerOf(file));
    out.push({ runId: name.replace(/\.safetensors$/, ''), label: info.label, step: info.step, totalSteps: info.totalSteps, config: info.config, history: info.history, bytes: file.size, savedAt: file.lastModified });
  }
  return out.sort((a, b) => a.savedAt - b.savedAt);
}

export async function deleteCheckpoint(runId: string): Promise<boolean> {
  try {
    await (await folder()).removeEntry(fileName(runId));
    return true;
  } catch (e) {
    if (e instanceof DOMException && e.name === 'NotFoundError') return false;
    throw e;
  }
}
