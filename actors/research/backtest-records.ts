/**
 * What a backtest run recorded, in one shape for both engines (the in-process one collects it
 * from the stages' outputs, the NATS one reads it back from Postgres), and the pure step from
 * those records to the {@link BacktestResult} the report shows. The parity test compares records.
 */
import type { Bar, Signal, Timeframe } from '../domain/messages.ts';
import type { ClosedTrade } from '../execution/position.ts';
import type { BacktestMeta, BacktestResult, BacktestTrade, RegimeTags, SignalMark } from './backtest-result.ts';

export interface OrderRecordLite {
  clientOrderId: string;
  signalId: string;
  leg: string;
  symbol: string;
  side: string;
  qty: number;
  /** the final status */
  status: string;
}

export interface FillRecordLite {
  fillId: string;
  clientOrderId: string;
  signalId: string;
  leg: string;
  side: string;
  qty: number;
  price: number;
  fees: number;
  time: number;
  modelledBps: number;
  realisedBps: number | null;
}

export interface BacktestRecords {
  /** every closed bar, per series in time order */
  bars: Bar[];
  signals: Signal[];
  /** by client order id */
  orders: OrderRecordLite[];
  /** by fill id */
  fills: FillRecordLite[];
  /** closed trades, by signal id */
  trades: ClosedTrade[];
  /** the gateway's audited decisions, counted by action (`intent.skipped:<reason>` by reason) */
  decisions: Record<string, number>;
}

/** The key a gateway audit entry is counted under in {@link BacktestRecords.decisions}. */
export function decisionKey(action: string, details: Record<string, unknown>): string {
  return action === 'intent.skipped' && typeof details['reason'] === 'string' ? `${action}:${details['reason']}` : action;
}

const byKey = <T>(key: (x: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/** The records in a canonical order, so two runs compare with a deep equality. */
export function canonical(r: BacktestRecords): BacktestRecords {
  return {
    bars: [...r.bars].sort(byKey((b) => `${b.symbol}|${b.timeframe}|${String(b.openTime).padStart(16, '0')}`)),
    // the governed version is not a column of the signals table's reading: compared on orders instead
    signals: [...r.signals].map(({ configVersion: _v, ...s }) => s).sort(byKey((s) => s.id)),
    orders: [...r.orders].sort(byKey((o) => o.clientOrderId)),
    fills: [...r.fills].sort(byKey((f) => f.fillId)),
    trades: [...r.trades].sort(byKey((t) => t.id)),
    decisions: Object.fromEntries(Object.entries(r.decisions).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}

const NO_REGIME: RegimeTags = Object.freeze({ session: 'unknown', volatility: null, trend: null });

/**
 * The regime tags a signal's features carry (docs/scoring.md, "Regimes"); `unknown` for no signal
 * or one decoded from before regime tagging (its features have no `regime`, whatever the type says).
 */
export function regimeOf(s: Signal | undefined): RegimeTags {
  const r = s?.features.regime as RegimeTags | undefined;
  return r === undefined ? NO_REGIME : { session: r.session, volatility: r.volatility, trend: r.trend };
}

export interface ResultOptions {
  meta: Omit<BacktestMeta, 'from' | 'to' | 'bars'>;
  /** the timeframes drawn on the price chart (default: every series) */
  chartTimeframes?: readonly Timeframe[];
  /**
   * Trades and signals whose signal bar opened before this are not reported, and the window
   * starts here (walk-forward: the in-sample bars before it only warm the indicators up).
   */
  reportFrom?: number;
}

/**
 * The report's view of a run. POLICY: trades whose signal bar lies inside the first
 * `meta.warmupBars` bars of its series are not reported (their indicators had not converged,
 * `fakeout check warmup`); they still happened in the simulation, and the equity curve is the
 * starting equity plus the reported trades only, in exit order.
 */
export function toResult(records: BacktestRecords, opts: ResultOptions): BacktestResult {
  const r = canonical(records);
  const signals = new Map(r.signals.map((s) => [s.id, s]));
  const fills = new Map(r.fills.map((f) => [f.fillId, f]));
  const orders = new Map(r.orders.map((o) => [o.clientOrderId, o]));
  // bar index of each bar within its series: the warm-up is counted in bars, not time
  const index = new Map<string, number>();
  const seen = new Map<string, number>();
  for (const b of r.bars) {
    const key = `${b.symbol}|${b.timeframe}`;
    const i = seen.get(key) ?? 0;
    index.set(b.id, i);
    seen.set(key, i + 1);
  }
  const reportFrom = opts.reportFrom ?? -Infinity;
  const openTimes = new Map(r.bars.map((b) => [b.id, b.openTime]));
  const warm = (id: string) => (index.get(id) ?? Infinity) >= opts.meta.warmupBars && (openTimes.get(id) ?? -Infinity) >= reportFrom;

  const trades: BacktestTrade[] = [];
  for (const t of r.trades) {
    const s = signals.get(t.id);
    if (s === undefined || !warm(s.id)) continue;
    const entry = fills.get(`${t.id}:entry:fill`) ?? [...fills.values()].find((f) => f.signalId === t.id && f.leg === 'entry');
    const exit = fills.get(`${t.id}:exit:fill`) ?? [...fills.values()].find((f) => f.signalId === t.id && f.leg === 'exit');
    const legs = [entry, exit].filter((f): f is FillRecordLite => f !== undefined);
    const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
    trades.push({
      signalId: t.id, symbol: t.symbol, timeframe: s.timeframe, direction: t.direction, score: s.score, regime: regimeOf(s), signalTime: s.openTime,
      entryTime: t.entryTime, entryPrice: t.entryPrice, exitTime: t.exitTime, exitPrice: t.exitPrice, exitReason: t.reason, qty: t.qty,
      pnl: t.pnl, r: t.r, fees: t.entryFees + t.exitFees,
      modelledSlippageBps: mean(legs.map((f) => f.modelledBps)),
      realisedSlippageBps: mean(legs.map((f) => f.realisedBps ?? f.modelledBps)),
    });
  }
  trades.sort((a, b) => a.exitTime - b.exitTime || (a.signalId < b.signalId ? -1 : 1));

  const marks: SignalMark[] = r.signals.filter((s) => warm(s.id)).map((s) => {
    const o = orders.get(`${s.id}:entry`);
    const closed = trades.some((t) => t.signalId === s.id);
    return { signalId: s.id, symbol: s.symbol, timeframe: s.timeframe, time: s.openTime, direction: s.direction, score: s.score, regime: regimeOf(s), outcome: closed ? 'traded' : (o?.status ?? 'skipped') };
  });

  const from = Math.max(reportFrom, r.bars.reduce((m, b) => Math.min(m, b.openTime), Infinity));
  const to = r.bars.reduce((m, b) => Math.max(m, b.openTime), -Infinity);
  const equity = [{ time: Number.isFinite(from) ? from : 0, equity: opts.meta.startingEquity }];
  let e = opts.meta.startingEquity;
  for (const t of trades) equity.push({ time: t.exitTime, equity: (e += t.pnl) });

  const chart = opts.chartTimeframes;
  const series = new Map<string, BacktestResult['series'][number]>();
  for (const b of r.bars) {
    if (chart !== undefined && !chart.includes(b.timeframe)) continue;
    const key = `${b.symbol}|${b.timeframe}`;
    let s = series.get(key);
    if (s === undefined) series.set(key, (s = { symbol: b.symbol, timeframe: b.timeframe, bars: [] }));
    s.bars.push({ time: b.openTime, open: b.open, high: b.high, low: b.low, close: b.close });
  }
  return {
    meta: { ...opts.meta, from: Number.isFinite(from) ? from : 0, to: Number.isFinite(to) ? to : 0, bars: r.bars.length },
    series: [...series.values()],
    signals: marks,
    trades,
    equity,
  };
}
