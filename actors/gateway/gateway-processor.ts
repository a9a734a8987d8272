/**
 * The execution gateway's processor: the one place the gate and the breaker live. It consumes the
 * ORDERS stream in stream order (intents, human decisions, its own send results, fills) and
 * returns what to store, audit, publish and send. No I/O and no wall clock: the gateway clock is
 * the data's clock carried by the messages (docs/execution.md, "The gateway clock"), and the
 * breaker's cooldown runs on a SimulatedClock set to it, so a replay decides the same every time.
 *
 * Its snapshot is plain JSON holding both machines' persisted snapshots; the stage runner saves
 * it in the same transaction as the outputs' rows and audit entries.
 */
import type { GovernedVersion } from '../config/governed.ts';
import { createActor, SimulatedClock, type Actor } from 'xstate';
import { breakerMachine, tradingAllowed, type BreakerNotice } from '../../machines/breaker.machine.ts';
import { gateMachine, isPaused, mayAutoSend, type GateNotice } from '../../machines/gate.machine.ts';
import { timeframeMs } from '../domain/messages.ts';
import { decideIntent, isStale, pastWallTtl, sizeIntent, symbolBusy, tradePnl, type BookOrder, type PolicyParams } from '../execution/gateway-policy.ts';
import { ordersMsgId, type BreakerReset, type BreakerTrip, type ClockTick, type FillMessage, type OrderApproved, type OrderCancelled, type OrderFailed, type OrderIntent, type OrderRejected, type OrderSent, type OrdersMessage, type OrderStatusName } from '../execution/order-messages.ts';
import { checkBreakerThresholds, checkGateThresholds, type BreakerThresholds, type GateThresholds } from '../risk/thresholds.ts';
import type { StageProcessor } from '../stage/stage.actor.ts';
import { type GatewayOutput, type GatewayState, newState, orderRow, positionMessage, positionSnapshot } from './gateway-state.ts';

export type { GatewayOutput, GatewayState };

export interface GatewayParams extends PolicyParams {
  startingEquity: number;
  /** a pending approval older than this (gateway clock) expires: rejected, audited, never sent */
  approvalTtlMs: number;
  timeStopBars: number;
  gate: GateThresholds;
  breaker: BreakerThresholds;
  /**
   * Backtests only (never read from the environment): who approves every order the gate sends to
   * a person, at once and at the gateway clock, as a person with the approver role would
   * (audited `order.approved` with `simulated: true`). The gate still counts those approved
   * fills, so it goes live exactly as it would with people approving everything. The same
   * simulated person resets the breaker as soon as its cooldown is over (half-open).
   */
  simulatedApprover?: string;
}

/** Roles whose approval the gateway applies (the approval surface checks them too). */
export const APPROVER_ROLES: readonly string[] = Object.freeze(['approver', 'admin']);
const RECENT = 1000;
/** what the effect feeds straight back (and so may read again from ORDERS) */
const FED_KINDS: ReadonlySet<string> = new Set(['sent', 'failed', 'cancelled', 'fill']);
const ACTOR = 'execution-gateway';

export class GatewayProcessor implements StageProcessor<OrdersMessage, GatewayOutput> {
  #p: GatewayParams;
  /** the governed config version in force (docs/config.md); undefined without governance */
  #configVersion: number | undefined;
  readonly #s: GatewayState;
  readonly #clock = new SimulatedClock();
  readonly #gate: Actor<typeof gateMachine>;
  readonly #breaker: Actor<typeof breakerMachine>;
  #gateNotices: GateNotice[] = [];
  #breakerNotices: BreakerNotice[] = [];
  #out: GatewayOutput[] = [];
  #startup: GatewayOutput[] = [];

  constructor(params: GatewayParams, snapshot?: GatewayState) {
    this.#p = params;
    this.#s = snapshot === undefined ? newState(params.startingEquity) : structuredClone(snapshot);
    this.#clock.set(this.#s.clock);
    const gate = gateMachine.provide({ actions: { notify: (_, n: GateNotice) => void this.#gateNotices.push(n) } });
    const breaker = breakerMachine.provide({ actions: { notify: (_, n: BreakerNotice) => void this.#breakerNotices.push(n) } });
    this.#gate = createActor(gate, { input: { thresholds: params.gate }, ...(this.#s.gate ? { snapshot: this.#s.gate as never } : {}) }).start();
    this.#breaker = createActor(breaker, { input: { thresholds: params.breaker }, clock: this.#clock, ...(this.#s.breaker ? { snapshot: this.#s.breaker as never } : {}) }).start();
    // A restored snapshot holds the thresholds it was created with: apply the configuration's
    // (audited, before and after) so a changed FAKEOUT_GATED_TRADES or FAKEOUT_BREAKER_* is
    // never silently ignored.
    const gateWanted = checkGateThresholds(params.gate);
    if (this.#s.gate && !sameFigures(this.#gate.getSnapshot().context.thresholds, gateWanted)) {
      this.#gate.send({ type: 'THRESHOLDS', at: this.#s.clock, thresholds: gateWanted });
    }
    const breakerWanted = checkBreakerThresholds(params.breaker);
    if (this.#s.breaker && !sameFigures(this.#breaker.getSnapshot().context.thresholds, breakerWanted)) {
      this.#breaker.send({ type: 'THRESHOLDS', at: this.#s.clock, thresholds: breakerWanted });
    }
    // XState does not persist `after` timers: re-arm the cooldown for what is left of it.
    if (this.#s.breaker) this.#breaker.send({ type: 'RESTORED', at: this.#s.clock });
    this.#settle(this.#s.clock);
    // What the restore decided (a thresholds change and what it moved) is audited with the first
    // batch after the start, in that batch's transaction with the snapshot it produced.
    this.#startup = this.#out;
    this.#out = [];
  }

  get state(): Readonly<GatewayState> {
    return this.#s;
  }
  get gateState(): string {
    return String(this.#gate.getSnapshot().value);
  }
  get breakerState(): string {
    return String(this.#breaker.getSnapshot().value);
  }

  snapshot(): GatewayState {
    this.#s.gate = this.#gate.getPersistedSnapshot();
    this.#s.breaker = this.#breaker.getPersistedSnapshot();
    return structuredClone(this.#s);
  }

  apply(m: OrdersMessage): GatewayOutput[] {
    this.#out = this.#startup;
    this.#startup = [];
    // the copy on ORDERS of a result the effect already fed in (see feed): applied once
    if (FED_KINDS.has(m.kind) && this.#s.fed?.includes(ordersMsgId(m))) return this.#take();
    switch (m.kind) {
      case 'bar':
        this.#out.push({ kind: 'advance', symbol: m.symbol, timeframe: m.timeframe, openTime: m.openTime });
        break;
      case 'intent':
        this.#intent(m);
        break;
      case 'approved':
        this.#approved(m);
        break;
      case 'rejected':
        this.#rejected(m);
        break;
      case 'sent':
      case 'failed':
        this.#result(m);
        break;
      case 'cancelled':
        this.#cancelled(m);
        break;
      case 'fill':
        this.#fill(m);
        break;
      case 'reset':
        this.#reset(m);
        break;
      case 'tick':
        this.#tick(m);
        break;
      case 'position':
        break; // its own announcement of a position: nothing to decide
      case 'trip':
        this.#trip(m);
        break;
    }
    return this.#take();
  }

  /**
   * A result of the gateway's own effect (the broker's answer to a send or a cancel, a fill it
   * made), applied at once, before the next message: so the next intent is decided knowing it,
   * whatever the stream's timing. Its copy published on ORDERS is recognised and skipped.
   */
  feed(m: OrderSent | OrderFailed | OrderCancelled | FillMessage): GatewayOutput[] {
    const out = this.apply(m);
    this.#s.fed = [...(this.#s.fed ?? []), ordersMsgId(m)].slice(-RECENT);
    return out;
  }

  /** Where the gateway's reading of the broker's fills is (kept in the checkpoint). */
  get brokerCursor(): string | undefined {
    return this.#s.brokerCursor;
  }
  set brokerCursor(c: string | undefined) {
    if (c === undefined) delete this.#s.brokerCursor;
    else this.#s.brokerCursor = c;
  }

  /** The bar marks the broker left for later (kept in the checkpoint, see GatewayState). */
  get brokerDeferred(): readonly [string, string, number][] {
    return this.#s.brokerDeferred ?? [];
  }
  set brokerDeferred(marks: readonly [string, string, number][]) {
    if (marks.length === 0) delete this.#s.brokerDeferred;
    else this.#s.brokerDeferred = marks.map(([s, t, o]) => [s, t, o]);
  }

  #take(): GatewayOutput[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }

  /**
   * The governed risk parameters of the current batch (docs/config.md): sizing uses them from
   * the next intent on, and each order records the version it was sized with.
   */
  useConfig(v: GovernedVersion): void {
    const g = v.params;
    const gate = checkGateThresholds({ gatedTrades: g.gatedTrades, regateTrades: g.regateTrades });
    const breaker = checkBreakerThresholds({
      slippageRatio: g.breakerSlippageRatio, slippageWindow: g.breakerSlippageWindow, maxLosses: g.breakerMaxLosses, dailyDrawdownPct: g.breakerDailyDrawdownPct,
      errorRate: g.breakerErrorRate, errorWindow: g.breakerErrorWindow, cooldownMs: g.breakerCooldownSeconds * 1000,
    });
    this.#p = { ...this.#p, riskPerTrade: g.riskPerTrade, maxLeverage: g.maxLeverage, gate, breaker };
    this.#configVersion = v.version;
    // New thresholds go to the machines as THRESHOLDS events (audited before and after, with
    // what they moved), exactly as a changed start-up variable does at a restore.
    let moved = false;
    if (!sameFigures(this.#gate.getSnapshot().context.thresholds, gate)) {
      this.#gate.send({ type: 'THRESHOLDS', at: this.#s.clock, thresholds: gate });
      moved = true;
    }
    if (!sameFigures(this.#breaker.getSnapshot().context.thresholds, breaker)) {
      this.#breaker.send({ type: 'THRESHOLDS', at: this.#s.clock, thresholds: breaker });
      moved = true;
    }
    if (moved) {
      // reported with the batch about to be applied (apply() starts from #startup)
      const out = this.#out;
      this.#out = [];
      this.#settle(this.#s.clock);
      this.#startup.push(...this.#out);
      this.#out = out;
    }
  }

  get configVersion(): number | undefined {
    return this.#configVersion;
  }

  // ── messages ────────────────────────────────────────────────────────────

  #intent(m: OrderIntent): void {
    const decidedAt = m.openTime + timeframeMs(m.timeframe);
    this.#advance(decidedAt);
    const id = `${m.signalId}:entry`;
    if (this.#s.orders[id] !== undefined || this.#s.recent.includes(id)) return; // a re-sent intent: decided already
    const sized = sizeIntent(m, this.#s.equity, this.#p);
    if ('skip' in sized) return this.#skip(id, m.symbol, sized.skip, sized.detail);
    const o: BookOrder = {
      clientOrderId: id, signalId: m.signalId, symbol: m.symbol, timeframe: m.timeframe, direction: m.direction, qty: sized.qty,
      entry: m.entry, stop: m.stop, target: m.target, atr: m.atr, decidedAt, status: 'held', approvedBy: null, entryFill: null,
      ...(m.receivedAt === undefined ? {} : { receivedAt: m.receivedAt }),
      ...(this.#configVersion === undefined ? {} : { configVersion: this.#configVersion }),
    };
    this.#decide(o, false);
  }

  #approved(m: OrderApproved): void {
    this.#advance(this.#s.clock);
    const o = this.#s.orders[m.clientOrderId];
    const ignore = (reason: string) => this.#audit('order.approval_ignored', m.clientOrderId, { reason, user: m.user, role: m.role, approvedAt: m.at });
    if (o === undefined) return ignore(this.#s.recent.includes(m.clientOrderId) ? 'already decided' : 'unknown order');
    if (!APPROVER_ROLES.includes(m.role)) return ignore(`role ${m.role} may not approve`);
    if (o.status !== 'pending_approval') return ignore(`not pending (${o.status})`);
    // POLICY: a live order approved after its TTL by wall clock is refused, never sent (the
    // paper broker would fill it from stored bars at an old price).
    if (pastWallTtl(o, m.at, this.#p)) return this.#expireByWall(o, m.at, { user: m.user, approvedAt: m.at });
    this.#audit('order.approved', o.clientOrderId, { user: m.user, role: m.role, approvedAt: m.at });
    o.approvedBy = m.user;
    if (isPaused(this.#gate.getSnapshot()) || !tradingAllowed(this.#breaker.getSnapshot())) {
      this.#s.held.push(o.clientOrderId);
      return this.#setStatus(o, 'held', 'breaker open: approved, held until reset');
    }
    this.#send(o);
  }

  #rejected(m: OrderRejected): void {
    this.#advance(this.#s.clock);
    const o = this.#s.orders[m.clientOrderId];
    if (o === undefined || (o.status !== 'pending_approval' && o.status !== 'held')) {
      return this.#audit('order.rejection_ignored', m.clientOrderId, { reason: o === undefined ? 'unknown or already decided' : `not pending (${o.status})`, user: m.user });
    }
    this.#audit('order.rejected', o.clientOrderId, { user: m.user, reason: m.reason });
    this.#finish(o, 'rejected');
  }

  #result(m: OrderSent | OrderFailed): void {
    this.#advance(m.at);
    const ok = m.kind === 'sent';
    this.#breaker.send({ type: 'ORDER_RESULT', id: m.clientOrderId, at: this.#s.clock, result: ok ? 'ok' : 'rejected' });
    this.#settle(this.#s.clock);
    const o = this.#s.orders[m.clientOrderId];
    if (ok || o === undefined || o.status !== 'sent') return;
    this.#audit('order.failed', o.clientOrderId, { reason: m.reason, message: m.message });
    this.#finish(o, 'failed');
  }

  /** The broker's answer to a cancel asked when the breaker tripped. */
  #cancelled(m: OrderCancelled): void {
    this.#advance(m.at);
    const o = this.#s.orders[m.clientOrderId];
    if (o === undefined) return; // decided already (a redelivered answer)
    // `unknown`: the broker has no such order, so no fill can come; it leaves the book too
    if (m.outcome !== 'filled' && o.status === 'sent') {
      this.#audit('order.cancelled', o.clientOrderId, { reason: 'breaker tripped', outcome: m.outcome, at: m.at });
      return this.#finish(o, 'cancelled');
    }
    // POLICY: a cancel that came too late changes nothing: the fill comes (or came) through
    // ORDERS and opens the position with its bracket, like any fill.
    this.#audit('order.cancel_too_late', o.clientOrderId, { outcome: m.outcome, status: o.status });
  }

  #fill(f: FillMessage): void {
    this.#advance(f.time);
    const key = f.leg === 'entry' ? f.clientOrderId : f.clientOrderId.replace(/:exit$/, ':entry');
    const o = this.#s.orders[key];
    if (o === undefined || this.#s.fillIds.includes(f.fillId)) return; // unknown or redelivered
    this.#s.fillIds = [...this.#s.fillIds, f.fillId].slice(-RECENT);
    // POLICY (docs/risk.md): only entries feed the slippage window; an exit is priced at its
    // trigger, so its realised cost is its modelled one and would pull the ratio towards 1.
    if (f.leg === 'entry') this.#breaker.send({ type: 'FILL', id: f.fillId, at: this.#s.clock, realisedBps: f.realisedBps ?? f.modelledBps, modelledBps: f.modelledBps });
    if (f.leg === 'entry') {
      if (o.status !== 'sent' || o.entryFill !== null) return this.#settle(this.#s.clock);
      o.entryFill = { fillId: f.fillId, price: f.price, qty: f.qty, fees: f.fees, time: f.time, modelledBps: f.modelledBps };
      this.#out.push({ kind: 'fill', order: o, fill: f });
      this.#setStatus(o, 'filled');
      this.#out.push({ kind: 'position', snapshot: positionSnapshot(o, this.#p.timeStopBars, null) });
      this.#out.push(positionMessage(o, null));
      if (o.approvedBy !== null) this.#gate.send({ type: 'APPROVED_FILL', at: this.#s.clock, orderId: o.clientOrderId, approvedBy: o.approvedBy });
    } else {
      if (o.entryFill === null) return this.#settle(this.#s.clock);
      const { pnl, r, initialRisk } = tradePnl(o, f);
      this.#s.equity += pnl;
      this.#s.realisedPnl += pnl;
      this.#s.trades += 1;
      if (pnl > 0) this.#s.wins += 1;
      this.#s.totalR += r;
      this.#out.push({ kind: 'order', row: { ...orderRow(o, 'closed', this.#s.clock), clientOrderId: f.clientOrderId, leg: 'exit', side: f.side } });
      this.#out.push({ kind: 'fill', order: o, fill: f });
      const trade = {
        id: o.signalId, symbol: o.symbol, direction: o.direction, qty: o.entryFill.qty, entryPrice: o.entryFill.price, entryFees: o.entryFill.fees,
        entryTime: o.entryFill.time, exitPrice: f.price, exitFees: f.fees, exitTime: f.time, reason: f.exitReason ?? 'time', gap: f.gap ?? false,
        barsHeld: f.barsHeld ?? 0, pnl, initialRisk, r,
      };
      this.#out.push({ kind: 'position', snapshot: positionSnapshot(o, this.#p.timeStopBars, trade) });
      this.#out.push(positionMessage(o, trade));
      this.#breaker.send({ type: 'TRADE_CLOSED', id: o.signalId, at: this.#s.clock, pnl, equity: this.#s.equity });
      this.#breaker.send({ type: 'EQUITY', at: this.#s.clock, equity: this.#s.equity });
      this.#finish(o, 'closed');
    }
    this.#settle(this.#s.clock);
  }

  #reset(m: BreakerReset): void {
    this.#advance(this.#s.clock);
    this.#breaker.send({ type: 'RESET', at: this.#s.clock, user: m.user, role: m.role, verified: true });
    this.#settle(this.#s.clock);
  }

  /**
   * A monitor's or a person's trip (`risk.trip.<source>`): the breaker opens (or, already open,
   * restarts its cooldown) at the gateway clock, like a reset is applied; the publisher's own
   * `at` is audited. POLICY: a malformed trip still trips, audited `breaker.trip_malformed`.
   */
  #trip(m: BreakerTrip): void {
    this.#advance(this.#s.clock);
    const details = { source: m.source, publishedAt: m.at ?? null, reason: m.reason ?? null, figures: m.figures ?? null, ...(m.by === undefined ? {} : { by: m.by }) };
    if (m.malformed !== undefined) this.#audit('breaker.trip_malformed', 'breaker', { ...details, problem: m.malformed });
    else this.#audit('breaker.trip_requested', 'breaker', details);
    // the source leads the reason; a malformed trip says what was malformed, with no figures
    const ok = m.malformed === undefined;
    const reason = ok ? `${m.source}: ${String(m.reason)}` : `${m.source}: malformed trip (${m.malformed})`;
    this.#breaker.send({ type: 'TRIP', at: this.#s.clock, reason, figures: ok ? (m.figures as Record<string, number>) : {} });
    this.#settle(this.#s.clock);
  }

  /** A wall-clock tick: expires live pending approvals past their TTL. Never moves the data clock. */
  #tick(m: ClockTick): void {
    for (const o of Object.values(this.#s.orders)) {
      if (o.status === 'pending_approval' && pastWallTtl(o, m.at, this.#p)) this.#expireByWall(o, m.at, {});
    }
  }

  #expireByWall(o: BookOrder, at: number, details: Record<string, unknown>): void {
    this.#audit('order.expired', o.clientOrderId, { reason: 'ttl (wall clock)', receivedAt: o.receivedAt, at, ttlMs: this.#p.approvalTtlMs, ...details });
    this.#finish(o, 'expired');
  }

  // ── decisions ───────────────────────────────────────────────────────────

  /** Decides a new or released order; `released`: it was held and the breaker has closed. */
  #decide(o: BookOrder, released: boolean): void {
    const paused = isPaused(this.#gate.getSnapshot()) || !tradingAllowed(this.#breaker.getSnapshot());
    const book = Object.values(this.#s.orders);
    const d = decideIntent(o, { now: this.#s.clock, book, paused, live: mayAutoSend(this.#gate.getSnapshot()) }, this.#p);
    if (d.kind === 'skip') {
      if (released) {
        this.#audit(d.reason === 'stale' ? 'intent.expired' : 'intent.skipped', o.clientOrderId, { reason: d.reason, detail: d.detail, released: true });
        return this.#finish(o, d.reason === 'stale' ? 'expired' : 'skipped');
      }
      return this.#skip(o.clientOrderId, o.symbol, d.reason, d.detail);
    }
    this.#s.orders[o.clientOrderId] = o;
    if (released) this.#audit('intent.released', o.clientOrderId, { decision: d.kind, approvedBy: o.approvedBy });
    if (d.kind === 'hold') {
      if (!this.#s.held.includes(o.clientOrderId)) this.#s.held.push(o.clientOrderId);
      this.#audit('intent.held', o.clientOrderId, { breaker: this.breakerState, gate: this.gateState });
      return this.#setStatus(o, 'held');
    }
    this.#s.held = this.#s.held.filter((id) => id !== o.clientOrderId);
    if (d.kind === 'send' || o.approvedBy !== null) return this.#send(o);
    this.#setStatus(o, 'pending_approval');
    const sim = this.#p.simulatedApprover;
    if (sim !== undefined) {
      this.#audit('order.approved', o.clientOrderId, { user: sim, role: 'approver', approvedAt: this.#s.clock, simulated: true });
      o.approvedBy = sim;
      this.#send(o);
    }
  }

  #send(o: BookOrder): void {
    this.#setStatus(o, 'sent');
    this.#out.push({ kind: 'send', order: { ...o }, at: Math.max(o.decidedAt, this.#s.clock) });
  }

  #skip(id: string, symbol: string, reason: string, detail: string): void {
    this.#s.skipped[reason] = (this.#s.skipped[reason] ?? 0) + 1;
    this.#s.recent = [...this.#s.recent, id].slice(-RECENT);
    this.#audit('intent.skipped', id, { symbol, reason, detail });
  }

  #setStatus(o: BookOrder, status: OrderStatusName, note?: string): void {
    o.status = status;
    this.#out.push({ kind: 'order', row: orderRow(o, status, this.#s.clock) });
    if (note !== undefined) this.#audit(`order.${status}`, o.clientOrderId, { note });
  }

  /** The order leaves the book with its final status. */
  #finish(o: BookOrder, status: OrderStatusName): void {
    this.#setStatus(o, status);
    delete this.#s.orders[o.clientOrderId];
    this.#s.held = this.#s.held.filter((id) => id !== o.clientOrderId);
    this.#s.recent = [...this.#s.recent, o.clientOrderId].slice(-RECENT);
    this.#s.finished[status] = (this.#s.finished[status] ?? 0) + 1;
  }

  /** Moves the gateway clock to `at` (never back), firing the breaker's cooldown and expiring approvals. */
  #advance(at: number): void {
    this.#s.clock = Math.max(this.#s.clock, at);
    this.#clock.set(Math.max(this.#clock.now(), this.#s.clock));
    this.#settle(this.#s.clock);
    for (const o of Object.values(this.#s.orders)) {
      if (o.status === 'pending_approval' && isStale(o.decidedAt, this.#s.clock, this.#p.approvalTtlMs)) {
        this.#audit('order.expired', o.clientOrderId, { decidedAt: o.decidedAt, ttlMs: this.#p.approvalTtlMs });
        this.#finish(o, 'expired');
      }
    }
  }

  /** Audits the machines' notices and relays the breaker's to the gate; on reset, decides the held intents. */
  #settle(at: number): void {
    while (this.#breakerNotices.length > 0 || this.#gateNotices.length > 0) {
      const b = this.#breakerNotices.shift();
      if (b !== undefined) {
        this.#audit(`breaker.${b.kind}`, 'breaker', { ...b });
        if (b.kind === 'tripped') {
          this.#gate.send({ type: 'BREAKER_OPENED', at: Math.max(at, b.at) });
          this.#cancelWorking(Math.max(at, b.at));
        }
        // a backtest's simulated person resets a half-open breaker at once (audited as simulated)
        if (b.kind === 'cooldownElapsed' && this.#p.simulatedApprover !== undefined) {
          this.#audit('breaker.reset_requested', 'breaker', { user: this.#p.simulatedApprover, role: 'approver', simulated: true });
          this.#breaker.send({ type: 'RESET', at: Math.max(at, b.at), user: this.#p.simulatedApprover, role: 'approver', verified: true });
        }
        if (b.kind === 'reset') {
          this.#gate.send({ type: 'BREAKER_CLOSED', at: Math.max(at, b.at) });
          for (const id of [...this.#s.held]) {
            const o = this.#s.orders[id];
            this.#s.held = this.#s.held.filter((h) => h !== id);
            if (o === undefined) continue;
            delete this.#s.orders[id];
            this.#decide(o, true);
          }
        }
      }
      const g = this.#gateNotices.shift();
      if (g !== undefined) this.#audit(`gate.${g.kind}`, 'gate', { ...g });
    }
  }

  /** POLICY: on a trip every entry still working at the broker is cancelled; open positions keep their brackets. */
  #cancelWorking(at: number): void {
    for (const o of Object.values(this.#s.orders)) {
      if (o.status !== 'sent' || o.cancelRequested === true) continue;
      o.cancelRequested = true;
      this.#audit('order.cancel_requested', o.clientOrderId, { reason: 'breaker tripped' });
      this.#out.push({ kind: 'cancel', order: { ...o }, at });
    }
  }

  #audit(action: string, subject: string, details: Record<string, unknown>): void {
    this.#out.push({ kind: 'audit', entry: { at: this.#s.clock, actor: ACTOR, action, subject, details } });
  }
}

/** Same keys with the same numbers (thresholds objects). */
function sameFigures(a: object, b: object): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k]);
}

/** Whether the symbol has anything active (for the summary). */
export const busySymbol = (s: GatewayState, symbol: string) => symbolBusy(Object.values(s.orders), symbol);
