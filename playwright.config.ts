import { defineConfig } from '@playwright/test';

// Debian's Chromium; WebGPU runs headless on SwiftShader with --enable-unsafe-webgpu.
// The background-networking flags keep Chromium off the closed network.
export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  expect: { timeout: 60_000 },
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: 'http://127.0.0.1:4173',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--enable-unsafe-webgpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: [
    {
      command: 'npx vite preview --host 127.0.0.1 --port 4173 --strictPort',
      url: 'http://127.0.0.1:4173',
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
    {
      // A stand-in for the Hugging Face Hub, serving e2e/hub-fixtures in the Hub's URL layout.
      command: 'npx tsx e2e/hub-server.ts 4180',
      url: 'http://127.0.0.1:4180/__requests',
      reuseExistingServer: !process.env.CI,
      timeout: 30_000,
    },
  ],
});
