// ORT's wasm runtime binds console.* when it first starts, so a tap installed
// before that sees every line it logs. Lines are collected while a capture is
// open (the verbose node-placement log) and passed through otherwise.

const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
let sink: string[] | null = null;

export function installOrtLogTap(): void {
  for (const m of methods) {
    const original = console[m].bind(console);
    console[m] = (...args: unknown[]) => {
      if (sink) sink.push(args.map(String).join(' '));
      else original(...args);
    };
  }
}

export async function captureOrtLog<T>(fn: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  sink = lines;
  try {
    return { value: await fn(), lines };
  } finally {
    sink = null;
  }
}
