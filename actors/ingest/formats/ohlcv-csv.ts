/**
 * OHLCV bars in a CSV with a header, columns found by name (case-insensitive):
 * time = timestamp | datetime | open_time | time | date; open; high; low; close; volume (optional, 0 when absent).
 * Timestamps go through normalizeTimestamp (epoch s/ms/µs/ns or ISO; zone-less strings in
 * `opts.zone`, default UTC) and mark the bar OPEN. The timeframe is `opts.timeframe`, else the
 * smallest spacing of the first rows. The symbol is `opts.symbol`, else from the file name
 * (`btc-perp-20211231-20220201_1m.csv` -> 'BTC-PERP').
 */
import { normalizeTimestamp } from '../../../adapters/time/index.ts';
import type { BarEvent, Timeframe } from '../../domain/messages.ts';
import { TIME_COLUMNS, findColumn, readHeader, splitRow } from './csv-header.ts';
import { symbolFromFileName } from './file-names.ts';
import { formatMismatch } from './format-errors.ts';
import { inferTimeframe, smallestStep } from './infer-timeframe.ts';
import type { FormatParser } from './replay-file.ts';
import { badRow, barProblem, textLines, toNumber } from './row-checks.ts';
import { namedCsvRows } from './named-csv.ts';
import { chooseSymbol } from './symbol.ts';

/** How many leading rows the timeframe inference looks at. */
const INFER_ROWS = 200;

export const parseOhlcvCsv: FormatParser = ({ name, text, opts }) => {
  const header = readHeader(text);
  if (!header) throw formatMismatch('ohlcv-csv', name, 'the file is empty');
  const { columns, delimiter, line: headerLine } = header;
  const col = {
    time: findColumn(columns, TIME_COLUMNS),
    open: columns.indexOf('open'),
    high: columns.indexOf('high'),
    low: columns.indexOf('low'),
    close: columns.indexOf('close'),
    volume: columns.indexOf('volume'),
  };
  for (const k of ['time', 'open', 'high', 'low', 'close'] as const) {
    if (col[k] === -1) {
      const wanted = k === 'time' ? TIME_COLUMNS.join(' | ') : k;
      throw formatMismatch('ohlcv-csv', name, `no ${k} column (${wanted}) in header ${JSON.stringify(columns.join(','))}`, { field: k });
    }
  }
  const timeName = columns[col.time] ?? 'time';
  const width = Math.max(...Object.values(col)) + 1;
  const zone = opts.zone ?? 'UTC';

  const symbol = chooseSymbol('ohlcv-csv', name, opts.symbol, symbolFromFileName(name));

  const timeframe: Timeframe = opts.timeframe ?? inferFromHead();

  function inferFromHead(): Timeframe {
    const ts: number[] = [];
    for (const { line, text: row } of textLines(text)) {
      if (line === headerLine) continue;
      try {
        ts.push(normalizeTimestamp(splitRow(row, delimiter)[col.time] ?? '', { zone }));
      } catch {
        continue; // a bad row is reported by rows(); it just does not vote here
      }
      if (ts.length >= INFER_ROWS) break;
    }
    const tf = inferTimeframe(ts);
    if (tf === undefined) {
      const step = smallestStep(ts);
      const why = step === undefined ? 'fewer than two readable rows' : `the smallest spacing is ${step} ms`;
      throw formatMismatch('ohlcv-csv', name, `cannot infer the timeframe (${why}); pass the timeframe option (1m 5m 15m 1h 4h 1d)`);
    }
    return tf;
  }

  const rows = () =>
    namedCsvRows(text, header, width, col.time, timeName, zone, (f, line, ts) => {
      const raw = { open: f[col.open], high: f[col.high], low: f[col.low], close: f[col.close], volume: col.volume === -1 ? '0' : f[col.volume] };
      const o = toNumber(raw.open);
      const h = toNumber(raw.high);
      const l = toNumber(raw.low);
      const c = toNumber(raw.close);
      const v = toNumber(raw.volume);
      const p = barProblem(o, h, l, c, v, raw);
      if (p) return badRow(line, p.reason, p.field);
      const event: BarEvent = { kind: 'bar', symbol, ts, timeframe, open: o, high: h, low: l, close: c, volume: v };
      return { line, event };
    });
  return { symbol, rows };
};
