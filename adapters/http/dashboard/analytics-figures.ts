/**
 * The Analytics tab's figures from the grouped rows SQL returns: pure, no I/O. SQL does the
 * counting (GROUP BY over every stored row); these functions only shape a bounded number of
 * groups into what a chart draws (dense grids with the empty cells as zeros, cumulative sums).
 */

export const WEEKDAYS = Object.freeze(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const);

/** One (ISO weekday 1..7 = Mon..Sun, hour 0..23) group of signals. */
export interface HeatmapRow {
  dow: number;
  hour: number;
  count: number;
}

export interface Heatmap {
  zone: string;
  weekdays: readonly string[];
  /** counts[weekday 0 = Mon][hour]: signals whose bar opened then, in `zone` */
  counts: number[][];
  total: number;
  max: number;
}

/** A 7 × 24 grid; groups outside it (none from SQL's extract) are refused loudly, not dropped. */
export function heatmapGrid(zone: string, rows: readonly HeatmapRow[]): Heatmap {
  const counts = WEEKDAYS.map(() => new Array<number>(24).fill(0));
  let total = 0;
  let max = 0;
  for (const r of rows) {
    if (!(Number.isInteger(r.dow) && r.dow >= 1 && r.dow <= 7 && Number.isInteger(r.hour) && r.hour >= 0 && r.hour <= 23)) {
      throw new RangeError(`heatmap group outside the week: dow ${r.dow}, hour ${r.hour}`);
    }
    const row = counts[r.dow - 1]!;
    row[r.hour]! += r.count;
    total += r.count;
    max = Math.max(max, row[r.hour]!);
  }
  return { zone, weekdays: WEEKDAYS, counts, total, max };
}

/** One histogram group: scores in [bin × width, (bin + 1) × width). */
export interface HistogramRow {
  bin: number;
  count: number;
}

export interface Histogram {
  width: number;
  /** lower edge of each bar, ascending, contiguous (empty bars are zeros) */
  edges: number[];
  counts: number[];
  total: number;
  /** the trigger score in force: bars at or above it are signals */
  trigger: number | null;
  /** scored bars at or above the trigger (counted by SQL, not from the bins: a bin may straddle it) */
  atOrAboveTrigger: number;
}

/** The most bars one histogram has: a width too fine for the score range is refused. */
export const MAX_BINS = 500;

export function histogramBins(width: number, rows: readonly HistogramRow[], trigger: number | null, atOrAboveTrigger: number): Histogram {
  if (rows.length === 0) return { width, edges: [], counts: [], total: 0, trigger, atOrAboveTrigger };
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    lo = Math.min(lo, r.bin);
    hi = Math.max(hi, r.bin);
  }
  if (hi - lo + 1 > MAX_BINS) throw new RangeError(`histogram of ${hi - lo + 1} bins (over ${MAX_BINS}): use a wider bin`);
  const counts = new Array<number>(hi - lo + 1).fill(0);
  let total = 0;
  for (const r of rows) {
    counts[r.bin - lo]! += r.count;
    total += r.count;
  }
  // edges as bin × width, rounded to hide float noise (0.1 × 3 = 0.30000000000000004)
  const edges = counts.map((_, i) => Math.round((lo + i) * width * 1e9) / 1e9);
  return { width, edges, counts, total, trigger, atOrAboveTrigger };
}

/** One regime group of signals, with the closed trades of those signals. */
export interface BreakdownRow {
  key: string | null;
  signals: number;
  avgScore: number | null;
  trades: number;
  wins: number;
  pnl: number;
  sumR: number;
}

export interface BreakdownLine {
  /** the tag; `untagged` for signals stored before regime tagging */
  key: string;
  signals: number;
  avgScore: number | null;
  trades: number;
  /** wins / trades, null without trades */
  winRate: number | null;
  pnl: number;
  /** average R per closed trade, null without trades */
  avgR: number | null;
}

export const UNTAGGED = 'untagged';

/** Lines sorted by signals (most first), then key; ratios computed here, once. */
export function breakdownLines(rows: readonly BreakdownRow[]): BreakdownLine[] {
  return rows
    .map((r) => ({
      key: r.key ?? UNTAGGED,
      signals: r.signals,
      avgScore: r.avgScore,
      trades: r.trades,
      winRate: r.trades === 0 ? null : r.wins / r.trades,
      pnl: r.pnl,
      avgR: r.trades === 0 ? null : r.sumR / r.trades,
    }))
    .sort((a, b) => b.signals - a.signals || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** One period of closed trades (`bucket` = the period's start as local wall time text, from SQL). */
export interface PnlRow {
  bucket: string;
  trades: number;
  wins: number;
  pnl: number;
}

export interface PnlLine extends PnlRow {
  /** P&L summed over this page's buckets up to and including this one */
  cumulative: number;
}

/** Oldest first, with a running sum (the page's, so each page reads on its own). */
export function pnlLines(rows: readonly PnlRow[]): PnlLine[] {
  const sorted = [...rows].sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0));
  let cumulative = 0;
  return sorted.map((r) => {
    cumulative += r.pnl;
    return { ...r, cumulative: Math.round(cumulative * 1e8) / 1e8 };
  });
}
