// DPO checkpoints in the origin-private file system: one safetensors file per
// run. createWritable writes to a swap file that replaces the old one only on
// close, so a crash mid-save leaves the previous checkpoint intact.
import { checkpointInfo, decodeCheckpoint, encodeCheckpoint } from '../src/lib/train/checkpoint';
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

export async function saveCheckpoint(runId: string, ck: DpoCheckpoint): Promise<void> {
  const handle = await (await folder()).getFileHandle(fileName(runId), { create: true });
  const writable = await handle.createWritable();
  await writable.write(encodeCheckpoint(ck) as Uint8Array<ArrayBuffer>);
  await writable.close();
}

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
