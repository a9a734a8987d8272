/**
 * Bad input on the order path, through a whole app (its own nats-server, a fresh Postgres): ORDERS
 * messages that are malformed (missing or wrong fields, negative or zero sizes, a symbol that does
 * not match its subject, a subject of no known kind), intents for an unknown symbol, with
 * degenerate prices or too small to size, approvals for unknown, expired, already-decided orders
 * or from a role that may not approve. Each is refused with a reason naming the field (log line,
 * `bad` count, or audit entry), acked (nothing stays pending, the stage never crash-loops), and
 * nothing reaches the broker or changes a stored order.
 * The HTTP approval surface's refusals (reused code, another user's code, viewer, unknown and
 * decided orders) are proven in spec/http/orders.routes.test.ts against a real server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { approvedMsgId, approvedSubject, fillSubject, intentMsgId, intentSubject, rejectedMsgId, rejectedSubject } from '../../actors/execution/order-messages.ts';
import type { OutboundMessage } from '../../actors/stage/ports.ts';
import type { SupervisionEvent } from '../../supervision/index.ts';
import { startTestApp } from '../helpers/app.ts';

const s = suite('execution bad input');
const MIN = 60_000;
// a Tuesday afternoon in New York: SPY's session, so nothing here is about liquidity
const T0 = Date.UTC(2024, 0, 2, 15, 0);

const intent = (signalId: string, symbol: string, openTime: number, prices: { entry: number; stop: number; target: number }) => ({
  subject: intentSubject(symbol),
  id: intentMsgId(signalId),
  value: { kind: 'intent', id: intentMsgId(signalId), signalId, symbol, timeframe: '1m', direction: 'long', openTime, ...prices, atr: 0.5, score: 80 },
});
const approval = (clientOrderId: string, symbol: string, user: string, role: string, at = Date.now()) => ({
  subject: approvedSubject(symbol), id: approvedMsgId(clientOrderId, user, at), value: { clientOrderId, symbol, user, role, at },
});
const GOOD = { entry: 470, stop: 469, target: 472 };

s('refuses malformed order messages and undecidable intents and approvals with reasons, acks them, and sends nothing', async () => {
  const events: SupervisionEvent[] = [];
  const t = await startTestApp({ onSupervision: (e) => events.push(e) });
  try {
    const bus = t.app.messaging.bus('gateway');
    const db = t.app.database.db;
    const publish = (items: OutboundMessage[]) => bus.publishMany(items);

    // 1. malformed: each names its field
    const { value: okBody } = intent('SPY:1m:x', 'SPY', T0, GOOD);
    const malformed: [OutboundMessage, string][] = [
      [{ subject: intentSubject('SPY'), id: 'm1', value: { ...okBody, entry: undefined } }, 'entry'],
      [{ subject: intentSubject('SPY'), id: 'm2', value: { ...okBody, stop: -1 } }, 'stop'],
      [{ subject: intentSubject('SPY'), id: 'm3', value: { ...okBody, direction: 'sideways' } }, 'direction'],
      [{ subject: intentSubject('SPY'), id: 'm4', value: { ...okBody, symbol: 'EURUSD' } }, 'symbol'],
      [{ subject: intentSubject('SPY'), id: 'm5', value: [1, 2, 3] }, 'body'],
      [{ subject: fillSubject('SPY'), id: 'm6', value: { kind: 'fill', fillId: 'f', clientOrderId: 'SPY:1m:x:entry', symbol: 'SPY', side: 'buy', qty: -5, price: 470, fees: 1, time: T0, leg: 'entry', modelledBps: 1, realisedBps: 1 } }, 'qty'],
      [{ subject: fillSubject('SPY'), id: 'm7', value: { kind: 'fill', fillId: 'g', clientOrderId: 'SPY:1m:x:entry', symbol: 'SPY', side: 'buy', qty: 0, price: 470, fees: 1, time: T0, leg: 'entry', modelledBps: 1, realisedBps: 1 } }, 'qty'],
      [{ subject: approvedSubject('SPY'), id: 'm8', value: { clientOrderId: 'SPY:1m:x:entry', symbol: 'SPY', role: 'approver', at: 1 } }, 'user'],
      [{ subject: 'orders.bogus.SPY', id: 'm9', value: { symbol: 'SPY' } }, 'subject'],
    ];
    await publish(malformed.map(([m]) => m));

    // 2. intents that cannot be decided, one pending order, and approvals that must change nothing
    const pending = 'SPY:1m:p';
    const rejected = 'BTC-PERP:1m:r';
    const decidedAt = Date.now();
    await publish([
      intent('NOPE:1m:u', 'NOPE', T0, GOOD), // unknown symbol
      intent('SPY:1m:d', 'SPY', T0, { entry: 470, stop: 471, target: 472 }), // stop above a long's entry
      intent('EURUSD:1m:z', 'EURUSD', T0, { entry: 1.5, stop: 0.5, target: 1.7 }), // 100000 × 0.005 / 1.0 = 500 units < the 1000 minimum
      intent('SPY:1m:p', 'SPY', T0, GOOD),
      intent('BTC-PERP:1m:r', 'BTC-PERP', T0, { entry: 40_000, stop: 39_900, target: 40_300 }),
      approval('SPY:1m:nobody:entry', 'SPY', 'ann', 'approver'), // unknown order
      // a viewer may not approve (the message id is per decision attempt, so it cannot collapse the approver's below)
      approval(`${pending}:entry`, 'SPY', 'vic', 'viewer'),
      { subject: rejectedSubject('BTC-PERP'), id: rejectedMsgId(`${rejected}:entry`, 'ann', decidedAt), value: { clientOrderId: `${rejected}:entry`, symbol: 'BTC-PERP', user: 'ann', reason: 'no', at: decidedAt } },
      approval(`${rejected}:entry`, 'BTC-PERP', 'ann', 'approver'), // already decided (rejected)
    ]);
    await t.app.waitForIdle({ timeoutMs: 120_000 });
    // 3. an intent an hour and a minute after its close (gateway clock: its bar's close) expires the pending one; its approval then changes nothing
    await publish([intent('NOPE:1m:late', 'NOPE', T0 + 61 * MIN, GOOD)]);
    await t.app.waitForIdle({ timeoutMs: 120_000 });
    await publish([approval(`${pending}:entry`, 'SPY', 'ann', 'approver')]);
    await t.app.waitForIdle({ timeoutMs: 120_000 });

    // every malformed message is logged with its field and counted bad, never applied
    const log = readFileSync(join(t.dataDir, 'test.log'), 'utf8').split('\n').filter((l) => l.includes('bad message skipped') && l.includes('execution-gateway'));
    for (const [m, field] of malformed) {
      const line = log.find((l) => l.includes(`"subject":"${m.subject}"`) && l.includes(field));
      assert.ok(line, `${m.id} (${field}) is logged as a bad message naming ${field}`);
    }
    const metrics = await (await fetch(`${t.app.httpUrl()}/metrics`)).text();
    const bad = /fakeout_stage_messages_total\{stage="execution-gateway",outcome="bad"\} (\d+)/.exec(metrics);
    assert.is(Number(bad?.[1]), malformed.length, 'counted as bad messages');

    // the intents, skipped with their reasons (by hand: NOPE has no instrument; a long needs its stop below the entry;
    // EURUSD is sized 500 units, below its 1000 step)
    const skipped = await db.selectFrom('audit_log').select(['subject', 'details']).where('action', '=', 'intent.skipped').orderBy('seq').execute();
    const reasons = Object.fromEntries(skipped.map((r) => [r.subject, (r.details as { reason: string }).reason]));
    assert.equal(reasons, { 'NOPE:1m:u:entry': 'unknown_symbol', 'SPY:1m:d:entry': 'invalid_prices', 'EURUSD:1m:z:entry': 'below_minimum', 'NOPE:1m:late:entry': 'unknown_symbol' });

    const ignored = await db.selectFrom('audit_log').select(['subject', 'details']).where('action', '=', 'order.approval_ignored').orderBy('seq').execute();
    assert.equal(ignored.map((r) => [r.subject, (r.details as { reason: string }).reason]), [
      ['SPY:1m:nobody:entry', 'unknown order'],
      [`${pending}:entry`, 'role viewer may not approve'],
      [`${rejected}:entry`, 'already decided'],
      [`${pending}:entry`, 'already decided'],
    ]);
    const orders = await db.selectFrom('orders').select(['client_order_id', 'status']).orderBy('client_order_id').execute();
    assert.equal(orders.map((o) => [o.client_order_id, o.status]), [
      [`${rejected}:entry`, 'rejected'],
      [`${pending}:entry`, 'expired'],
    ]);
    const expired = await db.selectFrom('audit_log').select('subject').where('action', '=', 'order.expired').execute();
    assert.equal(expired.map((r) => r.subject), [`${pending}:entry`]);

    // nothing reached the broker, nothing stays pending, the gateway never restarted
    assert.equal(await db.selectFrom('broker_orders').select('client_order_id').execute(), []);
    const info = await (await bus.openConsumer('ORDERS', 'execution-gateway')).pending();
    assert.is(info.numPending, 0, 'every message acked');
    assert.equal(events.filter((e) => e.path.endsWith('execution-gateway') && (e.type === 'crashed' || e.type === 'restarted')), []);
  } finally {
    await t.cleanup();
  }
});

s.run();
