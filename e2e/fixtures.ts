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
