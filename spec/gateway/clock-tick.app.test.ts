/**
 * The gateway-clock service in a running app (its own nats-server and database): with
 * FAKEOUT_CLOCK_TICK=1 it publishes `orders.clock` ticks `{ kind: 'tick', at }` with id
 * `clock:<at>` as the gateway NATS user, and the execution gateway consumes them as messages it
 * understands (acked, none bad).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from '../../adapters/nats/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const s = suite<{ t: TestApp; nc: NatsConnection; jsm: JetStreamManager }>('gateway clock service');

s.before(async (ctx) => {
  ctx.t = await startTestApp({ env: { FAKEOUT_CLOCK_TICK: '1' } });
  // read back as the read-only ops user (the gateway user may not read messages by sequence)
  const embedded = ctx.t.app.messaging.embedded!;
  const ops = embedded.credentials('ops');
  ctx.nc = await connectNats({ servers: embedded.url, user: ops.user, pass: ops.pass, name: 'test-ops' });
  ctx.jsm = await jetstreamManager(ctx.nc);
});
s.after(async (ctx) => {
  await ctx.nc?.close();
  await ctx.t?.cleanup();
});

s('publishes wall-clock ticks on orders.clock that the execution gateway applies without a bad message', async ({ t, jsm }) => {
  const started = Date.now();
  let ticks: { id: string | undefined; at: number }[] = [];
  while (Date.now() - started < 60_000) {
    const info = await jsm.streams.info('ORDERS');
    ticks = [];
    for (let seq = info.state.first_seq; info.state.messages > 0 && seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage('ORDERS', { seq });
      if (m?.subject === 'orders.clock') ticks.push({ id: m.header?.get('Nats-Msg-Id'), at: (m.json() as { at: number }).at });
    }
    const c = await jsm.consumers.info('ORDERS', 'execution-gateway');
    if (ticks.length >= 2 && c.num_pending === 0 && c.num_ack_pending === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(ticks.length >= 2, `ticks seen: ${ticks.length}`);
  for (const k of ticks) {
    assert.is(k.id, `clock:${k.at}`);
    assert.ok(Math.abs(k.at - Date.now()) < 120_000, 'at is wall time');
  }
  assert.ok(ticks[1]!.at - ticks[0]!.at >= 900, 'about one second apart');
  const metrics = await (await fetch(`${t.app.httpUrl()}/metrics`)).text();
  assert.not.match(metrics, /fakeout_stage_messages_total\{stage="execution-gateway",outcome="bad"\} [1-9]/);
  assert.match(metrics, /fakeout_stage_messages_total\{stage="execution-gateway",outcome="processed"\} [1-9]/);
});

s.run();
