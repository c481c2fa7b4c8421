import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { modelsPlugin } from './vite-plugin-models.ts';

// Cross-origin isolation lets onnxruntime-web use wasm threads (SharedArrayBuffer).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react(), modelsPlugin()],
  server: { headers: isolation, port: 5173, strictPort: true },
  preview: { headers: isolation, port: 4173, strictPort: true },
  worker: { format: 'es' },
  // One onnxruntime-web for the whole app: transformers.js imports its own
  // (a 1.31 dev build, ~28 MB of wasm more); point it at ours instead.
  resolve: {
    alias: [{ find: /^onnxruntime-web\/webgpu$/, replacement: 'onnxruntime-web' }],
    dedupe: ['onnxruntime-web', 'onnxruntime-common'],
  },
  // Pre-bundling onnxruntime-web mid-session makes Vite reload the page.
  optimizeDeps: { exclude: ['onnxruntime-web', '@huggingface/transformers'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
