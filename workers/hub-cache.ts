// Model files from a Hub host, cached in the origin-private file system under
// hub-v1/<host>/<org>/<name>/<revision>/. A download streams into "<file>.part";
// an interrupted one resumes with an HTTP Range request; only a complete file
// (its length checked against the server's) is renamed into the cache.
import type { FileReader } from '../src/lib/model/load';
import { cachePath, hubFileUrl, type HubRepo } from '../src/lib/model/hub';

export type DownloadProgress = { file: string; loaded: number; total: number | null };

async function directory(parts: string[]): Promise<FileSystemDirectoryHandle> {
  let dir = await navigator.storage.getDirectory();
  for (const p of parts) dir = await dir.getDirectoryHandle(p, { create: true });
  return dir;
}

async function fileIn(dir: FileSystemDirectoryHandle, name: string): Promise<File | null> {
  try {
    return await (await dir.getFileHandle(name)).getFile();
  } catch (e) {
    if (e instanceof DOMException && (e.name === 'NotFoundError' || e.name === 'TypeMismatchError')) return null;
    throw e;
  }
}

/** Bytes already cached for a file (complete), or null. */
export async function cachedFile(r: HubRepo, file: string): Promise<File | null> {
  const path = cachePath(r, file);
  return fileIn(await directory(path.slice(0, -1)), path.at(-1)!);
}

/** The file's size as the host reports it, without downloading it (null when the host does not say; undefined when absent). */
export async function remoteSize(r: HubRepo, file: string): Promise<number | null | undefined> {
  const response = await fetch(hubFileUrl(r, file), { method: 'HEAD' });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`${hubFileUrl(r, file)}: HTTP ${response.status}`);
  // The Hub answers LFS files with a redirect to its CDN; fetch follows it. X-Linked-Size is the Hub's own header.
  const size = Number(response.headers.get('X-Linked-Size') ?? response.headers.get('Content-Length'));
  return Number.isFinite(size) && size > 0 ? size : null;
}

async function download(r: HubRepo, file: string, onProgress: (p: DownloadProgress) => void): Promise<Uint8Array | null> {
  const path = cachePath(r, file);
  const dir = await directory(path.slice(0, -1));
  const name = path.at(-1)!;
  const partName = `${name}.part`;
  const partial = await fileIn(dir, partName);
  const have = partial?.size ?? 0;
  const url = hubFileUrl(r, file);
  const response = await fetch(url, have > 0 ? { headers: { Range: `bytes=${have}-` } } : {});
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const resumed = response.status === 206;
  const start = resumed ? have : 0;
  const range = response.headers.get('Content-Range')?.match(/\/(\d+)$/);
  const length = Number(response.headers.get('Content-Length'));
  const total = range ? Number(range[1]) : Number.isFinite(length) && length > 0 ? start + length : null;
  const handle = await dir.getFileHandle(partName, { create: true });
  const writable = await handle.createWritable({ keepExistingData: resumed });
  if (resumed) await writable.seek(start);
  let loaded = start;
  let dropped = false;
  try {
    const reader = response.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await writable.write(value);
      loaded += value.length;
      onProgress({ file, loaded, total });
    }
  } catch (e) {
    // A dropped connection surfaces as a TypeError from read(); what arrived is kept.
    if (!(e instanceof TypeError)) throw e;
    dropped = true;
  } finally {
    // Keep what arrived: the next attempt asks only for the rest.
    await writable.close();
  }
  if (dropped || (total !== null && loaded !== total)) {
    throw new Error(`${url}: received ${loaded} of ${total ?? '?'} bytes (truncated download); loading again resumes from byte ${loaded}`);
  }
  // Renamed in place, not read back and written again: a model-sized file is in memory once, for the parse.
  await (handle as FileSystemFileHandle & { move(name: string): Promise<void> }).move(name);
  return new Uint8Array(await (await handle.getFile()).arrayBuffer());
}

/** Reads files of a Hub repository through the cache, downloading what is missing. */
export function hubReader(r: HubRepo, onProgress: (p: DownloadProgress) => void): FileReader {
  return async (file) => {
    const cached = await cachedFile(r, file);
    if (cached) {
      onProgress({ file, loaded: cached.size, total: cached.size });
      return new Uint8Array(await cached.arrayBuffer());
    }
    return download(r, file, onProgress);
  };
}
