/**
 * The System monitor tab's figures from grouped SQL rows and stored snapshots: pure, no I/O.
 *
 * The slippage ratio of a period is the breaker's formula (actors/risk/breaker-conditions.ts
 * `slippageRatio`): Σ realised bps / Σ modelled bps over the period's ENTRY fills, a fill with no
 * realised figure counting as its modelled one (as the gateway feeds the breaker). A ratio over
 * the whole period, not an average of per-fill ratios, so a fill modelled at 0.1 bps cannot
 * dominate it.
 */

export interface SlippageRow {
  bucket: string;
  fills: number;
  realisedSum: number;
  modelledSum: number;
}

export interface SlippagePoint {
  bucket: string;
  fills: number;
  /** mean realised bps per fill */
  realisedBps: number;
  /** mean modelled bps per fill */
  modelledBps: number;
  /** Σ realised / Σ modelled; null when nothing was modelled (no ratio exists) */
  ratio: number | null;
  /** the ratio is above the threshold (what trips the breaker over a full window) */
  over: boolean;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** Oldest first. */
export function slippageSeries(rows: readonly SlippageRow[], threshold: number): SlippagePoint[] {
  return [...rows]
    .sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0))
    .map((r) => {
      const ratio = r.modelledSum > 0 ? round(r.realisedSum / r.modelledSum) : null;
      return {
        bucket: r.bucket, fills: r.fills,
        realisedBps: round(r.realisedSum / r.fills), modelledBps: round(r.modelledSum / r.fills),
        ratio, over: ratio !== null && ratio > threshold,
      };
    });
}

export interface LiquidityRow {
  bucket: string;
  signals: number;
  low: number;
}

export interface LiquidityPoint extends LiquidityRow {
  /** low / signals */
  share: number;
  over: boolean;
}

export function liquiditySeries(rows: readonly LiquidityRow[], threshold: number): LiquidityPoint[] {
  return [...rows]
    .sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0))
    .map((r) => {
      const share = r.signals === 0 ? 0 : round(r.low / r.signals);
      return { ...r, share, over: share > threshold };
    });
}

export interface BreakerTrip {
  at: number;
  trips: { condition: string; reason: string }[];
}

export interface BreakerView {
  /** closed, open, halfOpen; `unknown` when the gateway never saved a checkpoint here */
  state: string;
  /** the trip holding it open or half-open */
  trip: BreakerTrip | null;
  /** the last trips the machine keeps (TRIP_HISTORY), newest first */
  history: BreakerTrip[];
  lastReset: { user: string; at: number } | null;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function tripOf(v: unknown): BreakerTrip | null {
  if (!isObj(v) || typeof v['at'] !== 'number' || !Array.isArray(v['trips'])) return null;
  return {
    at: v['at'],
    trips: v['trips'].filter(isObj).map((t) => ({ condition: String(t['condition'] ?? '?'), reason: String(t['reason'] ?? '') })),
  };
}

/**
 * The breaker as the gateway's checkpoint holds it (`stage_checkpoints['execution-gateway']
 * .state.breaker`: the breaker machine's persisted snapshot, machines/breaker.machine.ts). Read
 * defensively: a dashboard must show "unknown" rather than fail on a snapshot of another version.
 */
export function breakerFromCheckpoint(gatewayState: unknown): BreakerView {
  const snap = isObj(gatewayState) ? gatewayState['breaker'] : undefined;
  if (!isObj(snap)) return { state: 'unknown', trip: null, history: [], lastReset: null };
  const ctx = isObj(snap['context']) ? snap['context'] : {};
  const history = Array.isArray(ctx['history']) ? ctx['history'].map(tripOf).filter((t): t is BreakerTrip => t !== null).reverse() : [];
  const reset = isObj(ctx['lastReset']) && typeof ctx['lastReset']['at'] === 'number' ? { user: String(ctx['lastReset']['user']), at: ctx['lastReset']['at'] } : null;
  return { state: typeof snap['value'] === 'string' ? snap['value'] : 'unknown', trip: tripOf(ctx['trip']), history, lastReset: reset };
}
