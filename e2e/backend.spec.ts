import { test, expect } from './fixtures';

test('the probe graph runs on WebGPU and WASM and both agree to 1e-5', async ({ page, consoleErrors }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Self-Contrast Lab' })).toBeVisible();
  const report = page.getByTestId('backend-report');
  await expect(report).toBeVisible();

  // WebGPU really ran (SwiftShader here), not a silent fallback.
  await expect(report).toHaveAttribute('data-chosen', 'webgpu');
  await expect(page.getByTestId('run-webgpu')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('run-wasm')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('backend-chosen')).toContainText('Using WebGPU');

  const diff = Number(await report.getAttribute('data-max-abs-diff'));
  expect(Number.isFinite(diff)).toBe(true);
  expect(diff).toBeLessThanOrEqual(1e-5);
  await expect(page.getByTestId('backend-agreement')).toContainText('agree');

  // Threads need cross-origin isolation; the preview server must send COOP/COEP.
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
  expect(consoleErrors).toEqual([]);
});

test('without WebGPU the lab falls back to WASM and says why', async ({ page, consoleErrors }) => {
  // Hide WebGPU from the page and its workers before any script runs.
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined });
  });
  await page.route('**/*.worker*', async (route) => {
    const response = await route.fetch();
    const body = await response.text();
    const hide = "Object.defineProperty(WorkerNavigator.prototype, 'gpu', { get: () => undefined });\n";
    await route.fulfill({ response, body: hide + body });
  });
  await page.goto('/');
  const report = page.getByTestId('backend-report');
  await expect(report).toHaveAttribute('data-chosen', 'wasm');
  await expect(page.getByTestId('backend-chosen')).toContainText('WASM fallback');
  await expect(page.getByTestId('run-webgpu')).toContainText('navigator.gpu is missing');
  // The embedding worker may still be loading through the route: let it go when the test ends.
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  expect(consoleErrors).toEqual([]);
});
