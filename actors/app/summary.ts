/**
 * The end-of-replay summary: what the pipeline stored, read back from Postgres. The top signals
 * are ranked by score, then the most recent first (the query in adapters/db/signals.repo.ts),
 * and shown in UTC, in their exchange's time (actors/domain/exchange-zones.ts) and with the
 * trading sessions open at the bar's open (adapters/time/sessions.ts).
 */
import { countBarsByTimeframe, countRawEvents, countScores, countSignalsBySymbol, topSignals } from '../../adapters/db/index.ts';
import { formatInZone, tradingSessions } from '../../adapters/time/index.ts';
import { exchangeZoneOf } from '../domain/exchange-zones.ts';
import type { Signal } from '../domain/messages.ts';
import { formatPrice, formatUtcMinute } from './format-signals.ts';
import { formatExecutionSummary, readExecutionSummary, type ExecutionSummary } from './execution-summary.ts';
import type { AnyDb } from '../stage/ports.ts';

export interface Summary {
  rawEvents: number;
  bars: { symbol: string; timeframe: string; count: number }[];
  scores: number;
  signals: { symbol: string; count: number }[];
  top: Signal[];
  /** the execution side, printed last (absent: not read) */
  execution?: ExecutionSummary;
}

export async function readSummary(db: AnyDb, top = 5): Promise<Summary> {
  const [rawEvents, bars, scores, signals, best] = await Promise.all([
    countRawEvents(db),
    countBarsByTimeframe(db),
    countScores(db),
    countSignalsBySymbol(db),
    topSignals(db, top),
  ]);
  return { rawEvents, bars, scores, signals, top: best, execution: await readExecutionSummary(db) };
}

const n = (x: number, d = 2) => x.toFixed(d);

/** Sessions open at `ms`, joined by `+` ('london+new_york'), or 'off-hours'. */
export function sessionLabel(ms: number): string {
  const { sessions } = tradingSessions(ms);
  return sessions.length === 0 ? 'off-hours' : sessions.join('+');
}

/** Left-aligned (or right-aligned, `right`) columns as wide as their widest cell, two spaces apart. */
function table(rows: string[][], right: ReadonlySet<number> = new Set()): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]!.length))) ?? [];
  return rows.map((r) => r.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

export interface SummaryFormat {
  /** zone for symbols the exchange-zone table does not know: FAKEOUT_EXCHANGE_TZ */
  fallbackZone: string;
}

export function formatSummary(s: Summary, opts: SummaryFormat = { fallbackZone: 'UTC' }): string {
  const lines: string[] = [];
  const indent = (rows: string[]) => rows.map((r) => `  ${r}`);
  lines.push('', '=== fakeout summary ===', `raw events stored: ${s.rawEvents}`, '', 'bars (closed) per symbol and timeframe:');
  lines.push(...indent(table(s.bars.map((b) => [b.symbol, b.timeframe, String(b.count)]), new Set([2]))));
  lines.push('', `scores: ${s.scores}`, '', 'signals per symbol:');
  if (s.signals.length === 0) lines.push('  (none)');
  lines.push(...indent(table(s.signals.map((x) => [x.symbol, String(x.count)]), new Set([1]))));
  lines.push('', `top ${s.top.length} signals (by score, then the most recent):`);
  const tail = () => (s.execution === undefined ? [] : formatExecutionSummary(s.execution));
  if (s.top.length === 0) {
    lines.push('', ...tail());
    return lines.join('\n');
  }
  const header = ['#', 'score', 'symbol', 'tf', 'dir', 'bar open (UTC)', 'exchange time', 'zone', 'session', 'entry', 'stop', 'target'];
  const rows = s.top.map((g, i) => {
    const zone = exchangeZoneOf(g.symbol, opts.fallbackZone);
    return [String(i + 1), n(g.score), g.symbol, g.timeframe, g.direction.toUpperCase(), formatUtcMinute(g.openTime), formatInZone(g.openTime, zone), zone, sessionLabel(g.openTime), formatPrice(g.entry), formatPrice(g.stop), formatPrice(g.target)];
  });
  const [head, ...body] = table([header, ...rows], new Set([0, 1, 9, 10, 11]));
  lines.push(`  ${head}`);
  s.top.forEach((g, i) => {
    const f = g.features;
    lines.push(
      `  ${body[i]}`,
      `      range ${f.rangeLow}..${f.rangeHigh}  atr ${n(f.atr, 5)}  break↑ ${n(f.breakoutUpAtr)} break↓ ${n(f.breakoutDownAtr)} ATR` +
        `  back-inside ↑${n(f.closeBackInsideUpAtr)} ↓${n(f.closeBackInsideDownAtr)} ATR  wick ↑${n(f.upperWickRatio)} ↓${n(f.lowerWickRatio)}  vol×${n(f.volumeRatio)}`,
    );
  });
  lines.push('', ...tail());
  return lines.join('\n');
}
