// Fake LM and embedding workers for the store slices' tests: every call is recorded, and each reply comes from
// `replies['lm load-lm']` (and so on), which a test sets; a call nobody set a reply for fails by name.
// Use: vi.mock('./workers', async () => (await import('./fake-workers.testutil')).fakeWorkersModule);
export type FakeCall = { worker: 'lm' | 'embed'; kind: string; payload: Record<string, unknown> };
export type FakeReply = (payload: Record<string, unknown>, onProgress: (p: unknown) => void) => Promise<unknown>;

export const calls: FakeCall[] = [];
export const replies: Record<string, FakeReply> = {};

export function resetFakeWorkers(): void {
  calls.length = 0;
  for (const k of Object.keys(replies)) delete replies[k];
}

const client = (worker: FakeCall['worker']) => ({
  call: (kind: string, payload: Record<string, unknown>, onProgress: (p: unknown) => void = () => {}) => {
    calls.push({ worker, kind, payload });
    const reply = replies[`${worker} ${kind}`];
    return { promise: reply ? reply(payload, onProgress) : Promise.reject(new Error(`no fake reply for ${worker} ${kind}`)), cancel: () => {} };
  },
});

export const fakeWorkersModule = { lmClient: () => client('lm'), embedClient: () => client('embed') };
