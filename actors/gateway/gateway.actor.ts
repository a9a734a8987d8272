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
import { appendAudits, insertFillRows, saveOrderRows, savePositionRows, type FillRecord, type OrderRecord } from '../../adapters/db/index.ts';
import type { PositionSnapshot } from '../execution/position.ts';
import type { Broker, BrokerFill, CancelResult } from '../../adapters/broker/broker.ts';
import type { Clock } from '../../adapters/time/clock.ts';
import { FakeoutError } from '../domain/errors.ts';
import { isTimeframe, type ScoreMessage } from '../domain/messages.ts';
import { lookupInstrument } from '../execution/instruments.ts';
import type { CostModelParams } from '../execution/cost-model.ts';
import {
  intentMsgId, ordersMsgId, ordersSubject, parseBreakerTrip, parseOrdersMessage, TRIP_SUBJECT_PREFIX,
  type BarClosed, type FillMessage, type OrderCancelled, type OrderFailed, type OrderIntent, type OrderSent, type OrdersMessage,
} from '../execution/order-messages.ts';
import type { OutboundMessage } from '../stage/ports.ts';
import type { StageDefinition } from '../stage/stage.actor.ts';
import type { GovernedVersion } from '../config/governed.ts';
import { GatewayProcessor, type GatewayOutput, type GatewayParams, type GatewayState } from './gateway-processor.ts';
import { approvalsPending, countOutputs, GATEWAY_STAGE, type AuditNote, type GatewayCommitReport } from './gateway-state.ts';

function decodeScore(value: unknown): ScoreMessage {
  const m = value as Partial<ScoreMessage> | null;
  if (typeof m !== 'object' || m === null || typeof m.id !== 'string' || typeof m.symbol !== 'string' || !isTimeframe(m.timeframe) || typeof m.openTime !== 'number') {
    throw new FakeoutError('FAKEOUT_ERR_EXEC_INVALID_MESSAGE', 'SCORES message is not a score', { details: { field: 'score' } });
  }
  const s = m.signal;
  if (s !== undefined && (typeof s !== 'object' || s === null || s.id !== m.id || typeof s.entry !== 'number' || typeof s.stop !== 'number' || typeof s.target !== 'number')) {
    throw new FakeoutError('FAKEOUT_ERR_EXEC_INVALID_MESSAGE', 'SCORES message carries a malformed signal', { details: { field: 'signal' } });
  }
  return m as ScoreMessage;
}

export type IntakeOutput = BarClosed | OrderIntent;

/**
 * SCORES → ORDERS: for every scored bar, `orders.bar.<sym>` (the gateway moves the paper broker
 * to it), then, when the score made a signal, its intent (id derived from the signal's, so a
 * redelivery is a duplicate). Reading the scores, not SIGNALS, puts the bars and the intents in
 * one order, the data's: the gateway decides an intent knowing every fill its bar and the bars
 * before it made, however far each stage is behind (docs/execution.md, "One order of events").
 * Stateless. Each intent is stamped `receivedAt` by the process's clock (live or replay is
 * decided from it by the gateway); a redelivered score gets a later stamp but the same ids.
 */
export function orderIntakeStage(clock: Clock): StageDefinition<ScoreMessage, IntakeOutput> {
  return {
    name: 'order-intake',
    stream: 'SCORES',
    decode: decodeScore,
    create: () => ({
      apply: (m) => {
        const out: IntakeOutput[] = [{ kind: 'bar', symbol: m.symbol, timeframe: m.timeframe, openTime: m.openTime }];
        const s = m.signal;
        if (s !== undefined) {
          out.push({
            kind: 'intent', id: intentMsgId(s.id), signalId: s.id, symbol: s.symbol, timeframe: s.timeframe, direction: s.direction,
            openTime: s.openTime, entry: s.entry, stop: s.stop, target: s.target, atr: s.features?.atr ?? 0, score: s.score, receivedAt: clock.now(),
          });
        }
        return out;
      },
      snapshot: () => ({}),
    }),
    toPublish: (outputs) => outputs.map((o) => ({ subject: ordersSubject(o), id: ordersMsgId(o), value: o })),
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
  /** the live processor, for GET /actors and the summary (read-only) */
  onProcessor?: (p: GatewayProcessor) => void;
  /** after a batch committed: its counts and the gate's and breaker's states (metrics) */
  onCommitted?: (r: GatewayCommitReport) => void;
}

export function executionGatewayStage(deps: GatewayStageDeps): StageDefinition<OrdersMessage, GatewayOutput> {
  let current: GatewayProcessor | undefined;
  let governed: GovernedVersion | undefined;
  /** whether the current processor has read the broker's fills since it was created */
  let caughtUp = false;
  return {
    name: GATEWAY_STAGE,
    useConfig(v) {
      // a governed version never changes once written: the same version again changes nothing
      if (governed !== undefined && governed.version === v.version) return;
      governed = v;
      current?.useConfig(v);
    },
    stream: 'ORDERS',
    decode: (value, subject) => parseOrdersMessage(subject, value),
    // POLICY: a trip is never dropped, not even one whose body is not JSON
    decodeUnreadable: (subject, error) => (subject.startsWith(TRIP_SUBJECT_PREFIX) ? parseBreakerTrip(subject, undefined, error) : undefined),
    create(snapshot) {
      const p = new GatewayProcessor(deps.params, snapshot as GatewayState | undefined);
      caughtUp = false;
      if (governed !== undefined) p.useConfig(governed);
      current = p;
      deps.onProcessor?.(p);
      return p;
    },
    afterCommit(outputs) {
      if (current !== undefined) deps.onCommitted?.({ ...countOutputs(outputs), approvalsPending: approvalsPending(current.state), gate: current.gateState, breaker: current.breakerState });
    },
    // POLICY: one message's effect, then the next message: the broker's answers and fills are
    // fed straight back, so each intent is decided knowing every result before it
    effectEach: true,
    // POLICY: a batch's broker calls are one unit at the broker, one commit before this stage's
    // checkpoint, none if the batch fails (PaperBroker.batch): the recovery is the one of a
    // crash before the checkpoint (the batch is redelivered and every call re-run)
    async aroundEffects(fn) {
      const broker = await deps.broker();
      // a new incarnation's broker is where the store says (the book it keeps in memory included)
      if (!caughtUp) await broker.resync?.();
      return broker.batch === undefined ? fn() : broker.batch(fn);
    },
    async effect(outputs) {
      const out: GatewayOutput[] = [];
      const broker = await deps.broker();
      const p = current;
      if (p === undefined) throw new FakeoutError('FAKEOUT_ERR_EXEC_INVALID_MESSAGE', 'the gateway effect ran before its processor was created', { details: { field: 'processor' } });
      const queue = [...outputs];
      // the first effect of an incarnation reads the broker's fills from the checkpointed cursor
      // (a crashed one's may be there); afterwards only a call that can have made fills reads them
      let mayHaveFills = !caughtUp;
      // the marks a previous incarnation's broker left for later (a restarted broker forgot them)
      if (!caughtUp) broker.restoreDeferred?.(p.brokerDeferred);
      // in output order: an order sent and cancelled in one batch is placed before it is cancelled
      for (let o = queue.shift(); o !== undefined; o = queue.shift()) {
        out.push(o);
        const results: (OrderSent | OrderFailed | OrderCancelled | FillMessage)[] = [];
        if (o.kind === 'advance') {
          if (((await broker.advanceTo?.(o.symbol, o.timeframe, o.openTime)) ?? []).length > 0) mayHaveFills = true;
        } else if (o.kind === 'cancel') {
          mayHaveFills = true;
          const b = o.order;
          results.push({ kind: 'cancelled', clientOrderId: b.clientOrderId, symbol: b.symbol, at: o.at, outcome: cancelOutcome(await broker.cancelOrder(b.clientOrderId)) });
        } else if (o.kind === 'send') {
          mayHaveFills = true; // a placement catches up on bars already applied
          const b = o.order;
          const res = await broker.placeOrder({
            clientOrderId: b.clientOrderId, symbol: b.symbol, side: b.direction === 'long' ? 'buy' : 'sell', qty: b.qty, type: 'market',
            hints: { sigma: b.atr / b.entry, referencePrice: b.entry, timeframe: b.timeframe, decisionTime: o.at },
            bracket: { stop: b.stop, target: b.target, timeStopBars: deps.params.timeStopBars, exitClientOrderId: b.clientOrderId.replace(/:entry$/, ':exit') },
          });
          // POLICY: duplicate_client_order_id means a previous incarnation already placed it: sent.
          const duplicate = !res.ok && res.rejection.reason === 'duplicate_client_order_id';
          results.push(res.ok || duplicate
            ? { kind: 'sent', clientOrderId: b.clientOrderId, symbol: b.symbol, at: o.at, duplicate }
            : { kind: 'failed', clientOrderId: b.clientOrderId, symbol: b.symbol, at: o.at, reason: res.rejection.reason, message: res.rejection.message });
        } else {
          continue;
        }
        // POLICY: fills are read from the gateway's cursor (in its checkpoint), not from the call's
        // answer: fills a crashed incarnation's effect made are read again after the restart
        for (; mayHaveFills; ) {
          const page = await broker.fills(p.brokerCursor);
          results.push(...page.fills.map(fillMessage));
          if (page.fills.length === 0 || page.cursor === p.brokerCursor) break;
          p.brokerCursor = page.cursor;
        }
        if (mayHaveFills) caughtUp = true;
        mayHaveFills = false;
        for (const r of results) {
          out.push(publishOf(r));
          queue.push(...p.feed(r));
        }
      }
      if (broker.deferredMarks) p.brokerDeferred = broker.deferredMarks();
      return out;
    },
    toPublish: (outputs) => outputs.flatMap((o): OutboundMessage[] => (o.kind === 'publish' ? [{ subject: o.subject, id: o.id, value: o.value }] : [])),
    // POLICY: a batch's rows in a few multi-row statements (gateway-rows.repo.ts: each row ends as
    // the row-by-row writes in output order left it), orders before the fills that reference
    // them; its audit entries in one append, in output order (one lock, one tail read, one INSERT)
    async persist(tx, outputs) {
      const orders: OrderRecord[] = [];
      const fills: FillRecord[] = [];
      const positions: PositionSnapshot[] = [];
      const audits: AuditNote[] = [];
      for (const o of outputs) {
        if (o.kind === 'audit') audits.push(o.entry);
        else if (o.kind === 'order') orders.push(orderRecord(o.row, deps.costModel));
        else if (o.kind === 'fill') fills.push(fillRecord(o));
        else if (o.kind === 'position') positions.push(o.snapshot);
      }
      await saveOrderRows(tx, orders);
      await insertFillRows(tx, fills);
      await savePositionRows(tx, positions);
      if (audits.length > 0) await appendAudits(tx, audits);
    },
  };
}

type GatewayRow<K extends GatewayOutput['kind']> = Extract<GatewayOutput, { kind: K }>;

function orderRecord(r: GatewayRow<'order'>['row'], cost: Readonly<CostModelParams>): OrderRecord {
  const venue = lookupInstrument(r.symbol)?.venue ?? 'crypto';
  // the estimate before the fill bar is known: half the spread (impact needs its volume)
  const half = cost.venues[venue].spreadBps / 2;
  return {
    clientOrderId: r.clientOrderId, signalId: r.signalId, leg: r.leg, symbol: r.symbol, side: r.side, qty: r.qty, status: r.status,
    decisionPrice: r.decisionPrice, modelled: { halfSpreadBps: half, impactBps: 0, liquidityMultiplier: 1, noiseBps: 0, totalBps: half },
    config: r.config, createdAt: r.at, updatedAt: r.at, configVersion: r.configVersion ?? null,
  };
}

function fillRecord(o: GatewayRow<'fill'>): FillRecord {
  const f = o.fill;
  return {
    fillId: f.fillId, clientOrderId: f.clientOrderId, signalId: o.order.signalId, leg: f.leg, symbol: f.symbol, side: f.side, qty: f.qty,
    price: f.price, fees: f.fees, filledAt: f.time, modelledBps: f.modelledBps, realisedBps: f.realisedBps,
    detail: { barId: f.barId ?? null, exitReason: f.exitReason ?? null, barsHeld: f.barsHeld ?? null, gap: f.gap ?? null },
    configVersion: o.order.configVersion ?? null,
  };
}
