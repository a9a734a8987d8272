/**
 * The ORDERS stream's messages: their types, subjects, `Nats-Msg-Id`s and parsers. One module,
 * shared by the execution gateway (which consumes all of them in stream order and publishes
 * the broker's answers and fills) and the approval surface (CLI / HTTP, which publishes
 * human decisions).
 *
 * Subjects (`<sym>` = symbolToken(symbol)):
 *   orders.bar.<sym>       a scored bar closed (order intake, before its intent, in data order):
 *                          the gateway moves the paper broker to it    id `bar:<bar id>`
 *   orders.intent.<sym>    a signal turned into an intent           id `intent:<signal id>`
 *   orders.approved.<sym>  a human approved a pending order         id `approved:<client order id>`
 *   orders.rejected.<sym>  a human rejected a pending order         id `rejected:<client order id>`
 *   orders.sent.<sym>      the broker accepted the order            id `sent:<client order id>`
 *   orders.failed.<sym>    the broker refused the order             id `failed:<client order id>`
 *   orders.cancelled.<sym> the gateway's cancel at the broker (breaker trip) answered  id `cancelled:<client order id>`
 *   fills.<sym>            a fill at the (paper) broker             id = fill id
 *   orders.reset.breaker   a verified person resets the breaker     id `reset:<user>:<at>`
 *   orders.clock           the gateway role's wall-clock tick       id `clock:<at>`
 *   risk.trip.<source>     a monitor (clock, integrity, stale data…) or a person trips the breaker
 *                          id `trip:<source>:<at>`; never refused for its body (`parseBreakerTrip`)
 *   positions.<sym>        the gateway opened / closed a position   id `position:<signal id>:open|closed`
 *                          (for readers outside the gateway; the gateway parses and skips them)
 *
 * POLICY: every id is derived from the signal (client order id `<signal id>:<leg>`), so a
 * re-publish after a crash is dropped by the stream's duplicate window and by the primary keys.
 * Parsers refuse a malformed body with FAKEOUT_ERR_EXEC_INVALID_MESSAGE naming the field.
 */
import { FakeoutError } from '../domain/errors.ts';
import { barId, isTimeframe, symbolToken, type Direction, type Timeframe } from '../domain/messages.ts';
import { monitorTripProblem } from '../risk/breaker-conditions.ts';
import type { OrderSide } from './cost-model.ts';

/** The statuses of a row of `orders` (the gateway's book), in one place. */
export const ORDER_STATUS = Object.freeze({
  pendingApproval: 'pending_approval',
  held: 'held',
  sent: 'sent',
  filled: 'filled',
  closed: 'closed',
  rejected: 'rejected',
  expired: 'expired',
  skipped: 'skipped',
  failed: 'failed',
  /** cancelled at the broker before it filled (the breaker tripped while it was working) */
  cancelled: 'cancelled',
} as const);
export type OrderStatusName = (typeof ORDER_STATUS)[keyof typeof ORDER_STATUS];
export const ORDER_STATUSES: readonly OrderStatusName[] = Object.freeze(Object.values(ORDER_STATUS));

/** A signal the gateway should decide on (`orders.intent.<sym>`), published by order-intake. */
export interface OrderIntent {
  kind: 'intent';
  /** `intent:<signal id>` */
  id: string;
  signalId: string;
  symbol: string;
  timeframe: Timeframe;
  direction: Direction;
  /** the signal bar's open time; its close time (+ timeframe) is the decision time in a replay */
  openTime: number;
  entry: number;
  stop: number;
  target: number;
  /** ATR of the signal's features, for the impact term's σ */
  atr: number;
  score: number;
  /**
   * epoch ms by order-intake's clock when it turned the signal into this intent. An intent is
   * live when `receivedAt − decision time ≤ FAKEOUT_SIGNAL_MAX_AGE`; absent (older intents) it is
   * a replay, decided by the data clock only.
   */
  receivedAt?: number;
}

/** A human approval (`orders.approved.<sym>`), published by the approval surface after its checks. */
export interface OrderApproved {
  kind: 'approved';
  clientOrderId: string;
  symbol: string;
  user: string;
  role: string;
  /** epoch ms by the approver's clock */
  at: number;
}

/** A human rejection (`orders.rejected.<sym>`). */
export interface OrderRejected {
  kind: 'rejected';
  clientOrderId: string;
  symbol: string;
  user: string;
  reason: string;
  at: number;
}

/** The gateway's effect result: the broker accepted (or already had) the order. */
export interface OrderSent {
  kind: 'sent';
  clientOrderId: string;
  symbol: string;
  /** the gateway's decision time for it */
  at: number;
  /** true when the broker answered duplicate_client_order_id (a re-send after a crash) */
  duplicate: boolean;
}

/** The gateway's effect result: the broker refused the order. */
export interface OrderFailed {
  kind: 'failed';
  clientOrderId: string;
  symbol: string;
  at: number;
  reason: string;
  message: string;
}

/**
 * The answer to the gateway's cancel of a working entry (`orders.cancelled.<sym>`), published by
 * its effect when the breaker tripped. `cancelled`: the broker cancelled it (or had already: a
 * re-run after a crash); `filled`: too late, its fill comes through ORDERS as usual; `unknown`:
 * the broker has no such order.
 */
export interface OrderCancelled {
  kind: 'cancelled';
  clientOrderId: string;
  symbol: string;
  /** the gateway clock when it asked */
  at: number;
  outcome: 'cancelled' | 'filled' | 'unknown';
}

/** A fill at the broker (`fills.<sym>`). */
export interface FillMessage {
  kind: 'fill';
  /** the broker's deterministic fill id (`<client order id>:fill`) */
  fillId: string;
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  qty: number;
  price: number;
  fees: number;
  /** epoch ms: the open time of the bar it filled on */
  time: number;
  /** 'entry' or an exit reason ('stop' | 'target' | 'time') */
  leg: 'entry' | 'exit';
  exitReason?: 'stop' | 'target' | 'time';
  modelledBps: number;
  realisedBps: number | null;
  barId?: string;
  /** exits: bars the position was held (the entry bar is bar 1) and whether the bar gapped through the level */
  barsHeld?: number;
  gap?: boolean;
}

/**
 * A bar of the data closed and was scored (`orders.bar.<sym>`, from order intake, published
 * before that bar's intent). The gateway moves the paper broker through every stored bar of the
 * series up to it, so the fills and exits those bars make are known before the intent is decided:
 * the data's order, whatever the speed of each stage (docs/execution.md, "One order of events").
 */
export interface BarClosed {
  kind: 'bar';
  symbol: string;
  timeframe: Timeframe;
  /** the bar's open time (epoch ms) */
  openTime: number;
}

/**
 * A person's verified request to close a half-open breaker (`orders.reset.breaker`), published
 * by the approval surface after it checked the user's role and TOTP code, like an approval.
 */
export interface BreakerReset {
  kind: 'reset';
  symbol: 'breaker';
  user: string;
  role: string;
  at: number;
}

/**
 * The wall clock of the gateway role (`orders.clock`), published every FAKEOUT_CLOCK_TICK
 * seconds. It expires live pending approvals by real time; it never moves the data clock.
 */
export interface ClockTick {
  kind: 'tick';
  symbol: 'clock';
  /** epoch ms by the publishing process's clock */
  at: number;
}

/**
 * A position the gateway opened or closed (`positions.<sym>`), published with the batch that
 * applied its fill. A documented subset of the position (the full snapshot is the `positions`
 * row). The gateway skips these when it reads them back.
 */
export interface PositionMessage {
  kind: 'position';
  signalId: string;
  symbol: string;
  status: 'open' | 'closed';
  direction: Direction;
  qty: number;
  entryPrice: number;
  /** epoch ms: the entry fill's bar time */
  entryTime: number;
  stop: number;
  target: number;
  /** closed only: the exit, P&L after fees both ways, and R */
  exitPrice?: number;
  exitTime?: number;
  exitReason?: string;
  pnl?: number;
  r?: number;
}

/**
 * A request to trip the breaker (`risk.trip.<source>`): from a monitor (the clock drift monitor,
 * the integrity auditor, a stale-data watch) or a person's kill switch (source `manual`). Body
 * `{ at, reason, figures, by? }`. The fields are kept as received: POLICY: a malformed trip still
 * trips (the breaker machine's `monitorTrip` says what was malformed), so they are not validated
 * here beyond noting the problem in `malformed`.
 */
export interface BreakerTrip {
  kind: 'trip';
  symbol: 'breaker';
  /** the subject's last token: who asks (`clock`, `integrity`, `manual`, `test`…) */
  source: string;
  /** the publisher's time, epoch ms (audited; the gateway trips at its own clock) */
  at: unknown;
  reason: unknown;
  figures: unknown;
  /** the person, for a manual trip */
  by?: string;
  /** what was malformed, or undefined */
  malformed?: string;
}

export type OrdersMessage = BarClosed | OrderIntent | OrderApproved | OrderRejected | OrderSent | OrderFailed | OrderCancelled | FillMessage | BreakerReset | ClockTick | PositionMessage | BreakerTrip;

export const positionSubject = (symbol: string): string => `positions.${symbolToken(symbol)}`;
/** POLICY: a position opens once and closes once, so its signal id and status key the message. */
export const positionMsgId = (signalId: string, status: 'open' | 'closed'): string => `position:${signalId}:${status}`;

/** The subject of clock ticks (no symbol: one clock for the book). */
export const CLOCK_SUBJECT = 'orders.clock';
/** POLICY: one tick per instant, so a re-published tick is a duplicate. */
export const clockMsgId = (at: number): string => `clock:${at}`;

/** Trip subjects: `risk.trip.<source>` (on the ORDERS stream). */
export const TRIP_SUBJECT_PREFIX = 'risk.trip.';
/** A source token: lower-case letters, digits, `_` and `-`, 1..32 characters. */
const TRIP_SOURCE = /^[a-z0-9_-]{1,32}$/;
export const tripSubject = (source: string): string => `${TRIP_SUBJECT_PREFIX}${source}`;
/** POLICY: one trip per source and instant, so a re-published trip is a duplicate. */
export const tripMsgId = (source: string, at: number): string => `trip:${source}:${at}`;

/**
 * Reads a trip from its subject and body; never throws. `notJson`: the body was not JSON (the
 * consumer's decode error): still a trip, with what was wrong in `malformed`.
 */
export function parseBreakerTrip(subject: string, body: unknown, notJson?: string): BreakerTrip {
  const source = subject.slice(TRIP_SUBJECT_PREFIX.length);
  const o = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  const problems: string[] = [];
  if (!TRIP_SOURCE.test(source)) problems.push(`source: expected 1-32 of [a-z0-9_-], got ${JSON.stringify(source.slice(0, 40))}`);
  if (notJson !== undefined) problems.push(`body: not JSON (${notJson})`);
  else if (o === undefined) problems.push('body: expected a JSON object');
  const reason = o?.reason;
  const figures = o?.figures ?? {};
  const inner = monitorTripProblem(reason, figures);
  if (inner !== undefined && o !== undefined) problems.push(inner);
  const at = o?.at;
  if (o !== undefined && !(typeof at === 'number' && Number.isFinite(at))) problems.push(`at: expected epoch ms, got ${JSON.stringify(at) ?? 'nothing'}`);
  const by = typeof o?.by === 'string' && o.by.length > 0 && o.by.length <= 64 ? o.by : undefined;
  return { kind: 'trip', symbol: 'breaker', source, at, reason, figures, ...(by === undefined ? {} : { by }), ...(problems.length === 0 ? {} : { malformed: problems.join('; ') }) };
}

/** The subject of breaker resets (no symbol: it is account-wide). */
export const BREAKER_RESET_SUBJECT = 'orders.reset.breaker';
export const resetMsgId = (user: string, at: number): string => `reset:${user}:${at}`;

export const intentSubject = (symbol: string): string => `orders.intent.${symbolToken(symbol)}`;
export const barClosedSubject = (symbol: string): string => `orders.bar.${symbolToken(symbol)}`;
/** POLICY: one message per bar: its id is the bar's (`<symbol>:<timeframe>:<open time>`). */
export const barClosedMsgId = (barId: string): string => `bar:${barId}`;
export const approvedSubject = (symbol: string): string => `orders.approved.${symbolToken(symbol)}`;
export const rejectedSubject = (symbol: string): string => `orders.rejected.${symbolToken(symbol)}`;
export const sentSubject = (symbol: string): string => `orders.sent.${symbolToken(symbol)}`;
export const failedSubject = (symbol: string): string => `orders.failed.${symbolToken(symbol)}`;
export const fillSubject = (symbol: string): string => `fills.${symbolToken(symbol)}`;
export const cancelledSubject = (symbol: string): string => `orders.cancelled.${symbolToken(symbol)}`;
export const cancelledMsgId = (clientOrderId: string): string => `cancelled:${clientOrderId}`;

export const intentMsgId = (signalId: string): string => `intent:${signalId}`;
/**
 * POLICY: one message per decision attempt (order, person, time), not per order: a refused or
 * ignored decision (a viewer's, one past its window) never collapses a later valid one inside
 * JetStream's duplicate window. A second decision on an order is ignored by the gateway (not pending).
 */
export const approvedMsgId = (clientOrderId: string, user: string, at: number): string => `approved:${clientOrderId}:${user}:${at}`;
export const rejectedMsgId = (clientOrderId: string, user: string, at: number): string => `rejected:${clientOrderId}:${user}:${at}`;
export const sentMsgId = (clientOrderId: string): string => `sent:${clientOrderId}`;
export const failedMsgId = (clientOrderId: string): string => `failed:${clientOrderId}`;

/** The `Nats-Msg-Id` of any ORDERS message. */
export function ordersMsgId(m: OrdersMessage): string {
  switch (m.kind) {
    case 'bar':
      return barClosedMsgId(barId(m.symbol, m.timeframe, m.openTime));
    case 'intent':
      return m.id;
    case 'approved':
      return approvedMsgId(m.clientOrderId, m.user, m.at);
    case 'rejected':
      return rejectedMsgId(m.clientOrderId, m.user, m.at);
    case 'sent':
      return sentMsgId(m.clientOrderId);
    case 'failed':
      return failedMsgId(m.clientOrderId);
    case 'cancelled':
      return cancelledMsgId(m.clientOrderId);
    case 'fill':
      return m.fillId;
    case 'reset':
      return resetMsgId(m.user, m.at);
    case 'tick':
      return clockMsgId(m.at);
    case 'position':
      return positionMsgId(m.signalId, m.status);
    case 'trip':
      return tripMsgId(m.source, typeof m.at === 'number' ? m.at : 0);
  }
}

/** The subject of any ORDERS message. */
export function ordersSubject(m: OrdersMessage): string {
  if (m.kind === 'reset') return BREAKER_RESET_SUBJECT;
  if (m.kind === 'tick') return CLOCK_SUBJECT;
  if (m.kind === 'position') return positionSubject(m.symbol);
  if (m.kind === 'trip') return tripSubject(m.source);
  const by = { bar: barClosedSubject, intent: intentSubject, approved: approvedSubject, rejected: rejectedSubject, sent: sentSubject, failed: failedSubject, cancelled: cancelledSubject, fill: fillSubject };
  return by[m.kind](m.symbol);
}

function bad(field: string, why: string): FakeoutError {
  return new FakeoutError('FAKEOUT_ERR_EXEC_INVALID_MESSAGE', `ORDERS message: ${field} ${why}`, { details: { field } });
}
const str = (o: Record<string, unknown>, f: string): string => {
  const v = o[f];
  if (typeof v !== 'string' || v.length === 0 || v.length > 512) throw bad(f, 'must be a non-empty string (at most 512 characters)');
  return v;
};
const num = (o: Record<string, unknown>, f: string, positive = false): number => {
  const v = o[f];
  if (typeof v !== 'number' || !Number.isFinite(v) || (positive && v <= 0)) throw bad(f, positive ? 'must be a positive number' : 'must be a finite number');
  return v;
};

/**
 * Parses a message body by the kind its subject names (`orders.<kind>.<sym>` or `fills.<sym>`).
 * The symbol in the body must match the subject's token, so a message cannot act on another symbol.
 */
export function parseOrdersMessage(subject: string, body: unknown): OrdersMessage {
  if (subject.startsWith(TRIP_SUBJECT_PREFIX)) return parseBreakerTrip(subject, body);
  const parts = subject.split('.');
  const kind = parts[0] === 'fills' ? 'fill' : parts[0] === 'positions' ? 'position' : parts[0] === 'orders' ? parts[1] : undefined;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad('body', 'must be a JSON object');
  const o = body as Record<string, unknown>;
  if (subject === CLOCK_SUBJECT) return { kind: 'tick', symbol: 'clock', at: num(o, 'at') };
  if (subject === BREAKER_RESET_SUBJECT) return { kind: 'reset', symbol: 'breaker', user: str(o, 'user'), role: str(o, 'role'), at: num(o, 'at') };
  const symbol = str(o, 'symbol');
  if (symbolToken(symbol) !== parts[parts.length - 1]) throw bad('symbol', `does not match the subject ${subject}`);
  switch (kind) {
    case 'bar': {
      const tf = o.timeframe;
      if (!isTimeframe(tf)) throw bad('timeframe', 'must be a timeframe');
      return { kind, symbol, timeframe: tf, openTime: num(o, 'openTime') };
    }
    case 'intent': {
      const tf = o.timeframe;
      if (!isTimeframe(tf)) throw bad('timeframe', 'must be a timeframe');
      if (o.direction !== 'long' && o.direction !== 'short') throw bad('direction', "must be 'long' or 'short'");
      const signalId = str(o, 'signalId');
      if (o.id !== intentMsgId(signalId)) throw bad('id', `must be ${intentMsgId(signalId)}`);
      return {
        kind, id: intentMsgId(signalId), signalId, symbol, timeframe: tf, direction: o.direction,
        openTime: num(o, 'openTime'), entry: num(o, 'entry', true), stop: num(o, 'stop', true), target: num(o, 'target', true),
        atr: num(o, 'atr'), score: num(o, 'score'), ...(o.receivedAt === undefined ? {} : { receivedAt: num(o, 'receivedAt') }),
      };
    }
    case 'approved':
      return { kind, clientOrderId: str(o, 'clientOrderId'), symbol, user: str(o, 'user'), role: str(o, 'role'), at: num(o, 'at') };
    case 'rejected':
      return { kind, clientOrderId: str(o, 'clientOrderId'), symbol, user: str(o, 'user'), reason: str(o, 'reason'), at: num(o, 'at') };
    case 'sent':
      return { kind, clientOrderId: str(o, 'clientOrderId'), symbol, at: num(o, 'at'), duplicate: o.duplicate === true };
    case 'failed':
      return { kind, clientOrderId: str(o, 'clientOrderId'), symbol, at: num(o, 'at'), reason: str(o, 'reason'), message: str(o, 'message') };
    case 'cancelled': {
      const outcome = o.outcome;
      if (outcome !== 'cancelled' && outcome !== 'filled' && outcome !== 'unknown') throw bad('outcome', "must be 'cancelled', 'filled' or 'unknown'");
      return { kind, clientOrderId: str(o, 'clientOrderId'), symbol, at: num(o, 'at'), outcome };
    }
    case 'fill': {
      if (o.side !== 'buy' && o.side !== 'sell') throw bad('side', "must be 'buy' or 'sell'");
      if (o.leg !== 'entry' && o.leg !== 'exit') throw bad('leg', "must be 'entry' or 'exit'");
      const exitReason = o.exitReason;
      if (exitReason !== undefined && exitReason !== 'stop' && exitReason !== 'target' && exitReason !== 'time') throw bad('exitReason', "must be 'stop', 'target' or 'time'");
      const realised = o.realisedBps === null || o.realisedBps === undefined ? null : num(o, 'realisedBps');
      return {
        kind, fillId: str(o, 'fillId'), clientOrderId: str(o, 'clientOrderId'), symbol, side: o.side, qty: num(o, 'qty', true),
        price: num(o, 'price', true), fees: num(o, 'fees'), time: num(o, 'time'), leg: o.leg,
        ...(exitReason === undefined ? {} : { exitReason }), modelledBps: num(o, 'modelledBps'), realisedBps: realised,
        ...(typeof o.barId === 'string' ? { barId: o.barId } : {}),
        ...(typeof o.barsHeld === 'number' ? { barsHeld: o.barsHeld } : {}),
        ...(typeof o.gap === 'boolean' ? { gap: o.gap } : {}),
      };
    }
    case 'position': {
      if (o.status !== 'open' && o.status !== 'closed') throw bad('status', "must be 'open' or 'closed'");
      if (o.direction !== 'long' && o.direction !== 'short') throw bad('direction', "must be 'long' or 'short'");
      const opt = (f: string) => (o[f] === undefined ? {} : { [f]: num(o, f) });
      return {
        kind, signalId: str(o, 'signalId'), symbol, status: o.status, direction: o.direction, qty: num(o, 'qty', true),
        entryPrice: num(o, 'entryPrice', true), entryTime: num(o, 'entryTime'), stop: num(o, 'stop', true), target: num(o, 'target', true),
        ...opt('exitPrice'), ...opt('exitTime'), ...opt('pnl'), ...opt('r'), ...(typeof o.exitReason === 'string' ? { exitReason: o.exitReason } : {}),
      };
    }
    default:
      throw bad('subject', `${subject} is not an ORDERS subject`);
  }
}
