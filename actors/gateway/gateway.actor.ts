/**
 * The execution side's three stages (role `gateway`, NATS user `gateway`):
 *
 *   order-intake       SIGNALS → `orders.intent.<sym>` (id `intent:<signal id>`): one stream, ORDERS,
 *                      then carries everything the gateway decides on, in one order.
 *   execution-gateway  ORDERS → the GatewayProcessor (gate + breaker + book); its effect places the
 *                      entry at the broker (client order id `<signal id>:entry`: a re-send after a
 *                      crash is answered duplicate and counts as sent) and publishes the result
 *                      (`orders.sent` / `orders.failed`) and any fill the broker already made.
 *   paper-broker       BARS → PaperBroker.onBar (fills at the next open, bracket exits), and every
 *                      fill after its cursor to `fills.<sym>` (id = fill id).
 *
 * POLICY: the gateway's rows, positions, audit entries and its processor snapshot (with the gate's
 * and breaker's persisted snapshots) are written in ONE transaction by the stage runner.
 */
import { appendAudits, insertFill, insertOrder, savePosition, setOrderStatus, type Db } from '../../adapters/db/index.ts';
import type { Broker, BrokerFill, CancelResult } from '../../adapters/broker/broker.ts';
import type { PaperBroker } from '../../adapters/broker/paper-broker.ts';
import type { PaperBrokerStore } from '../../adapters/broker/paper-store.ts';
import type { Clock } from '../../adapters/time/clock.ts';
import { FakeoutError } from '../domain/errors.ts';
import { isTimeframe, type Bar, type Signal } from '../domain/messages.ts';
import { lookupInstrument } from '../execution/instruments.ts';
import type { CostModelParams } from '../execution/cost-model.ts';
import {
  fillSubject, intentMsgId, intentSubject, ordersMsgId, ordersSubject, parseBreakerTrip, parseOrdersMessage, TRIP_SUBJECT_PREFIX,
  type FillMessage, type OrderCancelled, type OrderIntent, type OrdersMessage,
} from '../execution/order-messages.ts';
import type { OutboundMessage } from '../stage/ports.ts';
import type { StageDefinition } from '../stage/stage.actor.ts';
import type { GovernedVersion } from '../config/governed.ts';
import { GatewayProcessor, type GatewayOutput, type GatewayParams, type GatewayState } from './gateway-processor.ts';
import { countOutputs, type AuditNote, type GatewayCommitReport } from './gateway-state.ts';

function decodeSignal(value: unknown): Signal {
  const s = value as Partial<Signal> | null;
  if (typeof s !== 'object' || s === null || typeof s.id !== 'string' || typeof s.symbol !== 'string' || !isTimeframe(s.timeframe) || typeof s.entry !== 'number') {
    throw new FakeoutError('FAKEOUT_ERR_EXEC_INVALID_MESSAGE', 'SIGNALS message is not a signal', { details: { field: 'signal' } });
  }
  return s as Signal;
}

/**
 * SIGNALS → intents. Stateless; the intent's id is derived from the signal's, so a redelivery is a
 * duplicate. Each intent is stamped `receivedAt` by the process's clock (live or replay is decided
 * from it by the gateway); a redelivered signal gets a later stamp but the same id, so the stream
 * keeps the first.
 */
export function orderIntakeStage(clock: Clock): StageDefinition<Signal, OrderIntent> {
  return {
    name: 'order-intake',
    stream: 'SIGNALS',
    decode: decodeSignal,
    create: () => ({
      apply: (s) => [{
        kind: 'intent', id: intentMsgId(s.id), signalId: s.id, symbol: s.symbol, timeframe: s.timeframe, direction: s.direction,
        openTime: s.openTime, entry: s.entry, stop: s.stop, target: s.target, atr: s.features?.atr ?? 0, score: s.score, receivedAt: clock.now(),
      }],
      snapshot: () => ({}),
    }),
    toPublish: (outputs) => outputs.map((i) => ({ subject: intentSubject(i.symbol), id: i.id, value: i })),
    persist: async () => undefined,
  };
}

/** A broker fill as the ORDERS message the gateway reads. */
export function fillMessage(f: BrokerFill): FillMessage {
  const exit = f.exit;
  return {
    kind: 'fill', fillId: f.fillId, clientOrderId: f.clientOrderId, symbol: f.symbol, side: f.side, qty: f.qty, price: f.price, fees: f.fees, time: f.time,
    leg: exit === undefined ? 'entry' : 'exit', ...(exit === undefined ? {} : { exitReason: exit.reason, barsHeld: exit.barsHeld, gap: exit.gap }),
    modelledBps: f.modelled?.totalBps ?? 0, realisedBps: f.realisedBps ?? null, ...(f.barId === undefined ? {} : { barId: f.barId }),
  };
}
/**
 * The broker's answer to a cancel as the outcome the gateway reads. POLICY: `not_cancellable`
 * with status `cancelled` is a cancel a crashed incarnation already made (the effect re-ran): cancelled.
 */
export function cancelOutcome(res: CancelResult): OrderCancelled['outcome'] {
  if (res.ok) return 'cancelled';
  if (res.reason === 'unknown_order') return 'unknown';
  return res.status === 'filled' ? 'filled' : res.status === 'cancelled' ? 'cancelled' : 'unknown';
}
const publishOf = (m: OrdersMessage): GatewayOutput => ({ kind: 'publish', subject: ordersSubject(m), id: ordersMsgId(m), value: m });

export interface GatewayStageDeps {
  params: GatewayParams;
  costModel: Readonly<CostModelParams>;
  broker: () => Promise<Broker>;
  /** the paper broker's book: fills it already made for an order are published with the send result */
  paperStore?: PaperBrokerStore;
  /** the live processor, for GET /actors and the summary (read-only) */
  onProcessor?: (p: GatewayProcessor) => void;
  /** after a batch committed: its counts and the gate's and breaker's states (metrics) */
  onCommitted?: (r: GatewayCommitReport) => void;
}

export function executionGatewayStage(deps: GatewayStageDeps): StageDefinition<OrdersMessage, GatewayOutput> {
  let current: GatewayProcessor | undefined;
  let governed: GovernedVersion | undefined;
  return {
    name: 'execution-gateway',
    useConfig(v) {
      governed = v;
      current?.useConfig(v);
    },
    stream: 'ORDERS',
    decode: (value, subject) => parseOrdersMessage(subject, value),
    // POLICY: a trip is never dropped, not even one whose body is not JSON
    decodeUnreadable: (subject, error) => (subject.startsWith(TRIP_SUBJECT_PREFIX) ? parseBreakerTrip(subject, undefined, error) : undefined),
    create(snapshot) {
      const p = new GatewayProcessor(deps.params, snapshot as GatewayState | undefined);
      if (governed !== undefined) p.useConfig(governed);
      current = p;
      deps.onProcessor?.(p);
      return p;
    },
    afterCommit(outputs) {
      if (current !== undefined) deps.onCommitted?.({ ...countOutputs(outputs), gate: current.gateState, breaker: current.breakerState });
    },
    async effect(outputs) {
      const out = [...outputs];
      const broker = await deps.broker();
      const publishFills = async (ids: string[]) => {
        for (const id of ids) {
          const fill = (await deps.paperStore?.getOrder(id))?.fill;
          if (fill) out.push(publishOf(fillMessage(fill)));
        }
      };
      // in output order: an order sent and cancelled in one batch is placed before it is cancelled
      for (const o of outputs) {
        if (o.kind === 'cancel') {
          const b = o.order;
          const outcome = cancelOutcome(await broker.cancelOrder(b.clientOrderId));
          out.push(publishOf({ kind: 'cancelled', clientOrderId: b.clientOrderId, symbol: b.symbol, at: o.at, outcome }));
          // too late: the fill (and any exit) the broker made is published like after a placement
          if (outcome === 'filled') await publishFills([b.clientOrderId, b.clientOrderId.replace(/:entry$/, ':exit')]);
          continue;
        }
        if (o.kind !== 'send') continue;
        const b = o.order;
        const exitId = b.clientOrderId.replace(/:entry$/, ':exit');
        const res = await broker.placeOrder({
          clientOrderId: b.clientOrderId, symbol: b.symbol, side: b.direction === 'long' ? 'buy' : 'sell', qty: b.qty, type: 'market',
          hints: { sigma: b.atr / b.entry, referencePrice: b.entry, timeframe: b.timeframe, decisionTime: o.at },
          bracket: { stop: b.stop, target: b.target, timeStopBars: deps.params.timeStopBars, exitClientOrderId: exitId },
        });
        // POLICY: duplicate_client_order_id means a previous incarnation already placed it: sent.
        const duplicate = !res.ok && res.rejection.reason === 'duplicate_client_order_id';
        out.push(publishOf(res.ok || duplicate
          ? { kind: 'sent', clientOrderId: b.clientOrderId, symbol: b.symbol, at: o.at, duplicate }
          : { kind: 'failed', clientOrderId: b.clientOrderId, symbol: b.symbol, at: o.at, reason: res.rejection.reason, message: res.rejection.message }));
        await publishFills([b.clientOrderId, exitId]);
      }
      return out;
    },
    toPublish: (outputs) => outputs.flatMap((o): OutboundMessage[] => (o.kind === 'publish' ? [{ subject: o.subject, id: o.id, value: o.value }] : [])),
    async persist(tx, outputs) {
      // consecutive audit entries go in one append (one lock, one tail read, one INSERT)
      let audits: AuditNote[] = [];
      for (const o of outputs) {
        if (o.kind === 'audit') { audits.push(o.entry); continue; }
        if (audits.length > 0) { await appendAudits(tx, audits); audits = []; }
        await persistOne(tx, o, deps.costModel);
      }
      if (audits.length > 0) await appendAudits(tx, audits);
    },
  };
}

async function persistOne(tx: Db, o: GatewayOutput, cost: Readonly<CostModelParams>): Promise<void> {
  switch (o.kind) {
    case 'order': {
      const r = o.row;
      const venue = lookupInstrument(r.symbol)?.venue ?? 'crypto';
      // the estimate before the fill bar is known: half the spread (impact needs its volume)
      const half = cost.venues[venue].spreadBps / 2;
      const inserted = await insertOrder(tx, {
        clientOrderId: r.clientOrderId, signalId: r.signalId, leg: r.leg, symbol: r.symbol, side: r.side, qty: r.qty, status: r.status,
        decisionPrice: r.decisionPrice, modelled: { halfSpreadBps: half, impactBps: 0, liquidityMultiplier: 1, noiseBps: 0, totalBps: half },
        config: r.config, createdAt: r.at, updatedAt: r.at, configVersion: r.configVersion ?? null,
      });
      if (!inserted) await setOrderStatus(tx, r.clientOrderId, r.status, r.at);
      return;
    }
    case 'fill': {
      const f = o.fill;
      await insertFill(tx, {
        fillId: f.fillId, clientOrderId: f.clientOrderId, signalId: o.order.signalId, leg: f.leg, symbol: f.symbol, side: f.side, qty: f.qty,
        price: f.price, fees: f.fees, filledAt: f.time, modelledBps: f.modelledBps, realisedBps: f.realisedBps,
        detail: { barId: f.barId ?? null, exitReason: f.exitReason ?? null, barsHeld: f.barsHeld ?? null, gap: f.gap ?? null },
        configVersion: o.order.configVersion ?? null,
      });
      return;
    }
    case 'position':
      await savePosition(tx, o.snapshot);
      return;
    case 'audit': // appended in runs by persist()
    case 'send':
    case 'cancel':
    case 'publish':
      return;
  }
}

/** BARS → the paper broker; publishes every fill after its cursor (kept in the checkpoint). */
export function paperBrokerStage(broker: () => Promise<PaperBroker>): StageDefinition<Bar, { bar: Bar } | FillMessage> {
  let cursor: string | undefined;
  return {
    name: 'paper-broker',
    stream: 'BARS',
    decode: (value) => {
      const b = value as Partial<Bar> | null;
      if (typeof b !== 'object' || b === null || typeof b.symbol !== 'string' || !isTimeframe(b.timeframe) || typeof b.open !== 'number') {
        throw new FakeoutError('FAKEOUT_ERR_EXEC_INVALID_MESSAGE', 'BARS message is not a bar', { details: { field: 'bar' } });
      }
      return b as Bar;
    },
    create(snapshot) {
      cursor = (snapshot as { cursor?: string } | undefined)?.cursor;
      return { apply: (bar) => [{ bar }], snapshot: () => ({ cursor }) };
    },
    async effect(outputs) {
      const b = await broker();
      await b.onBars(outputs.flatMap((o) => ('bar' in o ? [o.bar] : [])));
      // POLICY: publish from the cursor, not from onBar's answer: fills recorded by a crashed
      // incarnation (or by the gateway's catch-up) are published too; ids deduplicate repeats.
      const fills: FillMessage[] = [];
      for (;;) {
        const page = await b.fills(cursor);
        fills.push(...page.fills.map(fillMessage));
        if (page.fills.length === 0 || page.cursor === cursor) break;
        cursor = page.cursor;
      }
      return fills;
    },
    toPublish: (outputs) => outputs.flatMap((o) => ('kind' in o ? [{ subject: fillSubject(o.symbol), id: o.fillId, value: o }] : [])),
    persist: async () => undefined,
  };
}
