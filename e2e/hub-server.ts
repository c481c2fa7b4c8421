// A local stand-in for the Hugging Face Hub: serves e2e/hub-fixtures (and the
// shipped encoder as lab-tiny/embed) at /{org}/{name}/resolve/{revision}/{file},
// with HEAD, single-range requests, CORS and CORP as the Hub's CDN sends them.
// lab-tiny/embed-cls is the shipped encoder with a sentence-transformers pooling config
// that asks for CLS (as WhereIsAI/UAE-Large-V1's does).
// Test hooks: lab-tiny/flaky-llama is llama-sharded whose first shard is cut off
// half-way on its first full request (a dropped connection), and /__requests
// lists what was asked for.
//   npx tsx e2e/hub-server.ts [port]
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';

export const HUB_PORT = 4180;
const port = Number(process.argv[2] ?? HUB_PORT);
// Folders a repository's files come from, first match wins.
const ROOTS: Record<string, string[]> = {
  'lab-tiny/embed': ['models/embed'],
  'lab-tiny/embed-cls': ['e2e/hub-fixtures/lab-tiny/embed-cls', 'models/embed'],
  'lab-tiny/flaky-llama': ['e2e/hub-fixtures/lab-tiny/llama-sharded'],
};
const requests: { method: string; path: string; range: string | null; status: number }[] = [];
let flakyCut = false;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Headers', 'Range');
  res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range, Accept-Ranges, X-Linked-Size, ETag');
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  const log = (status: number) => requests.push({ method: req.method ?? 'GET', path: url.pathname, range: (req.headers.range as string) ?? null, status });
  if (req.method === 'OPTIONS') {
    res.writeHead(204).end();
    return;
  }
  if (url.pathname === '/__requests') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(requests));
    return;
  }
  const m = url.pathname.match(/^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/);
  const roots = m ? ROOTS[m[1]] ?? [join('e2e/hub-fixtures', m[1])] : [];
  const inside = (root: string) => {
    const f = normalize(join(root, decodeURIComponent(m![3])));
    return f.startsWith(normalize(root)) && existsSync(f) && statSync(f).isFile() ? f : null;
  };
  const file = roots.map(inside).find((f) => f !== null) ?? null;
  if (!m || !file) {
    log(404);
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Entry not found');
    return;
  }
  const bytes = readFileSync(file);
  const range = typeof req.headers.range === 'string' ? req.headers.range.match(/^bytes=(\d+)-$/) : null;
  if (range) {
    const start = Number(range[1]);
    log(206);
    res.writeHead(206, { 'Content-Length': bytes.length - start, 'Content-Range': `bytes ${start}-${bytes.length - 1}/${bytes.length}`, 'Accept-Ranges': 'bytes' });
    res.end(req.method === 'HEAD' ? undefined : bytes.subarray(start));
    return;
  }
  log(200);
  res.writeHead(200, { 'Content-Length': bytes.length, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  if (m[1] === 'lab-tiny/flaky-llama' && m[3].startsWith('model-00001') && !flakyCut) {
    flakyCut = true;
    // Let the first half reach the client, then drop the connection.
    res.write(bytes.subarray(0, bytes.length >> 1));
    setTimeout(() => res.destroy(), 500);
    return;
  }
  res.end(bytes);
});

server.listen(port, '127.0.0.1', () => console.log(`hub fixtures on http://127.0.0.1:${port}`));
