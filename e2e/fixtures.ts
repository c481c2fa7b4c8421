import { test as base, expect, type ConsoleMessage, type Page } from '@playwright/test';

/**
 * Every page collects console errors and uncaught exceptions (tests assert
 * none), and every test fails if the page or its workers request anything
 * outside the lab's own origin.
 */
export const test = base.extend<{ consoleErrors: string[]; allowedOrigins: string[]; sameOriginOnly: void }>({
  /** Origins besides the lab's that a test may reach (the local Hub server). */
  allowedOrigins: [[], { option: true }],
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await use(errors);
  },
  sameOriginOnly: [
    async ({ context, baseURL, allowedOrigins }, use) => {
      const offOrigin: string[] = [];
      const allowed = new Set([new URL(baseURL!).origin, ...allowedOrigins]);
      context.on('request', (r) => {
        const url = r.url();
        if (!url.startsWith('data:') && !url.startsWith('blob:') && !allowed.has(new URL(url).origin)) offOrigin.push(url);
      });
      await use();
      expect(offOrigin, 'requests outside the lab origin').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Drags a text file onto the page and drops it, as a person would. */
export async function dropFile(page: Page, name: string, text: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle(([t, n]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([t], n, { type: 'application/jsonl' }));
    return dt;
  }, [text, name] as const);
  await page.dispatchEvent('body', 'drop', { dataTransfer });
}

/**
 * The session as the page last wrote it to IndexedDB (what a reload restores): specs wait on it
 * instead of sleeping through the store's coalesced writes.
 */
export async function storedSession(page: Page): Promise<{ settings: Record<string, unknown>; data: { status: string; scored: unknown; rows: unknown[] }; runs: { runId: string | null; status: string; stepsDone: number }[] } | null> {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('self-contrast-lab', 1);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains('session')) return resolve(null);
      const get = db.transaction('session', 'readonly').objectStore('session').get('session');
      get.onerror = () => reject(get.error);
      get.onsuccess = () => resolve(get.result?.state ?? null);
    };
  }));
}
