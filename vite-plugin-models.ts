// Serves the shipped models/ folder at /models/ in dev and preview, and copies
// it into the build, so the lab runs offline with its default models.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, extname } from 'node:path';
import type { Plugin, Connect } from 'vite';

const ROOT = 'models';
const TYPES: Record<string, string> = { '.json': 'application/json', '.md': 'text/markdown; charset=utf-8', '.onnx': 'application/octet-stream', '.safetensors': 'application/octet-stream' };

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const serve: Connect.NextHandleFunction = (req, res, next) => {
  const url = decodeURIComponent((req.url ?? '').split('?')[0]);
  if (!url.startsWith(`/${ROOT}/`) || url.includes('..')) return next();
  const path = url.slice(1);
  if (!existsSync(path) || !statSync(path).isFile()) {
    // A 404, not the app's index.html: loaders probe for optional files (shard indexes).
    res.statusCode = 404;
    res.end();
    return;
  }
  res.setHeader('Content-Type', TYPES[extname(path)] ?? 'application/octet-stream');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.end(readFileSync(path));
};

export function modelsPlugin(): Plugin {
  return {
    name: 'self-contrast-models',
    configureServer: (server) => void server.middlewares.use(serve),
    configurePreviewServer: (server) => void server.middlewares.use(serve),
    generateBundle() {
      for (const file of filesUnder(ROOT)) this.emitFile({ type: 'asset', fileName: relative('.', file), source: readFileSync(file) });
    },
  };
}
