/// <reference lib="webworker" />
// JSONL import off the page thread: a 100 MB file streams through the importer
// here while the page keeps drawing progress.
import { createHandler } from './request-runner';
import { createJsonlImporter } from '../src/lib/data/import';
import type { FromWorker, ImportRequests, ToWorker } from '../src/protocol';

const post = (reply: FromWorker<ImportRequests>) => self.postMessage(reply);

const handle = createHandler<ImportRequests>(post, async (msg, progress) => {
  const { id } = msg;
  const { file, format } = msg.payload;
  const importer = createJsonlImporter(format ?? undefined);
  const report = progress((p: ImportRequests['import-jsonl']['progress']) => post({ type: 'progress', id, kind: msg.kind, progress: p }));
  const reader = file.stream().pipeThrough(new TextDecoderStream()).getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    importer.push(value);
    bytes += value.length; // characters; close enough to bytes for progress
    report({ bytes: Math.min(bytes, file.size), total: file.size, lines: importer.lines });
  }
  post({ type: 'result', id, kind: msg.kind, result: importer.end() });
});

self.onmessage = (e: MessageEvent<ToWorker<ImportRequests>>) => void handle(e.data);
