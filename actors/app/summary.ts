/**
 * The end-of-replay summary: what the pipeline stored, read back from Postgres.
 */
import { countBarsByTimeframe, countRawEvents, countScores, countSignalsBySymbol, topSignals } from '../../adapters/db/index.ts';
import { formatUtc } from '../../adapters/time/index.ts';
import type { Signal } from '../domain/messages.ts';
import type { AnyDb } from '../stage/ports.ts';

export interface Summary {
  rawEvents: number;
  bars: { symbol: string; timeframe: string; count: number }[];
  scores: number;
  signals: { symbol: string; count: number }[];
  top: Signal[];
}

export async function readSummary(db: AnyDb, top = 5): Promise<Summary> {
  const [rawEvents, bars, scores, signals, best] = await Promise.all([
    countRawEvents(db),
    countBarsByTimeframe(db),
    countScores(db),
    countSignalsBySymbol(db),
    topSignals(db, top),
  ]);
  return { rawEvents, bars, scores, signals, top: best };
}

const n = (x: number, d = 2) => x.toFixed(d);

export function formatSummary(s: Summary): string {
  const lines: string[] = [];
  lines.push('', '=== fakeout summary ===', `raw events stored: ${s.rawEvents}`, '', 'bars (closed) per symbol and timeframe:');
  for (const b of s.bars) lines.push(`  ${b.symbol.padEnd(10)} ${b.timeframe.padEnd(4)} ${String(b.count).padStart(8)}`);
  lines.push('', `scores: ${s.scores}`, '', 'signals per symbol:');
  if (s.signals.length === 0) lines.push('  (none)');
  for (const x of s.signals) lines.push(`  ${x.symbol.padEnd(10)} ${String(x.count).padStart(6)}`);
  lines.push('', `top ${s.top.length} signals:`);
  for (const g of s.top) {
    const f = g.features;
    lines.push(
      `  ${g.symbol} ${g.timeframe} ${formatUtc(g.openTime)} ${g.direction.toUpperCase()} score ${n(g.score)}` +
        `  entry ${g.entry} stop ${n(g.stop, 5)} target ${n(g.target, 5)}`,
      `      range ${f.rangeLow}..${f.rangeHigh}  atr ${n(f.atr, 5)}  break↑ ${n(f.breakoutUpAtr)} break↓ ${n(f.breakoutDownAtr)} ATR` +
        `  back-inside ↑${n(f.closeBackInsideUpAtr)} ↓${n(f.closeBackInsideDownAtr)} ATR  wick ↑${n(f.upperWickRatio)} ↓${n(f.lowerWickRatio)}  vol×${n(f.volumeRatio)}`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
