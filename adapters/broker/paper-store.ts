/**
 * The paper broker's book, as a port: its orders, their fills and its own state (the liquidity
 * tracker). Two implementations: {@link MemoryPaperBrokerStore} here, and the Postgres one in
 * adapters/db/broker-orders.repo.ts, so a restarted process sees the orders it already accepted.
 */
import type { VenueType } from '../../actors/execution/instruments.ts';
import type { Bracket, BrokerFill, ExecutionHints, OrderSide, OrderStatus } from './broker.ts';

export interface PaperOrderRecord {
  clientOrderId: string;
  symbol: string;
  venue: VenueType;
  side: OrderSide;
  qty: number;
  status: OrderStatus;
  placedAt: number;
  /** the request's hints, and its bracket when it has one (stored together) */
  hints: ExecutionHints & { bracket?: Bracket };
  fill: BrokerFill | null;
}

export type NewFill = Omit<BrokerFill, 'cursor'>;

export interface PaperBrokerStore {
  /** Adds a working order; false (and nothing changed) when the client order id exists. */
  insertOrder(order: PaperOrderRecord): Promise<boolean>;
  getOrder(clientOrderId: string): Promise<PaperOrderRecord | undefined>;
  /** Working orders of `symbol`, oldest placement first (then by id). */
  workingOrders(symbol: string): Promise<PaperOrderRecord[]>;
  /**
   * Marks a WORKING order filled with `fill`, giving it the next cursor; undefined (and nothing
   * changed) when the order is not working. POLICY: this compare-and-set is what makes a second
   * fill of one order impossible, even from two processes. `state`, when given, is saved as
   * {@link saveState} does in the same write, and only if the fill was recorded (both or neither:
   * a fill whose bracket was not saved could never exit after a kill).
   */
  recordFill(clientOrderId: string, fill: NewFill, state?: unknown): Promise<BrokerFill | undefined>;
  /** Marks a working order cancelled; false when it is not working. */
  cancel(clientOrderId: string): Promise<boolean>;
  /** Fills with a cursor after `afterSeq`, oldest first, at most `limit`. */
  fillsAfter(afterSeq: number, limit: number): Promise<BrokerFill[]>;
  loadState(): Promise<unknown>;
  saveState(state: unknown): Promise<void>;
}

const copy = <T>(x: T): T => structuredClone(x);

/**
 * An in-process book (tests, replays that need no restart). `{ keepState: false }` (a backtest,
 * which never restores its broker) keeps no broker state: copying it after every bar was 60 % of
 * an in-process backtest's time.
 */
export class MemoryPaperBrokerStore implements PaperBrokerStore {
  readonly #keepState: boolean;
  constructor(opts: { keepState?: boolean } = {}) {
    this.#keepState = opts.keepState ?? true;
  }

  readonly #orders = new Map<string, PaperOrderRecord>();
  readonly #fills: BrokerFill[] = [];
  /** working orders by symbol (a backtest's book holds thousands of finished ones) */
  readonly #working = new Map<string, Map<string, PaperOrderRecord>>();
  #state: unknown = undefined;

  #workingOf(symbol: string): Map<string, PaperOrderRecord> {
    let m = this.#working.get(symbol);
    if (m === undefined) this.#working.set(symbol, (m = new Map()));
    return m;
  }

  async insertOrder(order: PaperOrderRecord): Promise<boolean> {
    if (this.#orders.has(order.clientOrderId)) return false;
    const o = copy(order);
    this.#orders.set(order.clientOrderId, o);
    if (o.status === 'working') this.#workingOf(o.symbol).set(o.clientOrderId, o);
    return true;
  }

  async getOrder(id: string): Promise<PaperOrderRecord | undefined> {
    const o = this.#orders.get(id);
    return o === undefined ? undefined : copy(o);
  }

  async workingOrders(symbol: string): Promise<PaperOrderRecord[]> {
    return [...(this.#working.get(symbol)?.values() ?? [])]
      .sort((a, b) => a.placedAt - b.placedAt || (a.clientOrderId < b.clientOrderId ? -1 : 1))
      .map(copy);
  }

  async recordFill(id: string, fill: NewFill, state?: unknown): Promise<BrokerFill | undefined> {
    const o = this.#orders.get(id);
    if (o === undefined || o.status !== 'working') return undefined;
    const stored: BrokerFill = { ...copy(fill), cursor: String(this.#fills.length + 1) };
    o.status = 'filled';
    o.fill = stored;
    this.#working.get(o.symbol)?.delete(id);
    this.#fills.push(stored);
    if (state !== undefined && this.#keepState) this.#state = copy(state);
    return copy(stored);
  }

  async cancel(id: string): Promise<boolean> {
    const o = this.#orders.get(id);
    if (o === undefined || o.status !== 'working') return false;
    o.status = 'cancelled';
    this.#working.get(o.symbol)?.delete(id);
    return true;
  }

  async fillsAfter(afterSeq: number, limit: number): Promise<BrokerFill[]> {
    // cursors are 1, 2, 3…: the fills after `afterSeq` start at that index
    return this.#fills.slice(Math.max(0, Math.floor(afterSeq)), Math.max(0, Math.floor(afterSeq)) + limit).map(copy);
  }

  async loadState(): Promise<unknown> {
    return copy(this.#state);
  }

  async saveState(state: unknown): Promise<void> {
    if (this.#keepState) this.#state = copy(state);
  }
}
