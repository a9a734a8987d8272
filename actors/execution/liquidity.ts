/**
 * Low-liquidity detection: a bar is "low liquidity" when it opens outside every main trading
 * session (adapters/time/sessions.ts: Asia, London, New York, DST-correct) or when its volume is
 * below a trailing percentile of the volumes of the bars before it.
 *
 * The trailing window is kept per symbol AND timeframe: a 1h bar's volume is sixty 1m bars'
 * worth, so mixing them would make every 1m bar look thin. Streaming and bounded: `update(bar)`
 * after the check, one read per query (a sorted copy of each window is kept up to date: a binary
 * search and a splice per bar), snapshot/restore as plain JSON.
 */
import type { TradingSessions } from '../../adapters/time/sessions.ts';
import { FakeoutError } from '../domain/errors.ts';
import type { Bar } from '../domain/messages.ts';

export interface LiquidityParams {
  /** bars kept per symbol and timeframe */
  window: number;
  /** percentile (0..100, exclusive) below which a volume counts as thin */
  percentile: number;
  /** the volume test applies only once this many bars are in the window */
  minSamples: number;
}

export const DEFAULT_LIQUIDITY: Readonly<LiquidityParams> = Object.freeze({ window: 240, percentile: 10, minSamples: 20 });

export type LowLiquidityReason = 'off_session' | 'thin_volume';

export interface LiquidityVerdict {
  low: boolean;
  reasons: LowLiquidityReason[];
  /** the trailing percentile volume compared against, or null before minSamples bars */
  threshold: number | null;
}

export interface LiquiditySnapshot {
  version: 1;
  params: LiquidityParams;
  /** `<symbol>:<timeframe>` → volumes, oldest first */
  windows: Record<string, number[]>;
}

/**
 * Nearest-rank percentile of `values` (not necessarily sorted): the value at rank ⌈p/100 · n⌉
 * of the sorted list (rank 1 = smallest).
 */
export function nearestRankPercentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

const keyOf = (bar: Pick<Bar, 'symbol' | 'timeframe'>): string => `${bar.symbol}:${bar.timeframe}`;

/** A trailing window in arrival order and the same volumes kept sorted, so a percentile is one read. */
interface Window {
  order: number[];
  sorted: number[];
}

/** The first index of `sorted` whose value is ≥ x. */
function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class LiquidityTracker {
  readonly params: Readonly<LiquidityParams>;
  readonly #windows = new Map<string, Window>();

  constructor(params: LiquidityParams = DEFAULT_LIQUIDITY) {
    if (!Number.isInteger(params.window) || params.window < 1) throw invalid('window', `expected an integer ≥ 1, got ${params.window}`);
    if (!(params.percentile > 0 && params.percentile < 100)) throw invalid('percentile', `expected (0, 100), got ${params.percentile}`);
    if (!Number.isInteger(params.minSamples) || params.minSamples < 1 || params.minSamples > params.window) {
      throw invalid('minSamples', `expected an integer 1..window, got ${params.minSamples}`);
    }
    this.params = Object.freeze({ ...params });
  }

  /** The trailing percentile volume for the bar's symbol and timeframe, or null while warming up. */
  threshold(bar: Pick<Bar, 'symbol' | 'timeframe'>): number | null {
    const w = this.#windows.get(keyOf(bar));
    if (w === undefined || w.order.length < this.params.minSamples) return null;
    // nearestRankPercentile on the kept sorted copy (no sort per bar)
    const n = w.sorted.length;
    return w.sorted[Math.max(1, Math.ceil((this.params.percentile / 100) * n)) - 1]!;
  }

  /**
   * Whether `bar` is low liquidity. `sessions` = tradingSessions(bar.openTime). Call BEFORE
   * update(bar): the bar is compared with the bars before it, not with itself.
   */
  isLowLiquidity(bar: Pick<Bar, 'symbol' | 'timeframe' | 'volume'>, sessions: TradingSessions): LiquidityVerdict {
    const reasons: LowLiquidityReason[] = [];
    if (sessions.sessions.length === 0) reasons.push('off_session');
    const threshold = this.threshold(bar);
    if (threshold !== null && bar.volume < threshold) reasons.push('thin_volume');
    return { low: reasons.length > 0, reasons, threshold };
  }

  /** Adds the bar's volume to its window, dropping the oldest beyond `window`. */
  update(bar: Pick<Bar, 'symbol' | 'timeframe' | 'volume'>): void {
    const key = keyOf(bar);
    let w = this.#windows.get(key);
    if (w === undefined) this.#windows.set(key, (w = { order: [], sorted: [] }));
    this.#add(w, bar.volume);
  }

  #add(w: Window, volume: number): void {
    w.order.push(volume);
    w.sorted.splice(lowerBound(w.sorted, volume), 0, volume);
    if (w.order.length > this.params.window) {
      const oldest = w.order.shift()!;
      w.sorted.splice(lowerBound(w.sorted, oldest), 1);
    }
  }

  snapshot(): LiquiditySnapshot {
    return { version: 1, params: { ...this.params }, windows: Object.fromEntries([...this.#windows].map(([k, v]) => [k, [...v.order]])) };
  }

  static restore(snap: LiquiditySnapshot): LiquidityTracker {
    if (snap?.version !== 1 || typeof snap.windows !== 'object' || snap.windows === null) {
      throw new FakeoutError('FAKEOUT_ERR_EXEC_SNAPSHOT', `liquidity snapshot: unknown version ${JSON.stringify(snap?.version)}`, { details: { field: 'version' } });
    }
    const t = new LiquidityTracker(snap.params);
    for (const [k, v] of Object.entries(snap.windows)) {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) {
        throw new FakeoutError('FAKEOUT_ERR_EXEC_SNAPSHOT', `liquidity snapshot: window ${k} is not a list of volumes`, { details: { field: `windows.${k}` } });
      }
      const w: Window = { order: [], sorted: [] };
      for (const x of v.slice(-t.params.window)) t.#add(w, x);
      t.#windows.set(k, w);
    }
    return t;
  }
}

function invalid(field: string, message: string): FakeoutError {
  return new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `liquidity ${field}: ${message}`, { details: { field } });
}
