// A 100 MB JSONL file imported in the import worker, timed in headless Chromium:
// the import's wall time and rows/s, and the longest gap of a 20 ms heartbeat on
// the page thread (how long the page froze). A figure, not a test: on a loaded
// machine the gap grows with the load (e2e/data-path.spec.ts checks the import's
// behaviour; this prints its speed).
//   npm run bench:import   (MB overrides the size)
import { openLab } from './browser';
import { importLargeJsonl } from '../e2e/large-import';

const MB = Number(process.env.MB ?? 100);
const lab = await openLab({ debug: true });
const r = await lab.page.evaluate(importLargeJsonl, MB);
console.log(`import of ${r.mb.toFixed(0)} MB: ${r.rows} rows in ${(r.ms / 1000).toFixed(1)} s (${Math.round(r.rows / (r.ms / 1000))} rows/s); longest page-thread gap ${r.maxGap.toFixed(0)} ms (20 ms heartbeat)`);
await lab.close();
