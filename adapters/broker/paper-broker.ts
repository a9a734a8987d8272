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
 * Calls are serialised: a bar and a placement never interleave.
 */
import type { Bar } from '../../actors/domain/messages.ts';
import { type CostModelParams, quoteMarketFill, realisedSlippageBps } from '../../actors/execution/cost-model.ts';
import { lookupInstrument, floorToStep } from '../../actors/execution/instruments.ts';
import { DEFAULT_LIQUIDITY, type LiquidityParams, type LiquiditySnapshot, LiquidityTracker } from '../../actors/execution/liquidity.ts';
import type { Clock } from '../time/clock.ts';
import { tradingSessions } from '../time/sessions.ts';
import type { Broker, BrokerFill, CancelResult, OrderRejection, OrderRequest, OrderState, PlaceResult } from './broker.ts';
import type { NewFill, PaperBrokerStore } from './paper-store.ts';

export interface PaperBrokerOptions {
  store: PaperBrokerStore;
  costModel: Readonly<CostModelParams>;
  clock: Clock;
  liquidity?: LiquidityParams;
}

interface SavedState {
  version: 1;
  liquidity: LiquiditySnapshot;
  /** `<symbol>:<timeframe>` → open time of the last bar applied, so a redelivered bar counts once */
  lastBar: Record<string, number>;
}

const FILLS_PAGE = 1000;

export class PaperBroker implements Broker {
  readonly #store: PaperBrokerStore;
  readonly #cost: Readonly<CostModelParams>;
  readonly #clock: Clock;
  #liquidity: LiquidityTracker;
  #lastBar: Record<string, number> = {};
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(opts: PaperBrokerOptions) {
    this.#store = opts.store;
    this.#cost = opts.costModel;
    this.#clock = opts.clock;
    this.#liquidity = new LiquidityTracker(opts.liquidity ?? DEFAULT_LIQUIDITY);
  }

  /** A paper broker on `store`, resuming the state a previous process saved there. */
  static async open(opts: PaperBrokerOptions): Promise<PaperBroker> {
    const broker = new PaperBroker(opts);
    const saved = (await opts.store.loadState()) as SavedState | undefined;
    if (saved !== undefined && saved !== null) {
      broker.#liquidity = LiquidityTracker.restore(saved.liquidity);
      broker.#lastBar = { ...saved.lastBar };
    }
    return broker;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  placeOrder(req: OrderRequest): Promise<PlaceResult> {
    return this.#serial(async () => {
      const reject = (reason: OrderRejection['reason'], message: string, field?: string): PlaceResult => ({
        ok: false,
        rejection: { clientOrderId: req.clientOrderId, reason, message, ...(field === undefined ? {} : { field }) },
      });
      if (typeof req.clientOrderId !== 'string' || req.clientOrderId.length === 0 || req.clientOrderId.length > 200) {
        return reject('invalid_order', 'clientOrderId: expected 1..200 characters', 'clientOrderId');
      }
      const instrument = lookupInstrument(req.symbol);
      if (instrument === undefined) return reject('unknown_symbol', `symbol: no instrument configured for ${JSON.stringify(req.symbol)}`, 'symbol');
      if (req.side !== 'buy' && req.side !== 'sell') return reject('invalid_order', `side: expected buy or sell, got ${JSON.stringify(req.side)}`, 'side');
      if (req.type !== 'market') return reject('invalid_order', `type: the paper broker takes market orders only, got ${JSON.stringify(req.type)}`, 'type');
      if (!(Number.isFinite(req.qty) && req.qty >= instrument.minQty) || floorToStep(req.qty, instrument.qtyStep) !== req.qty) {
        return reject('invalid_order', `qty: expected a multiple of ${instrument.qtyStep} of at least ${instrument.minQty}, got ${req.qty}`, 'qty');
      }
      const sigma = req.hints?.sigma;
      if (sigma === undefined || !Number.isFinite(sigma) || sigma < 0) {
        return reject('invalid_order', 'hints.sigma: the paper broker needs the per-bar volatility (ATR / price) to model impact', 'hints.sigma');
      }
      const placedAt = this.#clock.now();
      const inserted = await this.#store.insertOrder({
        clientOrderId: req.clientOrderId,
        symbol: req.symbol,
        venue: instrument.venue,
        side: req.side,
        qty: req.qty,
        status: 'working',
        placedAt,
        hints: { ...req.hints },
        fill: null,
      });
      if (!inserted) {
        return reject('duplicate_client_order_id', `clientOrderId: ${JSON.stringify(req.clientOrderId)} was already placed; it is not placed again`, 'clientOrderId');
      }
      return { ok: true, ack: { clientOrderId: req.clientOrderId, status: 'accepted', acceptedAt: placedAt } };
    });
  }

  cancelOrder(clientOrderId: string): Promise<CancelResult> {
    return this.#serial(async () => {
      if (await this.#store.cancel(clientOrderId)) return { ok: true };
      const o = await this.#store.getOrder(clientOrderId);
      return o === undefined ? { ok: false, reason: 'unknown_order' } : { ok: false, reason: 'not_cancellable', status: o.status };
    });
  }

  async orderStatus(clientOrderId: string): Promise<OrderState | undefined> {
    const o = await this.#store.getOrder(clientOrderId);
    if (o === undefined) return undefined;
    return { clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, qty: o.qty, status: o.status, placedAt: o.placedAt };
  }

  async fills(sinceCursor?: string): Promise<{ fills: BrokerFill[]; cursor: string | undefined }> {
    const after = sinceCursor === undefined ? 0 : Number(sinceCursor);
    const fills = await this.#store.fillsAfter(Number.isFinite(after) ? after : 0, FILLS_PAGE);
    return { fills, cursor: fills.length > 0 ? fills[fills.length - 1]!.cursor : sinceCursor };
  }

  /** Tells the broker a bar closed: fills the orders waiting for its open; returns the new fills. */
  onBar(bar: Bar): Promise<BrokerFill[]> {
    return this.#serial(async () => {
      const key = `${bar.symbol}:${bar.timeframe}`;
      const verdict = this.#liquidity.isLowLiquidity(bar, tradingSessions(bar.openTime));
      const filled: BrokerFill[] = [];
      for (const o of await this.#store.workingOrders(bar.symbol)) {
        if (bar.openTime < o.placedAt) continue; // opened before the order existed: the next bar fills it
        if (o.hints.timeframe !== undefined && o.hints.timeframe !== bar.timeframe) continue;
        const q = quoteMarketFill(this.#cost, {
          orderId: o.clientOrderId,
          side: o.side,
          qty: o.qty,
          venue: o.venue,
          basePrice: bar.open,
          barVolume: bar.volume,
          sigma: o.hints.sigma ?? 0,
          lowLiquidity: verdict.low,
        });
        const ref = o.hints.referencePrice;
        const fill: NewFill = {
          fillId: `${o.clientOrderId}:fill`,
          clientOrderId: o.clientOrderId,
          symbol: o.symbol,
          side: o.side,
          qty: o.qty,
          price: q.price,
          fees: q.fees,
          time: bar.openTime,
          barId: bar.id,
          modelled: q.slippage,
          lowLiquidity: verdict.reasons,
          referencePrice: ref ?? null,
          realisedBps: ref === undefined ? null : realisedSlippageBps(o.side, ref, q.price),
        };
        const stored = await this.#store.recordFill(o.clientOrderId, fill);
        if (stored !== undefined) filled.push(stored);
      }
      if (this.#lastBar[key] === undefined || bar.openTime > this.#lastBar[key]) {
        this.#liquidity.update(bar);
        this.#lastBar[key] = bar.openTime;
        const state: SavedState = { version: 1, liquidity: this.#liquidity.snapshot(), lastBar: { ...this.#lastBar } };
        await this.#store.saveState(state);
      }
      return filled;
    });
  }
}
