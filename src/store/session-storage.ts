// zustand persist storage on IndexedDB: values are stored by structured clone,
// so typed arrays (similarities, rankings) survive a reload as they are.
import type { PersistStorage, StorageValue } from 'zustand/middleware';

const DB = 'self-contrast-lab';
const STORE = 'session';

let connection: Promise<IDBDatabase> | null = null;

/** One connection for the page's life (reopened only if opening failed). */
function open(): Promise<IDBDatabase> {
  connection ??= new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  }).catch((e) => {
    connection = null;
    throw e;
  });
  return connection;
}

function run<T>(mode: IDBTransactionMode, act: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return open().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const req = act(db.transaction(STORE, mode).objectStore(STORE));
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      }),
  );
}

/**
 * persist writes on every state change (progress ticks included); writes are
 * coalesced so a burst of changes costs one structured clone of the session.
 * A page being hidden or left writes what is pending at once: a reload inside
 * the coalescing window loses nothing.
 */
export function indexedDbStorage<S>(delayMs = 300): PersistStorage<S> {
  const pending = new Map<string, StorageValue<S>>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = async () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const batch = [...pending];
    pending.clear();
    for (const [name, value] of batch) await run('readwrite', (s) => s.put(value, name));
  };
  if (typeof document !== 'undefined') {
    addEventListener('pagehide', () => void flush());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') void flush();
    });
  }
  return {
    getItem: (name) => run<StorageValue<S> | undefined>('readonly', (s) => s.get(name)).then((v) => v ?? null),
    setItem: (name, value) => {
      pending.set(name, value);
      timer ??= setTimeout(() => void flush(), delayMs);
    },
    removeItem: (name) => {
      pending.delete(name);
      return run('readwrite', (s) => s.delete(name)).then(() => undefined);
    },
  };
}

/** A value kept beside the session, written at once (an experiment's finished cells must survive a reload that comes right after). */
export const storedValue = <T>(key: string): Promise<T | undefined> => run<T | undefined>('readonly', (s) => s.get(key));
export const storeValue = (key: string, value: unknown): Promise<void> => run('readwrite', (s) => s.put(value, key)).then(() => undefined);
export const deleteValue = (key: string): Promise<void> => run('readwrite', (s) => s.delete(key)).then(() => undefined);
