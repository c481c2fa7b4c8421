// Screenshots the running lab (npm start) for the README, after a short run on
// twelve built-in prompts: npx tsx scripts/screenshot.ts [url] [out.png]
import { readFileSync } from 'node:fs';
import { chromium } from '@playwright/test';

const url = process.argv[2] ?? 'http://127.0.0.1:4173';
const out = process.argv[3] ?? 'docs/screenshot.png';
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
await page.goto(`${url}/?debug`);
await page.getByTestId('embedder-info').waitFor({ timeout: 60_000 });
const jsonl = readFileSync('public/builtin/test.jsonl', 'utf8').trim().split('\n').slice(0, 12).join('\n');
await page.evaluate(async (text) => {
  const lab = window.lab!.getState();
  await lab.importFile(new File([text], 'builtin-test.jsonl'));
  lab.setSettings({ samplesPerPrompt: 16, maxNewTokens: 64, a: 50, m: 2 });
  await window.lab!.getState().sampleDataset('wasm');
  await window.lab!.getState().scoreSamples('wasm');
}, jsonl);
await page.getByTestId('similarity-histogram').waitFor();
await page.waitForTimeout(500);
await page.screenshot({ path: out, fullPage: true });
await browser.close();
console.log(`wrote ${out}`);
