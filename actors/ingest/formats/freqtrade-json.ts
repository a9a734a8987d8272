/**
 * freqtrade OHLCV JSON: one array of `[timestamp_ms, open, high, low, close, volume]` rows,
 * timestamps UTC epoch ms marking the bar OPEN. Symbol and timeframe come from freqtrade's file
 * name (`BTC_USDT-5m.json` -> 'BTC/USDT', '5m'; any prefix before the upper-case pair is ignored),
 * or from `opts.symbol` / `opts.timeframe`, which win.
 *
 * The whole array sits on one physical line, so `line` is the 1-based INDEX of the row in the
 * array: that keeps it unique per row, which the replay dedupe id needs.
 */
import { normalizeTimestamp } from '../../../adapters/time/index.ts';
import { FakeoutError } from '../../domain/errors.ts';
import { isTimeframe, type BarEvent } from '../../domain/messages.ts';
import { freqtradeFileInfo } from './file-names.ts';
import { formatMismatch } from './format-errors.ts';
import type { FormatParser, ParsedRow } from './replay-file.ts';
import { badRow, barProblem } from './row-checks.ts';
import { chooseSymbol } from './symbol.ts';

function num(x: unknown): number {
  if (typeof x === 'number') return x;
  if (typeof x === 'string' && x.trim() !== '') return Number(x);
  return Number.NaN;
}

export const parseFreqtradeJson: FormatParser = ({ name, text, opts }) => {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new FakeoutError('FAKEOUT_ERR_INGEST_FILE', `${name} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      details: { file: name },
    });
  }
  if (!Array.isArray(data)) throw formatMismatch('freqtrade-json', name, 'expected a JSON array of [ts, o, h, l, c, v] rows');
  const rowsData: unknown[] = data;

  const info = freqtradeFileInfo(name);
  const symbol = chooseSymbol('freqtrade-json', name, opts.symbol, info?.symbol);
  const timeframe = opts.timeframe ?? info?.timeframe;
  if (!isTimeframe(timeframe)) {
    const why = timeframe === undefined ? 'the file name has no <PAIR>-<timeframe> suffix' : `timeframe ${JSON.stringify(timeframe)} is not supported`;
    throw formatMismatch('freqtrade-json', name, `${why}; pass the timeframe option (1m 5m 15m 1h 4h 1d)`);
  }

  function* rows(): Generator<ParsedRow> {
    for (let i = 0; i < rowsData.length; i++) {
      const line = i + 1;
      const r = rowsData[i];
      if (!Array.isArray(r) || r.length < 6) {
        yield badRow(line, 'expected an array [timestamp_ms, open, high, low, close, volume]');
        continue;
      }
      let ts: number;
      try {
        ts = normalizeTimestamp(typeof r[0] === 'number' || typeof r[0] === 'string' ? r[0] : Number.NaN);
      } catch (err) {
        yield badRow(line, `timestamp: ${err instanceof Error ? err.message : String(err)}`, 'timestamp');
        continue;
      }
      const [o, h, l, c, v] = [num(r[1]), num(r[2]), num(r[3]), num(r[4]), num(r[5])];
      const p = barProblem(o, h, l, c, v, { open: r[1], high: r[2], low: r[3], close: r[4], volume: r[5] });
      if (p) {
        yield badRow(line, p.reason, p.field);
        continue;
      }
      const event: BarEvent = { kind: 'bar', symbol, ts, timeframe: timeframe as BarEvent['timeframe'], open: o, high: h, low: l, close: c, volume: v };
      yield { line, event };
    }
  }
  return { symbol, rows };
};
