/**
 * The paper broker's recorded liquidity verdicts, compact for its saved state: runs of bars of one
 * series with the same verdict at a fixed spacing, `[firstOpenTime, step, count, low (0/1), reasons
 * joined by ","]`. A minute series with one verdict is one run instead of 120 objects: the state
 * saved after every call went from about 24 KB to about 3 KB in benchmark (e), and its upsert from
 * about 8 ms to under 1 ms on the bench machine (docs/benchmarks.md, 2026-12-07).
 */
import type { PositionSnapshot } from '../../actors/execution/position.ts';
import type { LiquiditySnapshot } from '../../actors/execution/liquidity.ts';

export type Verdict = { low: boolean; reasons: string[] };
export type VerdictRun = [number, number, number, 0 | 1, string];

export function encodeVerdicts(list: readonly (readonly [number, Verdict])[]): VerdictRun[] {
  const runs: VerdictRun[] = [];
  for (const [t, v] of list) {
    const low = v.low ? 1 : 0;
    const reasons = v.reasons.join(',');
    const r = runs.at(-1);
    if (r !== undefined && r[3] === low && r[4] === reasons && (r[2] === 1 ? t > r[0] : t === r[0] + r[1] * r[2])) {
      if (r[2] === 1) r[1] = t - r[0];
      r[2] += 1;
    } else {
      runs.push([t, 0, 1, low, reasons]);
    }
  }
  return runs;
}

export function decodeVerdicts(runs: readonly VerdictRun[]): [number, Verdict][] {
  const out: [number, Verdict][] = [];
  for (const [t0, step, count, low, reasons] of runs) {
    for (let i = 0; i < count; i++) out.push([t0 + i * step, { low: low === 1, reasons: reasons === '' ? [] : reasons.split(',') }]);
  }
  return out;
}

/** How many bars' verdicts of each series the paper broker keeps (for the catch-up). */
export const VERDICTS = 120;

/** The paper broker's saved state (its store's `loadState` / `saveState`). */
export interface SavedState {
  version: 1;
  liquidity: LiquiditySnapshot;
  /** `<symbol>:<timeframe>` → open time of the last bar applied, so a redelivered bar counts once */
  lastBar: Record<string, number>;
  /** open brackets: entry client order id → its position */
  brackets?: Record<string, PositionSnapshot>;
  /** `<symbol>:<timeframe>` → the last VERDICTS bars' liquidity verdicts, by open time (for the catch-up) */
  verdicts?: Record<string, [number, Verdict][]>;
  /** the same verdicts as runs (encodeVerdicts): what is written now; `verdicts` is still read */
  verdictRuns?: Record<string, VerdictRun[]>;
}
