// Shared by the bench scripts: serve the built app with `vite preview` and drive
// it in Debian's Chromium through the ?debug store hook.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from '@playwright/test';

const PORT = 4175;

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

async function waitFor(url: string, server: ChildProcess, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (server.exitCode !== null) throw new Error(`vite preview exited (${server.exitCode}) before ${url} came up`);
    if (await answers(url)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up in ${ms} ms`);
}

export interface LabPage {
  page: Page;
  close(): Promise<void>;
}

/**
 * `debug`: expose the store (window.lab) for scripted checks; the flow benchmark drives the UI only.
 * `query`: more of the page's URL query (a settings link: hubHost, lm, …).
 */
export async function openLab(opts: { debug?: boolean; query?: string } = {}): Promise<LabPage> {
  if (!existsSync('dist/index.html')) throw new Error('no dist/: run `npx vite build` first');
  const url = `http://127.0.0.1:${PORT}`;
  // A server left on the port (another checkout's build) would answer for this one: measure nothing then.
  if (await answers(url)) throw new Error(`${url} already answers: stop the server left on port ${PORT} first`);
  // vite itself, not through npx, so that kill() stops the server.
  const server: ChildProcess = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { stdio: 'ignore' });
  await waitFor(url, server, 30_000);
  const browser: Browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1400, height: 1000 } });
  const query = [opts.debug === false ? '' : 'debug', opts.query ?? ''].filter(Boolean).join('&');
  await page.goto(query ? `${url}/?${query}` : url);
  await page.getByTestId('backend-report').waitFor({ state: 'attached', timeout: 60_000 }); // under Diagnostics, closed
  return {
    page,
    close: async () => {
      await browser.close();
      server.kill();
    },
  };
}
