import { test, expect } from './fixtures';

const texts = [
  'After winning 11 more, he has 7 + 11 = 18. The answer is 18.',
  'After winning 11 more, he has 7 + 11 = 19. The answer is 19.',
  'Mix flour, water, yeast and salt, and bake the loaf for 30 minutes.',
];

test('the default embedding model runs in its worker on WebGPU and WASM with matching vectors', async ({ page, consoleErrors }) => {
  test.setTimeout(240_000);
  await page.goto('/?debug');
  const info = page.getByTestId('embedder-info');
  await expect(info).toHaveAttribute('data-status', 'ready');

  const embed = (backend: 'webgpu' | 'wasm') => page.evaluate(async ({ t, b }) => {
    const r = await window.labDebug!.embedTexts(t, b);
    return { vectors: Array.from(r.vectors), dimensions: r.dimensions, computed: r.computed };
  }, { t: texts, b: backend });
  const gpu = await embed('webgpu');
  expect((await embed('webgpu')).computed).toBe(0); // cached by text
  // The cache is persistent (IndexedDB): after a reload nothing is recomputed either.
  await page.reload();
  await expect(info).toHaveAttribute('data-status', 'ready');
  expect((await embed('webgpu')).computed).toBe(0);

  const cpu = await embed('wasm'); // cached per backend, so these are computed on wasm
  expect(cpu.dimensions).toBe(gpu.dimensions);
  expect(cpu.computed).toBe(texts.length);

  const d = gpu.dimensions;
  const row = (v: number[], i: number) => v.slice(i * d, (i + 1) * d);
  const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
  const maxDiff = Math.max(...gpu.vectors.map((x, i) => Math.abs(x - cpu.vectors[i])));
  console.log(`embeddings webgpu vs wasm: max |Δ| = ${maxDiff.toExponential(2)}; cos(near) = ${dot(row(cpu.vectors, 0), row(cpu.vectors, 1)).toFixed(3)}, cos(far) = ${dot(row(cpu.vectors, 0), row(cpu.vectors, 2)).toFixed(3)}`);
  expect(maxDiff).toBeLessThan(1e-4);
  for (let i = 0; i < texts.length; i++) expect(Math.abs(dot(row(cpu.vectors, i), row(cpu.vectors, i)) - 1)).toBeLessThan(1e-5);
  expect(dot(row(cpu.vectors, 0), row(cpu.vectors, 1))).toBeGreaterThan(dot(row(cpu.vectors, 0), row(cpu.vectors, 2)));
  expect(consoleErrors).toEqual([]);
});
