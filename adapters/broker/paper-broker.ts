/**
 * The paper broker: a {@link Broker} that fills market orders from bars with the mandatory cost
 * model (actors/execution/cost-model.ts) and keeps its book in a {@link PaperBrokerStore}.
 *
 * - An order placed at time t (the injected clock) fills at the OPEN of the first bar of its
 *   symbol (and of `hints.timeframe`, when given) that opens at or after t: never at the close
 *   of the bar it was decided on, which would be lookahead.
 * - A second order with the same client order id is rejected `duplicate_client_order_id`; it is
 *   never placed or filled twice, including after a restart on the same store.
 * - Low liquidity (off-session or thin trailing volume) is judged on the fill bar against the
 *   bars before it; the tracker's state is saved in the store after each bar, so a restarted
 *   broker prices the same bars the same way.
 *
 * - `hints.decisionTime`, when given, is the placement time (a simulation places the order when
 *   it was decided, so the fill bar does not depend on when the call runs). If bars at or after
 *   it were already applied (the broker saw them before the order came), `placeOrder` catches up
 *   on them from `storedBars` at once: the same fill, and the same bracket exits, as if the order
 *   had been working when they came (their liquidity verdicts are the ones recorded then).
 * - A bracket opens a Position on the entry fill and closes it on a later (or the same) bar with
 *   Position's rules; the exit is an order `bracket.exitClientOrderId`, filled through the same
 *   cost model against the trigger price.
 *
 * - `advanceTo(symbol, timeframe, openTime)` applies the stored bars of a series up to a bar:
 *   how the execution gateway moves it, in the order of the events it decides on.
 * - Its working orders, entries, fills and the bars it read are kept in memory
 *   (paper-book-cache.ts): written to the store, never read back per call.
 * Calls are serialised: a bar and a placement never interleave.
 */
import type { Bar, Timeframe } from '../../actors/domain/messages.ts';
import { FakeoutError } from '../../actors/domain/errors.ts';
import { Position, type PositionSnapshot } from '../../actors/execution/position.ts';
import { type CostModelParams, quoteMarketFill, realisedSlippageBps } from '../../actors/execution/cost-model.ts';
import { DEFAULT_LIQUIDITY, type LiquidityParams, LiquidityTracker } from '../../actors/execution/liquidity.ts';
import type { Clock } from '../time/clock.ts';
import { tradingSessions } from '../time/sessions.ts';
import type { Broker, BrokerFill, CancelResult, OrderRejection, OrderRequest, OrderState, PlaceResult } from './broker.ts';
import type { NewFill, PaperBrokerStore, PaperOrderRecord } from './paper-store.ts';
import { decodeVerdicts, encodeVerdicts, type SavedState, type Verdict, VERDICTS } from './verdict-runs.ts';
import { checkPaperOrder } from './paper-order-check.ts';
import { PaperBookCache, StoredBarsCache } from './paper-book-cache.ts';

export interface PaperBrokerOptions {
  store: PaperBrokerStore;
  costModel: Readonly<CostModelParams>;
  clock: Clock;
  liquidity?: LiquidityParams;
  /** bars already stored, `fromOpenTime ≤ openTime ≤ toOpenTime`, oldest first (for the catch-up) */
  storedBars?: (symbol: string, timeframe: Timeframe, fromOpenTime: number, toOpenTime: number) => Promise<Bar[]>;
  /**
   * Runs `fn` in one transaction on the store, given the store bound to it (Postgres). When given,
   * each call (a placement, a batch of bars, a cancel) writes its orders, fills and state in ONE
   * commit, and the state once at its end; without it every write is its own (memory stores).
   */
  transaction?: <T>(fn: (store: PaperBrokerStore) => Promise<T>) => Promise<T>;
}

const FILLS_PAGE = 1000;
/** how long advanceTo waits for a marked bar to be committed by the bar-builder */
const BAR_WAIT_MS = 30_000;

/** The symbols one `onBars` touched, with their working orders (the cached lists). */
interface BatchReads {
  working: Map<string, PaperOrderRecord[]>;
}

export class PaperBroker implements Broker {
  readonly #store: PaperBrokerStore;
  /** the store the current call writes to: `#store`, or the call's transaction */
  #book: PaperBrokerStore;
  readonly #transaction: PaperBrokerOptions['transaction'];
  /** in a transaction: the state changed and is saved once before the commit */
  #dirty = false;
  /** the open transaction of a {@link batch}: the calls inside it write there and commit with it */
  #batchStore: PaperBrokerStore | undefined;
  /** a call's transaction rolled back: the in-memory state is reloaded from the store before the next call */
  #stale = false;
  readonly #cost: Readonly<CostModelParams>;
  readonly #clock: Clock;
  #liquidity: LiquidityTracker;
  #lastBar: Record<string, number> = {};
  #brackets: Record<string, PositionSnapshot> = {};
  #verdicts: Record<string, [number, Verdict][]> = {};
  readonly #storedBars: PaperBrokerOptions['storedBars'];
  #queue: Promise<unknown> = Promise.resolve();
  /** its working orders, entries and fills in memory (the only writer of its book): paper-book-cache.ts */
  readonly #cache = new PaperBookCache();
  readonly #barCache = new StoredBarsCache();
  /**
   * Symbols known to have no working order and no open bracket: `advanceTo` leaves their bars
   * for later (read in one query when there is something to fill or exit), see advanceTo.
   * Only in memory: after a start every symbol is checked once.
   */
  readonly #idle = new Set<string>();
  /** `<symbol>:<timeframe>` → the newest bar an advance left for later on an idle symbol */
  readonly #deferred = new Map<string, { symbol: string; timeframe: Timeframe; openTime: number }>();

  private constructor(opts: PaperBrokerOptions) {
    this.#store = opts.store;
    this.#book = opts.store;
    this.#transaction = opts.transaction;
    this.#cost = opts.costModel;
    this.#clock = opts.clock;
    this.#liquidity = new LiquidityTracker(opts.liquidity ?? DEFAULT_LIQUIDITY);
    const stored = opts.storedBars; // read through the cache of the bars read (paper-book-cache.ts)
    this.#storedBars = stored && ((symbol, tf, from, to) => this.#barCache.read(stored, symbol, tf, from, to));
  }

  /** A paper broker on `store`, resuming the state a previous process saved there. */
  static async open(opts: PaperBrokerOptions): Promise<PaperBroker> {
    const broker = new PaperBroker(opts);
    await broker.#load();
    return broker;
  }

  async #load(): Promise<void> {
    this.#cache.clear();
    this.#barCache.clear();
    const saved = (await this.#store.loadState()) as SavedState | undefined;
    this.#liquidity = saved === undefined || saved === null ? new LiquidityTracker({ ...this.#liquidity.params }) : LiquidityTracker.restore(saved.liquidity);
    this.#lastBar = { ...(saved?.lastBar ?? {}) };
    this.#brackets = { ...(saved?.brackets ?? {}) };
    this.#verdicts = { ...(saved?.verdicts ?? {}) };
    for (const [k, runs] of Object.entries(saved?.verdictRuns ?? {})) this.#verdicts[k] = decodeVerdicts(runs);
  }

  /**
   * Serialised, and with `transaction`, atomic: every write of the call commits together, the
   * state last. POLICY: a call whose transaction failed left nothing in the store, so the
   * in-memory state it changed (bars applied, brackets, liquidity) is reloaded from the store
   * before the next call, and the marks it took from `#deferred` are put back: the broker is then
   * exactly where its last committed call left it, as a restarted one would be.
   */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const tx = this.#transaction;
    const call = tx === undefined ? fn : this.#batchStore !== undefined ? async () => {
      // inside a batch: its transaction; the state is saved once, at the batch's end
      this.#book = this.#batchStore!;
      try {
        return await fn();
      } finally {
        this.#book = this.#store;
      }
    } : () => this.#committed(tx, (store) => { this.#book = store ?? this.#store; }, fn);
    const run = this.#queue.then(call, call);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * With `transaction`: every call made while `fn` runs writes in ONE transaction, committed (with
   * the state, once) when `fn` returned and every call ended; if `fn` or a call throws, nothing of
   * the batch is stored and the broker is reloaded as after a failed call. POLICY: the gateway
   * runs each effect (one stage batch) this way, before its own checkpoint commits, so a crash
   * leaves the book as the last effect left it, and the redelivered batch re-runs every call
   * (advances re-apply the bars, placements insert again): the recovery of a crash before the
   * checkpoint, as before, with one commit per batch instead of one per call.
   */
  async batch<T>(fn: () => Promise<T>): Promise<T> {
    const tx = this.#transaction;
    if (tx === undefined || this.#batchStore !== undefined) return fn();
    await this.#queue;
    return this.#committed(tx, (store) => { this.#batchStore = store; }, async () => {
      const out = await fn();
      await this.#queue; // every call of the batch ended
      return out;
    });
  }

  /**
   * Runs `fn` in one transaction, its calls writing to the transaction's store (`bind`), and saves
   * the state once at its end when a call changed it; on a failure nothing is stored, the marks
   * left for later are as before, and the broker reloads from the store (else before the next call).
   */
  async #committed<T>(tx: NonNullable<PaperBrokerOptions['transaction']>, bind: (store: PaperBrokerStore | undefined) => void, fn: () => Promise<T>): Promise<T> {
    await this.#reloadIfStale();
    const deferred = new Map(this.#deferred);
    try {
      return await tx(async (store) => {
        bind(store);
        this.#dirty = false;
        try {
          const out = await fn();
          if (this.#dirty) await store.saveState(this.#state());
          return out;
        } finally {
          bind(undefined);
          this.#dirty = false;
        }
      });
    } catch (err) {
      this.#stale = true;
      this.#cache.clear(); // nothing the failed call wrote is served, even if the reload fails
      this.#deferred.clear();
      for (const [k, v] of deferred) this.#deferred.set(k, v);
      await this.#reloadIfStale().catch(() => undefined);
      throw err;
    }
  }

  /** With `transaction`: reloads from the store, as a restarted process would (a new gateway incarnation). */
  async resync(): Promise<void> {
    if (this.#transaction === undefined) return; // a memory book (a backtest's keeps no state): nothing to reload
    await this.#queue;
    this.#stale = true;
    await this.#reloadIfStale();
  }

  async #reloadIfStale(): Promise<void> {
    if (!this.#stale) return;
    await this.#load();
    this.#idle.clear();
    this.#stale = false;
  }

  placeOrder(req: OrderRequest): Promise<PlaceResult> {
    return this.#serial(async () => {
      const reject = (reason: OrderRejection['reason'], message: string, field?: string): PlaceResult => ({
        ok: false,
        rejection: { clientOrderId: req.clientOrderId, reason, message, ...(field === undefined ? {} : { field }) },
      });
      const checked = checkPaperOrder(req);
      if ('reason' in checked) return reject(checked.reason, checked.message, checked.field);
      const { instrument } = checked;
      // Bars an advance left for later come first: an order placed now finds the broker where an
      // advance at every mark would have left it (so the catch-up below sees the same bars).
      this.#idle.delete(req.symbol);
      await this.#applyDeferred(req.symbol);
      const decided = req.hints?.decisionTime;
      const placedAt = typeof decided === 'number' && Number.isFinite(decided) ? decided : this.#clock.now();
      const inserted = await this.#insert({
        clientOrderId: req.clientOrderId, symbol: req.symbol, venue: instrument.venue, side: req.side, qty: req.qty, status: 'working', placedAt,
        hints: { ...req.hints, ...(req.bracket === undefined ? {} : { bracket: { ...req.bracket } }) }, fill: null,
      });
      if (!inserted) {
        // A process killed between accepting the order and finishing its catch-up left it working
        // (or its bracket short of the bars applied since): the re-placement after the restart
        // finishes that catch-up. Every step is idempotent (the fill is a compare-and-set, a
        // position ignores bars it has seen), so a plain duplicate changes nothing.
        const prior = await this.#book.getOrder(req.clientOrderId);
        if (prior !== undefined && (prior.status === 'working' || this.#brackets[prior.clientOrderId] !== undefined)) {
          await this.#catchUp({ clientOrderId: prior.clientOrderId, symbol: prior.symbol, timeframe: prior.hints.timeframe }, prior.placedAt);
        }
        return reject('duplicate_client_order_id', `clientOrderId: ${JSON.stringify(req.clientOrderId)} was already placed; it is not placed again`, 'clientOrderId');
      }
      await this.#catchUp({ clientOrderId: req.clientOrderId, symbol: req.symbol, timeframe: req.hints?.timeframe }, placedAt);
      return { ok: true, ack: { clientOrderId: req.clientOrderId, status: 'accepted', acceptedAt: placedAt } };
    });
  }

  cancelOrder(clientOrderId: string): Promise<CancelResult> {
    return this.#serial(async () => {
      const cancelled = await this.#book.cancel(clientOrderId);
      this.#cache.settled(clientOrderId); // cancelled now, or not working
      if (cancelled) return { ok: true };
      const o = await this.#book.getOrder(clientOrderId);
      return o === undefined ? { ok: false, reason: 'unknown_order' } : { ok: false, reason: 'not_cancellable', status: o.status };
    });
  }

  async orderStatus(clientOrderId: string): Promise<OrderState | undefined> {
    const o = await (this.#batchStore ?? this.#store).getOrder(clientOrderId);
    if (o === undefined) return undefined;
    return { clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, qty: o.qty, status: o.status, placedAt: o.placedAt };
  }

  async fills(sinceCursor?: string): Promise<{ fills: BrokerFill[]; cursor: string | undefined }> {
    const after = sinceCursor === undefined ? 0 : Number(sinceCursor);
    // inside a batch, its transaction: the fills of its calls are not committed yet. From memory
    // once a store read answered every fill after the cursor (paper-book-cache.ts)
    const fills = await this.#cache.fillsAfter(Number.isFinite(after) ? after : 0, FILLS_PAGE, this.#batchStore ?? this.#store);
    return { fills, cursor: fills.length > 0 ? fills[fills.length - 1]!.cursor : sinceCursor };
  }

  /**
   * Applies the stored bars of the series after the last one applied, up to the one that opened
   * at `openTime` (`storedBars`), as `onBars` does: the gateway moves the broker this way, at
   * each bar ORDERS announces, so fills follow the data's order (docs/execution.md).
   */
  async advanceTo(symbol: string, timeframe: Timeframe, openTime: number): Promise<BrokerFill[]> {
    if (this.#storedBars === undefined) return [];
    await this.#reloadIfStale(); // what follows reads #lastBar outside #serial
    const key = `${symbol}:${timeframe}`;
    const last = this.#lastBar[key];
    if (last !== undefined && last >= openTime) return [];
    // POLICY: a symbol with nothing working and no open bracket has nothing a bar could fill or
    // exit, so its bars wait (no read, no save): the next advance that has work, or the next
    // placement on the symbol, applies every bar after the last one applied, in order, so the
    // liquidity windows, the verdicts and the fills are the same as bar by bar (each series'
    // window sees the same bars in the same order).
    if (this.#idle.has(symbol)) {
      this.#deferred.set(key, { symbol, timeframe, openTime });
      return [];
    }
    this.#deferred.delete(key);
    return this.onBars(await this.#barsUpTo(symbol, timeframe, openTime));
  }

  /**
   * The stored bars of a series after the last one applied, up to the one that opened at
   * `openTime`. POLICY: the marked bar itself must be read. The bar-builder publishes a batch
   * before it commits it (one transaction per batch), so a mark can come before its bar is
   * visible; once it is, every earlier bar of the series is too: nothing is skipped, nothing
   * applied late.
   */
  async #barsUpTo(symbol: string, timeframe: Timeframe, openTime: number): Promise<Bar[]> {
    const storedBars = this.#storedBars!;
    const last = this.#lastBar[`${symbol}:${timeframe}`];
    const from = last === undefined ? 0 : last + 1;
    let bars = await storedBars(symbol, timeframe, from, openTime);
    for (let waited = 0, delay = 5; bars.at(-1)?.openTime !== openTime; waited += delay, delay = Math.min(delay * 2, 500)) {
      if (waited >= BAR_WAIT_MS) {
        throw new FakeoutError('FAKEOUT_ERR_EXEC_BAR_NOT_STORED', `bar ${symbol} ${timeframe} ${new Date(openTime).toISOString()} is still not stored after ${BAR_WAIT_MS} ms`, { details: { field: 'bar', symbol, timeframe, openTime } });
      }
      await new Promise((r) => setTimeout(r, delay));
      bars = await storedBars(symbol, timeframe, from, openTime);
    }
    return bars;
  }

  deferredMarks(): [string, Timeframe, number][] {
    return [...this.#deferred.values()].map((d) => [d.symbol, d.timeframe, d.openTime]);
  }

  restoreDeferred(marks: readonly (readonly [string, string, number])[]): void {
    for (const [symbol, timeframe, openTime] of marks) {
      const key = `${symbol}:${timeframe}`;
      const last = this.#lastBar[key];
      if ((last !== undefined && last >= openTime) || (this.#deferred.get(key)?.openTime ?? -Infinity) >= openTime) continue;
      this.#deferred.set(key, { symbol, timeframe: timeframe as Timeframe, openTime });
    }
  }

  /** Applies the bars advances left for later on `symbol` (inside #serial; nothing can fill: it was idle). */
  async #applyDeferred(symbol: string): Promise<void> {
    const waiting = [...this.#deferred].filter(([, d]) => d.symbol === symbol);
    if (waiting.length === 0 || this.#storedBars === undefined) return;
    const batch: BatchReads = { working: new Map() };
    for (const [key, d] of waiting) {
      this.#deferred.delete(key);
      for (const bar of await this.#barsUpTo(d.symbol, d.timeframe, d.openTime)) await this.#applyBar(bar, batch);
    }
    await this.#save();
  }

  /** Tells the broker a bar closed: fills the orders waiting for its open and the brackets it exits; returns the new fills. */
  onBar(bar: Bar): Promise<BrokerFill[]> {
    return this.onBars([bar]);
  }

  /** `onBar` for several bars in order, saving the broker's state once at the end (a stage's batch). */
  onBars(bars: readonly Bar[]): Promise<BrokerFill[]> {
    return this.#serial(async () => {
      const filled: BrokerFill[] = [];
      const batch: BatchReads = { working: new Map() };
      for (const bar of bars) filled.push(...(await this.#applyBar(bar, batch)));
      await this.#save();
      for (const [symbol, working] of batch.working) {
        if (working.length === 0 && !Object.values(this.#brackets).some((b) => b.spec.symbol === symbol)) this.#idle.add(symbol);
      }
      return filled;
    });
  }

  async #applyBar(bar: Bar, batch: BatchReads): Promise<BrokerFill[]> {
    const key = `${bar.symbol}:${bar.timeframe}`;
    const fresh = this.#lastBar[key] === undefined || bar.openTime > this.#lastBar[key];
    const verdict = (fresh ? undefined : this.#recordedVerdict(key, bar.openTime)) ?? this.#liquidity.isLowLiquidity(bar, tradingSessions(bar.openTime));
    const filled: BrokerFill[] = [];
    // Working orders from memory (read once from the store): nothing else runs while onBars does
    // (#serial), and the fills made here take them out of the list at once (#fillOn).
    const working = await this.#cache.working(bar.symbol, this.#book);
    batch.working.set(bar.symbol, working);
    for (const o of [...working]) {
      if (!this.#fills(o, bar)) continue;
      const f = await this.#fillOn(o, bar, verdict);
      if (f !== undefined) filled.push(f);
    }
    filled.push(...(await this.#exitsOn(bar, verdict)));
    if (fresh) {
      this.#liquidity.update(bar);
      this.#lastBar[key] = bar.openTime;
      this.#verdicts[key] = [...(this.#verdicts[key] ?? []), [bar.openTime, { low: verdict.low, reasons: [...verdict.reasons] }] as [number, Verdict]].slice(-VERDICTS);
    }
    return filled;
  }

  #recordedVerdict(key: string, openTime: number): Verdict | undefined {
    return this.#verdicts[key]?.find(([t]) => t === openTime)?.[1];
  }

  #state(brackets: Record<string, PositionSnapshot> = this.#brackets): SavedState {
    const verdictRuns = Object.fromEntries(Object.entries(this.#verdicts).map(([k, list]) => [k, encodeVerdicts(list)]));
    return { version: 1, liquidity: this.#liquidity.snapshot(), lastBar: { ...this.#lastBar }, brackets: { ...brackets }, verdictRuns };
  }

  /** whether the current call runs in a transaction (its state is saved once, before the commit) */
  #inCall(): boolean {
    return this.#book !== this.#store;
  }

  async #save(): Promise<void> {
    if (this.#inCall()) this.#dirty = true;
    else await this.#store.saveState(this.#state());
  }

  /** Bars this broker already applied at or after the placement: fill and run the bracket on them now. */
  async #catchUp(req: { clientOrderId: string; symbol: string; timeframe: Timeframe | undefined }, placedAt: number): Promise<void> {
    const tf = req.timeframe;
    const last = tf === undefined ? undefined : this.#lastBar[`${req.symbol}:${tf}`];
    if (tf === undefined || last === undefined || last < placedAt || this.#storedBars === undefined) return;
    const key = `${req.symbol}:${tf}`;
    for (const bar of await this.#storedBars(req.symbol, tf, placedAt, last)) {
      const verdict = this.#recordedVerdict(key, bar.openTime) ?? this.#liquidity.isLowLiquidity(bar, tradingSessions(bar.openTime));
      const o = await this.#cache.workingOrder(req.symbol, req.clientOrderId, this.#book);
      if (o !== undefined) await this.#fillOn(o, bar, verdict);
      await this.#exitsOn(bar, verdict, req.clientOrderId);
      if (this.#brackets[req.clientOrderId] === undefined && o === undefined) break;
    }
    await this.#save();
  }

  /** Whether the bar fills the working order: it opened at or after the placement (else the next bar does), on the order's timeframe. */
  #fills(o: PaperOrderRecord, bar: Bar): boolean {
    return bar.openTime >= o.placedAt && (o.hints.timeframe === undefined || o.hints.timeframe === bar.timeframe);
  }

  async #fillOn(o: PaperOrderRecord, bar: Bar, verdict: Verdict): Promise<BrokerFill | undefined> {
    if (!this.#fills(o, bar)) return undefined;
    const q = quoteMarketFill(this.#cost, {
      orderId: o.clientOrderId, side: o.side, qty: o.qty, venue: o.venue, basePrice: bar.open, barVolume: bar.volume, sigma: o.hints.sigma ?? 0, lowLiquidity: verdict.low,
    });
    const ref = o.hints.referencePrice;
    const fill: NewFill = {
      fillId: `${o.clientOrderId}:fill`, clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, qty: o.qty, price: q.price, fees: q.fees,
      time: bar.openTime, barId: bar.id, modelled: q.slippage, lowLiquidity: [...verdict.reasons],
      referencePrice: ref ?? null, realisedBps: ref === undefined ? null : realisedSlippageBps(o.side, ref, q.price),
    };
    const b = o.hints.bracket;
    const bracket = b !== undefined && ref !== undefined && o.hints.timeframe !== undefined
      ? Position.open(
        { id: o.clientOrderId, symbol: o.symbol, timeframe: o.hints.timeframe, direction: o.side === 'buy' ? 'long' : 'short', decisionPrice: ref, stop: b.stop, target: b.target, timeStopBars: b.timeStopBars },
        { price: fill.price, qty: fill.qty, fees: fill.fees, time: bar.openTime },
      ).snapshot()
      : undefined;
    // POLICY: the fill and the bracket it opens are stored together. Saved apart, a process
    // killed between the two had a filled order whose position no later bar could ever exit.
    const stored = await this.#recordFill(o.clientOrderId, fill, this.#inCall() ? undefined : this.#state(bracket === undefined ? this.#brackets : { ...this.#brackets, [o.clientOrderId]: bracket }));
    this.#dirty = true;
    if (stored !== undefined && bracket !== undefined) this.#brackets[o.clientOrderId] = bracket;
    return stored;
  }

  /** Inserts a working order; the cache takes it when the store did. */
  #insert = async (o: PaperOrderRecord): Promise<boolean> => (await this.#book.insertOrder(o)) && (this.#cache.inserted(o), true);

  /** Records a fill (see PaperBrokerStore.recordFill); the order leaves the cached working list either way. */
  async #recordFill(id: string, fill: NewFill, state: SavedState | undefined): Promise<BrokerFill | undefined> {
    const stored = await this.#book.recordFill(id, fill, state);
    this.#cache.settled(id);
    if (stored !== undefined) this.#cache.filled(stored);
    return stored;
  }

  /** Runs the open brackets of the bar's symbol (or only `only`) on it; returns the exit fills. */
  async #exitsOn(bar: Bar, verdict: Verdict, only?: string): Promise<BrokerFill[]> {
    const out: BrokerFill[] = [];
    for (const [entryId, snap] of Object.entries(this.#brackets)) {
      if (snap.spec.symbol !== bar.symbol || (only !== undefined && entryId !== only)) continue;
      const entry = await this.#cache.entry(entryId, this.#book);
      const b = entry?.hints.bracket;
      if (entry === undefined || b === undefined) continue;
      const position = Position.restore(snap);
      let modelled: ReturnType<typeof quoteMarketFill> | undefined;
      const trade = position.onBar(bar, (t) => {
        modelled = quoteMarketFill(this.#cost, {
          orderId: b.exitClientOrderId, side: t.side, qty: t.qty, venue: entry.venue, basePrice: t.triggerPrice, barVolume: bar.volume, sigma: entry.hints.sigma ?? 0, lowLiquidity: verdict.low,
        });
        return { price: modelled.price, fees: modelled.fees, slippage: modelled.slippage };
      });
      this.#brackets[entryId] = position.snapshot();
      if (trade === null || modelled === undefined) continue;
      delete this.#brackets[entryId];
      this.#cache.forgetEntry(entryId);
      const side = entry.side === 'buy' ? 'sell' : 'buy';
      const ref = modelled.basePrice;
      await this.#insert({ clientOrderId: b.exitClientOrderId, symbol: entry.symbol, venue: entry.venue, side, qty: entry.qty, status: 'working', placedAt: bar.openTime, hints: { ...entry.hints, bracket: undefined, referencePrice: ref }, fill: null });
      // the exit fill with the state that no longer holds its bracket (as the entry's)
      this.#dirty = true;
      const stored = await this.#recordFill(b.exitClientOrderId, {
        fillId: `${b.exitClientOrderId}:fill`, clientOrderId: b.exitClientOrderId, symbol: entry.symbol, side, qty: entry.qty, price: modelled.price, fees: modelled.fees,
        time: trade.exitTime, barId: bar.id, modelled: modelled.slippage, lowLiquidity: [...verdict.reasons], referencePrice: ref,
        realisedBps: realisedSlippageBps(side, ref, modelled.price), exit: { reason: trade.reason, barsHeld: trade.barsHeld, gap: trade.gap, entryClientOrderId: entryId },
      }, this.#inCall() ? undefined : this.#state());
      if (stored !== undefined) out.push(stored);
    }
    return out;
  }
}
