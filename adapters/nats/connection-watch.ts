/**
 * The state of one NATS connection from its status events (nats.js `nc.status()`: `disconnect`,
 * `reconnecting`, `reconnect`, `close`), as the stage runner's ConnectionWatch port
 * (actors/stage/ports.ts) needs it, and the one place that says which library errors mean
 * "NATS or JetStream is unavailable for now" (a restart, a killed cluster node, a leader election).
 */
import { JetStreamApiError, JetStreamError } from '@nats-io/jetstream';
import { ConnectionError, NoRespondersError, RequestError, TimeoutError, type NatsConnection } from '@nats-io/transport-node';
import type { ConnectionWatch } from '../../actors/stage/ports.ts';

/**
 * JetStream API error codes that say "no leader / not ready yet", not "your request is wrong"
 * (nats-server errors.json): 10008 JetStream system temporarily unavailable, 10118 (cluster) and
 * 503 as the HTTP-like status of an unavailable JetStream or consumer leader.
 */
const TRANSIENT_API_CODES = new Set([10008, 10118]);
/** pull statuses during a leader change or a server restart: 408 request timeout, 409 leadership change, 503 no responders */
const TRANSIENT_STATUS = new Set([408, 409, 503]);

/** Whether `err` (or any error in its `cause` chain) says NATS or JetStream is unavailable for now. */
export function isTransientNatsError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof TimeoutError || e instanceof NoRespondersError || e instanceof ConnectionError || e instanceof RequestError) return true;
    if (e instanceof JetStreamApiError && (TRANSIENT_API_CODES.has(e.code) || e.status === 503)) return true;
    // a pull's status error (JetStreamStatusError, not exported by the package root) carries the status as `code`
    const status = (e as { code?: unknown }).code;
    if (e instanceof JetStreamError && typeof status === 'number' && TRANSIENT_STATUS.has(status)) return true;
    // a pull that missed the server's idle heartbeats: the server or the link did not answer in time (a loaded machine, a dying node)
    if (e instanceof JetStreamError && e.message === 'heartbeats missed') return true;
  }
  return false;
}

/** Watches `nc`'s status events for as long as it is open. */
export function watchConnection(nc: NatsConnection): ConnectionWatch {
  let up = !nc.isClosed();
  let drops = 0;
  const listeners = new Set<(up: boolean) => void>();
  let waiters: (() => void)[] = [];
  const set = (next: boolean) => {
    if (next === up) return;
    up = next;
    if (!up) drops++;
    for (const cb of [...listeners]) cb(up);
    if (up) {
      const w = waiters;
      waiters = [];
      for (const r of w) r();
    }
  };
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnecting') set(false);
      else if (s.type === 'reconnect') set(true);
    }
  })().catch(() => undefined);
  return {
    isUp: () => up && !nc.isClosed(),
    drops: () => drops,
    onChange(cb) {
      listeners.add(cb);
      return () => void listeners.delete(cb);
    },
    whenUp: () => (up ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
    isTransient: isTransientNatsError,
  };
}
