// A 100 MB JSONL file imported in the import worker, timed in headless Chromium:
// the import's wall time and rows/s, and the longest gap of a 20 ms heartbeat on
// the page thread (how long the page froze). A figure, not a test: on a loaded
// machine the gap grows with the load (e2e/data-path.spec.ts checks the import's
// behaviour; this prints its speed).
//   npm run bench:import   (MB overrides the size)
import { openLab } from './browser';

const MB = Number(process.env.MB ?? 100);
const lab = await openLab({ debug: true });
const r = await lab.page.evaluate(async (mb) => {
  const line = (i: number) => JSON.stringify({ prompt: `Question ${i}: how many apples are left after eating ${i % 7}?`, completion: `There are ${i} apples. Eating ${i % 7} leaves ${i - (i % 7)}. The answer is ${i - (i % 7)}.`.padEnd(150, ' ') });
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < mb * 1024 * 1024; i++) {
    const l = line(i) + '\n';
    parts.push(l);
    size += l.length;
  }
  const file = new File(parts, 'big.jsonl');
  let last = performance.now();
  let maxGap = 0;
  const beat = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 20);
  const t0 = performance.now();
  await window.lab!.getState().importFile(file);
  const ms = performance.now() - t0;
  clearInterval(beat);
  return { mb: file.size / 1048576, rows: window.lab!.getState().data.rows.length, ms, maxGap };
}, MB);
console.log(`import of ${r.mb.toFixed(0)} MB: ${r.rows} rows in ${(r.ms / 1000).toFixed(1)} s (${Math.round(r.rows / (r.ms / 1000))} rows/s); longest page-thread gap ${r.maxGap.toFixed(0)} ms (20 ms heartbeat)`);
await lab.close();
