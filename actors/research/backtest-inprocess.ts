/**
 * The in-process backtest engine: the live pipeline's stage definitions (bar builder, feature
 * engine, scoring engine, order intake, execution gateway with its gate and breaker machines,
 * paper broker with the mandatory cost model) run by the {@link LocalPipeline} on the data's own
 * clock, without the bus and without a database. Every raw envelope goes through every stage
 * before the next is read, so the order is the data's.
 */
import { PaperBroker } from '../../adapters/broker/paper-broker.ts';
import { MemoryPaperBrokerStore } from '../../adapters/broker/paper-store.ts';
import { systemClock, type Clock } from '../../adapters/time/clock.ts';
import { barBuilderStage } from '../bars/bar-builder.actor.ts';
import { seedVersion } from '../config/governed.ts';
import type { Config } from '../domain/config.ts';
import type { Bar, Signal, Timeframe } from '../domain/messages.ts';
import { costModelFromConfig } from '../execution/cost-model.ts';
import { DEFAULT_LIQUIDITY } from '../execution/liquidity.ts';
import type { ClosedTrade } from '../execution/position.ts';
import { featureEngineStage } from '../features/feature-engine.actor.ts';
import { gatewayParamsFromConfig } from '../gateway/execution-wiring.ts';
import { executionGatewayStage, orderIntakeStage } from '../gateway/gateway.actor.ts';
import type { GatewayOutput } from '../gateway/gateway-state.ts';
import { rawSubject } from '../ingest/envelope.ts';
import { readReplayFile } from '../ingest/formats/index.ts';
import { timeLimitsFromConfig } from '../ingest/plausibility.ts';
import type { ReplayRequest } from '../ingest/replay.actor.ts';
import { replayRows } from '../ingest/replay-rows.ts';
import type { Scored } from '../scoring/scoring-engine.actor.ts';
import { scoringEngineStage } from '../scoring/scoring-engine.actor.ts';
import { validateScoringParams } from '../scoring/score.ts';
import type { StageDefinition } from '../stage/stage.actor.ts';
import { decisionKey, type BacktestRecords, type FillRecordLite, type OrderRecordLite } from './backtest-records.ts';
import { LocalPipeline } from './local-pipeline.ts';

/** Who approves in a backtest (audited on every approval it makes). */
export const SIMULATED_APPROVER = 'backtest (simulated approve-all)';

export interface BacktestProgress {
  file: string;
  rows: number;
  badRows: number;
  bars: number;
  signals: number;
}

export interface InProcessOptions {
  files: readonly ReplayRequest[];
  config: Readonly<Config>;
  /** stamps envelopes and intents (default: the system clock); never decides anything */
  clock?: Clock;
  onProgress?: (p: BacktestProgress) => void;
  /** rows between progress reports (default 100,000) */
  progressEvery?: number;
}

export interface InProcessRun {
  records: BacktestRecords;
  rows: number;
  badRows: number;
}

const asStage = <I, O>(def: StageDefinition<I, O>) => def as unknown as StageDefinition<never, unknown>;

/** The stages a backtest runs, in the live system's data-time order (see LocalPipeline). */
export function backtestStages(config: Readonly<Config>, clock: Clock, bars: (symbol: string, tf: Timeframe, from: number, to: number) => Bar[]): StageDefinition<never, unknown>[] {
  const costModel = costModelFromConfig(config);
  const store = new MemoryPaperBrokerStore({ keepState: false });
  let broker: Promise<PaperBroker> | undefined;
  const paperBroker = () =>
    (broker ??= PaperBroker.open({
      store, costModel, clock, liquidity: { ...DEFAULT_LIQUIDITY, percentile: config.lowLiqPercentile },
      storedBars: async (symbol, tf, from, to) => bars(symbol, tf, from, to),
    }));
  const scoring = validateScoringParams({
    wickThreshold: config.wickThreshold, volumeThreshold: config.volumeThreshold, triggerScore: config.triggerScore, targetR: config.targetR, stopBufferAtr: config.stopBufferAtr,
  });
  return [
    asStage(barBuilderStage(config.timeframes, {}, config.barCloseGraceMs)),
    asStage(featureEngineStage({ lookback: config.lookback, atrPeriod: config.atrPeriod })),
    asStage(scoringEngineStage(scoring)),
    asStage(orderIntakeStage(clock)),
    asStage(executionGatewayStage({
      params: { ...gatewayParamsFromConfig(config), simulatedApprover: SIMULATED_APPROVER }, costModel, broker: paperBroker,
    })),
  ];
}

export async function runInProcess(opts: InProcessOptions): Promise<InProcessRun> {
  const clock = opts.clock ?? systemClock;
  const bars: Bar[] = [];
  const bySeries = new Map<string, Bar[]>();
  const signals: Signal[] = [];
  const orders = new Map<string, OrderRecordLite>();
  const fills: FillRecordLite[] = [];
  const trades: ClosedTrade[] = [];
  const decisions: Record<string, number> = {};
  // the bars of a series between two open times (the series is in time order: two binary searches)
  const storedBars = (symbol: string, tf: Timeframe, from: number, to: number) => {
    const s = bySeries.get(`${symbol}|${tf}`) ?? [];
    const first = (t: number) => {
      let lo = 0;
      let hi = s.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (s[mid]!.openTime < t) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    return s.slice(first(from), first(to + 1));
  };

  const tap = (stage: string, outputs: readonly unknown[]) => {
    if (stage === 'bar-builder') {
      for (const b of outputs as Bar[]) {
        bars.push(b);
        const key = `${b.symbol}|${b.timeframe}`;
        let s = bySeries.get(key);
        if (s === undefined) bySeries.set(key, (s = []));
        s.push(b);
      }
    } else if (stage === 'scoring-engine') {
      for (const o of outputs as Scored[]) if (o.signal) signals.push(o.signal);
    } else if (stage === 'execution-gateway') {
      for (const o of outputs as GatewayOutput[]) {
        if (o.kind === 'order') {
          const r = o.row;
          orders.set(r.clientOrderId, { clientOrderId: r.clientOrderId, signalId: r.signalId, leg: r.leg, symbol: r.symbol, side: r.side, qty: r.qty, status: r.status });
        } else if (o.kind === 'fill') {
          const f = o.fill;
          fills.push({
            fillId: f.fillId, clientOrderId: f.clientOrderId, signalId: o.order.signalId, leg: f.leg, side: f.side, qty: f.qty, price: f.price, fees: f.fees, time: f.time,
            modelledBps: f.modelledBps, realisedBps: f.realisedBps,
          });
        } else if (o.kind === 'audit') {
          const k = decisionKey(o.entry.action, o.entry.details);
          decisions[k] = (decisions[k] ?? 0) + 1;
        } else if (o.kind === 'position' && o.snapshot.closed !== null) {
          trades.push(o.snapshot.closed);
        }
      }
    }
  };
  const pipeline = new LocalPipeline(backtestStages(opts.config, clock, storedBars), { tap, governed: seedVersion(opts.config, 0) });
  const limits = timeLimitsFromConfig(opts.config);
  const every = opts.progressEvery ?? 100_000;
  let rows = 0;
  let badRows = 0;
  for (const req of opts.files) {
    const file = await readReplayFile(req.path, { format: req.format, symbol: req.symbol, zone: opts.config.exchangeZone });
    let n = 0;
    for (const row of replayRows(file, limits, clock, req)) {
      rows++;
      if ('error' in row) {
        badRows++;
        continue;
      }
      pipeline.publish({ subject: rawSubject(row.envelope), id: row.envelope.id, value: row.envelope });
      await pipeline.pump();
      if (++n % every === 0) opts.onProgress?.({ file: file.fileName, rows, badRows, bars: bars.length, signals: signals.length });
    }
    opts.onProgress?.({ file: file.fileName, rows, badRows, bars: bars.length, signals: signals.length });
  }
  return { records: { bars, signals, orders: [...orders.values()], fills, trades, decisions }, rows, badRows };
}
