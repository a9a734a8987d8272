/**
 * Watching a stream while the benchmark drives it: a durable consumer (no acks, new messages
 * only) created by a user allowed to, read by another, which answers "this key was stored at
 * server time T" as soon as the message arrives. Keys come from the caller (the client order id
 * of an `orders.sent.*`, the signal id of a closed position, a relay message's id).
 *
 * Times are the stream's own timestamps (the server's clock when it stored the message), so a
 * latency between two stored messages does not include this client's delivery delay.
 */
import type { JetStreamClient, JetStreamManager } from '../../adapters/nats/index.ts';

export interface Observer {
  /** resolves with the server time (ms, fractional) at which `key` was stored; at once if it already was */
  storedAt(key: string, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

const WAIT_MS = 30_000;

/** Nanoseconds since the epoch (a JsMsg or StoredMsg timestamp) to fractional ms. */
export const nanosToMs = (ns: number | bigint): number => (typeof ns === 'bigint' ? Number(ns / 1000n) / 1000 : ns / 1e6);

export async function startObserver(opts: {
  /** creates and deletes the consumer */
  manager: JetStreamManager;
  /** reads it */
  js: JetStreamClient;
  stream: string;
  name: string;
  filterSubject?: string;
  keyOf: (subject: string, body: unknown) => string | undefined;
}): Promise<Observer> {
  const { manager, js, stream, name } = opts;
  await manager.consumers.add(stream, {
    durable_name: name, ack_policy: 'none', deliver_policy: 'new', ...(opts.filterSubject === undefined ? {} : { filter_subject: opts.filterSubject }),
  });
  const seen = new Map<string, number>();
  const waiting = new Map<string, (at: number) => void>();
  const messages = await (await js.consumers.get(stream, name)).consume({ max_messages: 500 });
  const loop = (async () => {
    for await (const m of messages) {
      let key: string | undefined;
      try {
        key = opts.keyOf(m.subject, m.json<unknown>());
      } catch {
        continue; // not JSON: not one of ours
      }
      if (key === undefined) continue;
      const at = nanosToMs(m.info.timestampNanos);
      seen.set(key, at);
      waiting.get(key)?.(at);
      waiting.delete(key);
    }
  })();
  return {
    storedAt(key, timeoutMs = WAIT_MS) {
      const at = seen.get(key);
      if (at !== undefined) return Promise.resolve(at);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(key);
          reject(new Error(`${stream}: nothing stored for ${key} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(key, (t) => {
          clearTimeout(timer);
          resolve(t);
        });
      });
    },
    async stop() {
      messages.stop();
      await loop.catch(() => undefined);
      await manager.consumers.delete(stream, name).catch(() => undefined);
    },
  };
}

/** The server time (ms) at which stream message `seq` was stored. */
export async function storedTime(jsm: JetStreamManager, stream: string, seq: number): Promise<number> {
  const m = await jsm.streams.getMessage(stream, { seq });
  if (m === null) throw new Error(`${stream} has no message ${seq}`);
  return rfc3339ToMs(m.timestamp) ?? m.time.getTime();
}

/**
 * A server timestamp such as `2026-12-05T21:30:00.123456789Z` to fractional ms, keeping the
 * sub-millisecond digits that `StoredMsg.time` (a Date) drops; undefined if it is not that shape.
 */
export function rfc3339ToMs(ts: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(ts);
  if (m === null) return undefined;
  return Date.parse(`${m[1]}Z`) + Number(`0.${m[2] ?? '0'}`) * 1000;
}
