// Screenshots the running lab (npm start) for the README: npx tsx scripts/screenshot.ts [url] [out.png]
import { chromium } from '@playwright/test';

const url = process.argv[2] ?? 'http://127.0.0.1:4173';
const out = process.argv[3] ?? 'docs/screenshot.png';
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
await page.goto(url);
await page.getByTestId('embedder-info').waitFor({ timeout: 60_000 });
await page.screenshot({ path: out, fullPage: true });
await browser.close();
console.log(`wrote ${out}`);
