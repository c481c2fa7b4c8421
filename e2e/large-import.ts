// A large JSONL file built in the page and imported through the store, with a 20 ms heartbeat on
// the page thread: shared by the e2e spec (behaviour) and bench:import (its speed). Runs inside the
// page through page.evaluate, so it refers to nothing outside itself and names no inner function
// (tsx, which runs the benches, wraps named functions in a helper the page does not have).
export async function importLargeJsonl(mb: number): Promise<{ mb: number; lines: number; rows: number; errors: number; ms: number; maxGap: number; progressSeen: number }> {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < mb * 1024 * 1024; i++) {
    const l = JSON.stringify({ prompt: `Question ${i}: how many apples are left after eating ${i % 7}?`, completion: `There are ${i} apples. Eating ${i % 7} leaves ${i - (i % 7)}. The answer is ${i - (i % 7)}.`.padEnd(150, ' ') }) + '\n';
    parts.push(l);
    size += l.length;
  }
  const file = new File(parts, 'big.jsonl');
  // The longest gap between ticks is how long the page froze; a tick that finds the progress bar saw it drawn.
  let last = performance.now();
  let maxGap = 0;
  let progressSeen = 0;
  const beat = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    if (document.querySelector('[data-testid="import-progress"]')) progressSeen++;
  }, 20);
  const t0 = performance.now();
  await window.lab!.getState().importFile(file);
  const ms = performance.now() - t0;
  clearInterval(beat);
  const d = window.lab!.getState().data;
  return { mb: file.size / 1048576, lines: parts.length, rows: d.rows.length, errors: d.summary!.errors.length, ms, maxGap, progressSeen };
}
