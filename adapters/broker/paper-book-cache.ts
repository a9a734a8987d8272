/**
 * What the paper broker keeps of its own book in memory, so a call does not read back what it
 * wrote: the working orders of each symbol, the entry orders of open brackets, and the fills after
 * the last cursor a reader asked for.
 *
 * POLICY: the paper broker is the only writer of its book (`broker_orders`; one active gateway
 * holds the lease), so what it wrote is what a read would answer. Everything here is loaded from
 * the store on first use (per symbol, per entry, from a reader's cursor) and kept up to date by the
 * broker's own writes, which go to the store as before; `clear()` forgets all of it, and the broker
 * clears it whenever it reloads its state (a failed call or batch, a new gateway incarnation), so
 * after a rollback nothing uncommitted is served. The stored bars it read: {@link StoredBarsCache}.
 */
import { type Bar, type Timeframe, timeframeMs } from '../../actors/domain/messages.ts';
import type { BrokerFill } from './broker.ts';
import type { PaperBrokerStore, PaperOrderRecord } from './paper-store.ts';

/** As a store read would answer it (the Postgres store keeps orders as JSON). */
const asStored = (o: PaperOrderRecord): PaperOrderRecord => JSON.parse(JSON.stringify(o)) as PaperOrderRecord;

export class PaperBookCache {
  /** symbol → its working orders, in the store's order (placement, then id) */
  readonly #working = new Map<string, PaperOrderRecord[]>();
  /** entry client order id → the entry order (what a bracket needs of it never changes) */
  readonly #entries = new Map<string, PaperOrderRecord>();
  /** every fill with a cursor after `from` (committed, or written by the current call or batch), oldest first */
  #fills: { from: number; list: BrokerFill[] } | undefined;
  /** fills written: a store read that overlapped one is not kept */
  #fillWrites = 0;

  clear(): void {
    this.#working.clear();
    this.#entries.clear();
    this.#fills = undefined;
  }

  /** The working orders of `symbol` (the cached list itself: the broker's writes keep it current). */
  async working(symbol: string, store: PaperBrokerStore): Promise<PaperOrderRecord[]> {
    let list = this.#working.get(symbol);
    if (list === undefined) this.#working.set(symbol, (list = await store.workingOrders(symbol)));
    return list;
  }

  /** The working order `id` of `symbol`, if it is working. */
  async workingOrder(symbol: string, id: string, store: PaperBrokerStore): Promise<PaperOrderRecord | undefined> {
    return (await this.working(symbol, store)).find((o) => o.clientOrderId === id);
  }

  /** `o` was inserted (the store said so). */
  inserted(o: PaperOrderRecord): void {
    const rec = asStored(o);
    if (rec.hints.bracket !== undefined) this.#entries.set(rec.clientOrderId, rec);
    const list = this.#working.get(rec.symbol);
    if (list === undefined || rec.status !== 'working') return;
    // the store orders equal placement times by id in its collation: such a list is read again
    if (list.some((x) => x.placedAt === rec.placedAt)) {
      this.#working.delete(rec.symbol);
      return;
    }
    const at = list.findIndex((x) => x.placedAt > rec.placedAt);
    list.splice(at === -1 ? list.length : at, 0, rec);
  }

  /** `id` is no longer working (filled or cancelled now, or the store found it not working). */
  settled(id: string): void {
    for (const list of this.#working.values()) {
      const i = list.findIndex((o) => o.clientOrderId === id);
      if (i >= 0) list.splice(i, 1);
    }
  }

  async entry(id: string, store: PaperBrokerStore): Promise<PaperOrderRecord | undefined> {
    const known = this.#entries.get(id);
    if (known !== undefined) return known;
    const o = await store.getOrder(id);
    if (o !== undefined) this.#entries.set(id, o);
    return o;
  }

  /** the bracket of entry `id` closed: its entry is not needed again */
  forgetEntry(id: string): void {
    this.#entries.delete(id);
  }

  /** `f` was recorded (it has the next cursor). */
  filled(f: BrokerFill): void {
    this.#fillWrites += 1;
    const log = this.#fills;
    if (log === undefined) return;
    const last = log.list.at(-1);
    if (Number(f.cursor) <= (last === undefined ? log.from : Number(last.cursor))) this.#fills = undefined; // not in order: read the store next time
    else log.list.push(structuredClone(f));
  }

  /**
   * Fills with a cursor after `after`, oldest first, at most `limit`: from memory when every fill
   * after `after` is known here, else from the store (and kept, when the store had fewer than
   * `limit`: then they are all of them). Fills at or before the cursor asked for are dropped.
   */
  async fillsAfter(after: number, limit: number, store: PaperBrokerStore): Promise<BrokerFill[]> {
    const log = this.#fills;
    if (log !== undefined && after >= log.from) {
      log.list = log.list.filter((f) => Number(f.cursor) > after);
      log.from = after;
      return log.list.slice(0, limit).map((f) => structuredClone(f));
    }
    const writes = this.#fillWrites;
    const page = await store.fillsAfter(after, limit);
    if (writes === this.#fillWrites && page.length < limit) this.#fills = { from: after, list: page.map((f) => structuredClone(f)) };
    return page;
  }
}

/** How far past the bar asked for a store read of bars reaches, in bars of the series. */
export const BARS_AHEAD = 256;

type StoredBars = (symbol: string, timeframe: Timeframe, fromOpenTime: number, toOpenTime: number) => Promise<Bar[]>;

/**
 * The stored bars the paper broker read, per series: a batch's advances and catch-ups on one series
 * are answered by one read (reaching {@link BARS_AHEAD} bars past the one asked for).
 * POLICY: bars are never changed once stored (insert-only), and once a bar of a series is visible
 * every earlier one is too (the broker's advance relies on the same): a read that returned bars
 * up to open time `hi` holds EVERY stored bar of the series from its start to `hi`. A range
 * reaching past `hi` (a bar not visible at the read) is read from the store again.
 */
export class StoredBarsCache {
  readonly #series = new Map<string, { lo: number; hi: number; bars: Bar[] }>();

  clear(): void {
    this.#series.clear();
  }

  async read(storedBars: StoredBars, symbol: string, timeframe: Timeframe, from: number, to: number): Promise<Bar[]> {
    const key = `${symbol}:${timeframe}`;
    const c = this.#series.get(key);
    if (c !== undefined && c.lo <= from && to <= c.hi) return c.bars.filter((b) => b.openTime >= from && b.openTime <= to);
    const bars = await storedBars(symbol, timeframe, from, to + BARS_AHEAD * timeframeMs(timeframe));
    if (bars.length > 0) this.#series.set(key, { lo: from, hi: bars.at(-1)!.openTime, bars });
    return bars.filter((b) => b.openTime <= to);
  }
}
