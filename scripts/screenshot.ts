// Screenshots of a real run, driven through the UI as a person would (no debug
// hooks), for the README: the whole page, then one picture per step, and the
// page in dark mode.  npx tsx scripts/screenshot.ts [url]   (with `npm start` running)
import { mkdirSync, readFileSync } from 'node:fs';
import { chromium, type Page } from '@playwright/test';

const url = process.argv[2] ?? 'http://127.0.0.1:4173';
// A small experiment as a link: every setting of the run is in it.
const link = `${url}/?samplesPerPrompt=32&maxNewTokens=64&m=2&promptsPerStep=4&maxSteps=4&evalPrompts=24&heldOut=10`;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
await page.goto(link);
await page.getByTestId('backend-embed').and(page.locator('[data-measured="true"]')).waitFor({ timeout: 180_000 });

// The built-in task's pool prompts with their SFT targets, dropped on the page.
const text = readFileSync('public/builtin/pool.jsonl', 'utf8').trim().split('\n').slice(0, 40).map((l) => {
  const r = JSON.parse(l) as { prompt: string; completion: string };
  return JSON.stringify({ prompt: r.prompt, completion: r.completion });
}).join('\n') + '\n';
const dt = await page.evaluateHandle((t) => {
  const d = new DataTransfer();
  d.items.add(new File([t], 'builtin-pool-40.jsonl', { type: 'application/jsonl' }));
  return d;
}, text);
await page.dispatchEvent('body', 'drop', { dataTransfer: dt });
await page.getByTestId('import-summary').waitFor();
const shot = async (id: string, name: string, p: Page = page) => {
  await p.locator(`#step-${id}`).screenshot({ path: `docs/steps/${name}.png` });
  console.log(`wrote docs/steps/${name}.png`);
};
mkdirSync('docs/steps', { recursive: true });
// The sticky step bar would cover the top of each step's picture.
await page.addStyleTag({ content: '.stepper { position: static; }' });
await shot('data', '1-data');

await page.getByRole('button', { name: /^Sample 40 prompts/ }).click();
await page.getByText('40 of 40 prompts have samples.').waitFor({ timeout: 600_000 });
await shot('sample', '2-sample');

await page.getByRole('button', { name: /^Embed and score 40 prompts/ }).click();
await page.getByTestId('filter-counts').waitFor({ timeout: 600_000 });
await page.getByTestId('similarity-histogram').locator('.recharts-bar-rectangle path').last().click();
await page.waitForTimeout(500);
await shot('filter', '3-filter');
await shot('export', '4-export');

await page.getByRole('button', { name: 'Train', exact: true }).click();
await page.getByTestId('runs-table').locator('tr[data-run^="run-"][data-status="done"]').first().waitFor({ timeout: 600_000 });
await page.waitForTimeout(1000);
await shot('train', '5-train');
// The README's first screen: the step bar over the Filter step, light and dark.
await page.addStyleTag({ content: '.stepper { position: sticky; }' });
const atFilter = async (path: string) => {
  await page.evaluate(() => document.querySelector('#step-filter')!.scrollIntoView());
  await page.evaluate(() => window.scrollBy(0, -90));
  await page.waitForTimeout(300);
  await page.screenshot({ path });
  console.log(`wrote ${path}`);
};
await atFilter('docs/screenshot.png');
await page.emulateMedia({ colorScheme: 'dark' });
await atFilter('docs/screenshot-dark.png');

// The Experiments step on a small grid (two seeds, M = 1, 2, 4 at a = 25 and 50%, unfiltered beside), light and dark:
// the built-in task in one click, the grid from the page's fields, its table and figures.
const grid = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
await grid.goto(`${url}/?maxNewTokens=64&promptsPerStep=8&trainBackend=wasm`);
await grid.getByTestId('backend-embed').and(grid.locator('[data-measured="true"]')).waitFor({ timeout: 180_000 });
await grid.getByTestId('builtin-task').getByRole('button', { name: 'Use the built-in task' }).click();
await grid.getByTestId('import-summary').waitFor();
const step = grid.locator('#step-experiments');
await step.getByRole('checkbox', { name: /unfiltered/ }).check();
await step.getByLabel('M values').fill('1,2,4');
await step.getByLabel('a% values').fill('25,50');
await step.getByLabel('seeds').fill('2');
await step.getByLabel('pool prompts').fill('64');
await step.getByLabel('test prompts').fill('64');
await step.getByRole('button', { name: /^Run \d+ cells?/ }).click();
await step.getByTestId('grid-results').and(grid.locator('[data-status="done"]')).waitFor({ timeout: 1_800_000 });
await grid.addStyleTag({ content: '.stepper { position: static; }' });
await grid.waitForTimeout(500);
await shot('experiments', '6-experiments', grid);
await grid.emulateMedia({ colorScheme: 'dark' });
await grid.waitForTimeout(300);
await shot('experiments', '6-experiments-dark', grid);
await browser.close();
