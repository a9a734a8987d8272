/**
 * The ticker services (gateway clock, bar clock, audit mirror, integrity auditor, drift monitor)
 * under a NATS connection that goes away: their stage machine shows `reconnecting` and they tick
 * again once it is back, with no crash; a tick that fails for its own reasons is still a crash.
 * A fake ConnectionWatch stands for the client's status (the real one is exercised by
 * spec/e2e/nats-reconnect.e2e.test.ts and the (o) bench).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTickerService } from '../../actors/app/ticker.service.ts';
import type { ConnectionWatch } from '../../actors/stage/ports.ts';

const s = suite('ticker service and a lost NATS connection');

function fakeConnection() {
  let up = true;
  let drops = 0;
  const listeners = new Set<(up: boolean) => void>();
  const conn: ConnectionWatch & { set(v: boolean): void } = {
    isUp: () => up,
    drops: () => drops,
    onChange(cb) {
      listeners.add(cb);
      return () => void listeners.delete(cb);
    },
    whenUp: () => new Promise<void>((resolve) => {
      if (up) return resolve();
      const un = conn.onChange((v) => {
        if (v) {
          un();
          resolve();
        }
      });
    }),
    isTransient: (err) => err instanceof Error && err.message === 'timeout',
    set(v) {
      if (v === up) return;
      up = v;
      if (!v) drops++;
      for (const l of [...listeners]) l(v);
    },
  };
  return conn;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, check: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await wait(2);
  }
}

s('a tick that fails because NATS is down makes the service reconnecting, and it ticks again once NATS is back, with no crash', async () => {
  const conn = fakeConnection();
  let ok = 0;
  let failed = 0;
  const actor = startTickerService('t', {
    intervalMs: 10,
    connection: conn,
    async tick() {
      if (!conn.isUp()) {
        failed++;
        throw new Error('publish to orders.clock failed: closed');
      }
      ok++;
    },
  });
  const seen = new Set<string>();
  actor.subscribe((x) => void seen.add(String(x.value)));
  await until('running', () => actor.getSnapshot().value === 'running');
  await until('a first tick', () => ok > 0);
  conn.set(false);
  await until('reconnecting', () => actor.getSnapshot().value === 'reconnecting');
  await until('a tick failing while down', () => failed > 0);
  await wait(50);
  assert.is(actor.getSnapshot().value, 'reconnecting', 'still reconnecting while NATS is down');
  const before = ok;
  conn.set(true);
  await until('running again', () => actor.getSnapshot().value === 'running');
  await until('ticking again', () => ok > before);
  assert.ok(!seen.has('failed'), `never failed (seen ${[...seen].join(', ')})`);
  actor.send({ type: 'STOP' });
});

s('a tick failing with the connection up and a transient JetStream answer is a reconnect, not a crash', async () => {
  const conn = fakeConnection();
  let n = 0;
  const actor = startTickerService('t', {
    intervalMs: 10,
    connection: conn,
    async tick() {
      n++;
      if (n === 2) throw new Error('timeout');
    },
  });
  const seen = new Set<string>();
  actor.subscribe((x) => void seen.add(String(x.value)));
  await until('three ticks', () => n >= 4);
  assert.ok(seen.has('reconnecting'), `went through reconnecting (seen ${[...seen].join(', ')})`);
  assert.ok(!seen.has('failed'));
  assert.is(actor.getSnapshot().value, 'running');
  actor.send({ type: 'STOP' });
});

s('a tick that fails for its own reasons, with NATS up, is still a crash', async () => {
  const conn = fakeConnection();
  const actor = startTickerService('t', {
    intervalMs: 10,
    connection: conn,
    async tick() {
      throw new Error('relation "audit_log" does not exist');
    },
  });
  await until('failed', () => actor.getSnapshot().value === 'failed');
  assert.match(String(actor.getSnapshot().context.error), /audit_log/);
});

s('without a connection to watch, a failed tick is a crash as before', async () => {
  const actor = startTickerService('t', {
    intervalMs: 10,
    async tick() {
      throw new Error('publish failed: closed');
    },
  });
  await until('failed', () => actor.getSnapshot().value === 'failed');
});

s('a ticker stopped while its first tick runs, or stopped by force, never ticks again', async () => {
  // STOP in `starting` skips the drain; actor.stop() skips everything: neither may leave the inner ticker running
  let released!: () => void;
  const firstTick = new Promise<void>((r) => (released = r));
  let n = 0;
  const a = startTickerService('t', {
    intervalMs: 5,
    immediate: true,
    async tick() {
      n++;
      if (n === 1) await firstTick;
    },
  });
  await until('the first tick', () => n === 1);
  a.send({ type: 'STOP' });
  released();
  await wait(60);
  assert.is(n, 1, 'no tick after a STOP during the first one');

  let m = 0;
  const b = startTickerService('t', { intervalMs: 5, async tick() { m++; } });
  await until('ticking', () => m >= 2);
  b.stop();
  const at = m;
  await wait(60);
  assert.ok(m <= at + 1, `no tick after actor.stop() (${at} then ${m})`);
});

s.run();
