/**
 * A minimal server-sent-events reader for tests, written apart from the CLI's parser so that the
 * server is checked against a second reading of the format: blocks split on a blank line,
 * `field: value` lines, comments dropped.
 */
import { connectNats, jetstreamManager, TOPOLOGY } from '../../adapters/nats/index.ts';
import type { App } from '../../actors/app/app.ts';

export interface TestSse {
  events: { event: string; id?: string; data: string }[];
  comments: string[];
  contentType: string | null;
  /** the server ended the response */
  ended: boolean;
  close(): Promise<void>;
}

export async function openSse(url: string): Promise<TestSse> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
  if (res.status !== 200 || res.body === null) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  const sse: TestSse = {
    events: [],
    comments: [],
    contentType: res.headers.get('content-type'),
    ended: false,
    async close() {
      abort.abort();
      await reading.catch(() => undefined);
    },
  };
  let text = '';
  const reading = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body!) {
        text += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut: number;
        while ((cut = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, cut);
          text = text.slice(cut + 2);
          const fields = new Map<string, string>();
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) sse.comments.push(line.slice(1).trim());
            else {
              const m = /^(\w+): ?(.*)$/.exec(line);
              if (m) fields.set(m[1]!, m[2]!);
            }
          }
          if (fields.has('data')) sse.events.push({ event: fields.get('event') ?? 'message', ...(fields.has('id') ? { id: fields.get('id')! } : {}), data: fields.get('data')! });
        }
      }
      sse.ended = true;
    } catch {
      // aborted by close()
    }
  })();
  // the first comment (": connected") says the server's feed is open
  await until(() => sse.comments.length > 0, 5_000, 'the stream opened');
  return sse;
}

/**
 * Names of the live followers on SIGNALS (every consumer there but the topology's durables), listed as the read-only `ops` user, as an operator would with `nats consumer ls`.
 */
export async function signalConsumers(app: App): Promise<string[]> {
  const ops = app.messaging.embedded!.credentials('ops');
  const nc = await connectNats({ servers: app.messaging.embedded!.url, user: ops.user, pass: ops.pass, name: 'test-ops' });
  try {
    const names: string[] = [];
    // The durable consumers the topology declares on SIGNALS (order-intake) are not followers.
    const durables = new Set(TOPOLOGY.consumers.filter((c) => c.stream === 'SIGNALS').map((c) => c.durable));
    for await (const c of (await jetstreamManager(nc)).consumers.list('SIGNALS')) if (!durables.has(c.name)) names.push(c.name);
    return names;
  } finally {
    await nc.close();
  }
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
