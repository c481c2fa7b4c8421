import { test, expect } from './fixtures';

test('the probe graph runs on WebGPU and WASM and both agree to 1e-5', async ({ page, consoleErrors }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Self-Contrast Lab' })).toBeVisible();
  const report = page.getByTestId('backend-report');
  await expect(report).toBeAttached(); // inside the Diagnostics view

  // WebGPU really ran (SwiftShader here), not a silent fallback.
  await expect(report).toHaveAttribute('data-chosen', 'webgpu');
  await expect(page.getByTestId('run-webgpu')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('run-wasm')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('backend-chosen')).toHaveAttribute('data-fallback', 'true');

  // Each stage times the loaded model on both backends and runs on the faster: WASM on this software adapter.
  for (const stage of ['sample', 'embed']) {
    const decision = page.getByTestId(`backend-${stage}`);
    await expect(decision).toHaveAttribute('data-measured', 'true', { timeout: 120_000 });
    await expect(decision).toHaveAttribute('data-backend', 'wasm');
    await expect(decision).toContainText(/WASM: [\d.]+× faster than WebGPU on this machine for this model/);
  }
  // The choice can be overridden, and the override is a setting (in the link).
  await page.getByLabel('sampling backend').selectOption('webgpu');
  await expect(page.getByTestId('backend-sample')).toHaveAttribute('data-backend', 'webgpu');
  await expect(page.getByTestId('backend-sample')).toContainText('chosen by you; measurement would pick WASM');
  expect(new URL(page.url()).searchParams.get('sampleBackend')).toBe('webgpu');
  await page.getByLabel('sampling backend').selectOption('auto');
  await expect(page.getByTestId('backend-sample')).toHaveAttribute('data-backend', 'wasm');

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
  await expect(page.getByTestId('backend-chosen')).toContainText('everything runs on WASM');
  await expect(page.getByTestId('backend-sample')).toHaveAttribute('data-backend', 'wasm');
  await expect(page.getByTestId('backend-sample')).toContainText('WebGPU is unavailable');
  await expect(page.getByTestId('run-webgpu')).toContainText('navigator.gpu is missing');
  // The embedding worker may still be loading through the route: let it go when the test ends.
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  expect(consoleErrors).toEqual([]);
});
