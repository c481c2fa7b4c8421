// The Experiments step's Quick preset as a person runs it, timed: headless
// Chromium, UI only (no debug hooks), every stage on WASM. Loads the built-in
// task in one click, measures the estimate's rates (one sampling chunk, its
// embedding, one DPO step), runs the grid, and
// prints the estimate beside the wall time (the goal: under 15 minutes on a
// 2-core machine) and each cell's time split: the pool's sampling and
// embedding (once), and per cell filtering, training and evaluation.
// With reward probes (QUERY=gridRewardSamples=8) it also prints each trained cell's reward accuracy on the probe
// pairs and its best-of-k accuracy, beside the probes' random pick and pass@k.
//   npm run bench:experiments   (PRESET=quick|paper, QUERY=more link settings)
import { openLab } from './browser';

const PRESET = process.env.PRESET ?? 'quick';
const QUERY = ['sampleBackend=wasm', 'embedBackend=wasm', 'trainBackend=wasm', process.env.QUERY ?? ''].filter(Boolean).join('&');

const lab = await openLab({ debug: false, query: QUERY });
const { page } = lab;
try {
  await page.getByTestId('backend-sample').and(page.locator('[data-measured="true"]')).waitFor({ timeout: 300_000 });
  await page.getByTestId('backend-embed').and(page.locator('[data-measured="true"]')).waitFor({ timeout: 300_000 });
  await page.getByTestId('builtin-task').getByRole('button', { name: 'Use the built-in task' }).click();
  await page.getByTestId('import-summary').waitFor();
  const step = page.locator('#step-experiments');
  await step.getByRole('button', { name: PRESET === 'paper' ? 'Paper' : 'Quick' }).click();
  await step.getByRole('button', { name: /^Estimate the time/ }).click();
  const estimate = await step.getByTestId('grid-estimate').textContent({ timeout: 300_000 });
  const rates = await step.getByTestId('grid-estimate').locator('xpath=following-sibling::span[1]').textContent();
  const plan = await step.getByTestId('grid-plan').textContent();
  console.log(`${PRESET} preset: ${plan}`);

  const t0 = performance.now();
  await step.getByRole('button', { name: /^Run \d+ cells?/ }).click();
  await step.getByTestId('grid-results').and(page.locator('[data-status="done"]')).waitFor({ timeout: 3 * 3600_000 });
  const wall = (performance.now() - t0) / 1000;

  type StoredGrid = {
    poolSeconds: number | null;
    probes?: { samples: number; prompts: number; pairs: number; randomPick: number; anyRight: number; seconds: number } | null;
    results: {
      cell: { method: string; m: number; a: number; seed: number }; accuracy: number; prompts: number; steps: number; seconds?: { filter: number; train: number; evaluate: number };
      selfPairRewards?: { accuracy: number }; bestOfAccuracy?: number;
    }[];
  };
  const grid = await page.evaluate(() => new Promise<StoredGrid>((resolve, reject) => {
    const req = indexedDB.open('self-contrast-lab', 1);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const get = req.result.transaction('session', 'readonly').objectStore('session').get('experiment');
      get.onerror = () => reject(get.error);
      get.onsuccess = () => resolve(get.result);
    };
  }));
  const min = (s: number) => `${(s / 60).toFixed(1)} min`;
  const probes = grid.probes;
  const pct = (x: number | undefined) => (x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);
  const probeHeader = probes ? ` reward accuracy on ${probes.pairs} probe pairs | best-of-${probes.samples} by reward |` : '';
  console.log(`\n| cell | prompts with pairs | steps | filter (s) | train (s) | evaluate (s) | accuracy |${probeHeader}`);
  console.log(`|---|---|---|---|---|---|---|${probes ? '---|---|' : ''}`);
  console.log(`| pool: sample and embed, once | | | | | | ${grid.poolSeconds?.toFixed(0)} s |${probes ? ' | |' : ''}`);
  if (probes) console.log(`| reward probes: sample, once | | | | | | ${probes.seconds.toFixed(0)} s | | |`);
  for (const r of grid.results) {
    const s = r.seconds!;
    const probed = probes ? ` ${pct(r.selfPairRewards?.accuracy)} | ${pct(r.bestOfAccuracy)} |` : '';
    console.log(`| ${r.cell.method}${r.cell.method === 'sft' ? '' : ` M = ${r.cell.m}, a = ${r.cell.a}%`}, seed ${r.cell.seed} | ${r.prompts} | ${r.steps} | ${s.filter.toFixed(2)} | ${s.train.toFixed(0)} | ${s.evaluate.toFixed(0)} | ${(100 * r.accuracy).toFixed(1)}% |${probed}`);
  }
  if (probes) console.log(`\nreward probes: ${probes.samples} T = 1 samples per test prompt, ${probes.pairs} of ${probes.prompts} prompts give a pair; a random sample is right ${pct(probes.randomPick)}, some sample ${pct(probes.anyRight)}`);
  console.log(`\n${PRESET} preset in Chromium (WASM): ${min(wall)} wall time from Run to the last cell (goal < 15 min); the page estimated: ${estimate}${rates}`);
} finally {
  await lab.close();
}
