import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatSummary, readSummary, type Summary } from '../../actors/app/summary.ts';
import { exchangeZoneOf } from '../../actors/domain/exchange-zones.ts';
import type { Signal } from '../../actors/domain/messages.ts';
import { insertSignals } from '../../adapters/db/index.ts';
import { bar, signal } from '../db/fixtures.ts';
import { createTestDatabase } from '../helpers/database.ts';

const s = suite('summary');

const LONG = 'BINANCE:BTCUSDT.P-QUARTERLY-2024';
const sig = (symbol: string, iso: string, score: number, timeframe: Signal['timeframe'] = '1m'): Signal => {
  const b = bar(symbol, 0);
  const openTime = Date.parse(iso);
  return { ...signal({ ...b, openTime, id: `${symbol}:${timeframe}:${openTime}` }, score), timeframe, symbol };
};

// By hand:
// SPY 2013-10-07T13:45Z, a Monday: New York (EDT, -04:00) 09:45, London (BST) 14:45, Tokyo 22:45
//   → london and new_york open.
// EURUSD 2014-05-08T03:00Z, a Thursday: London (BST, +01:00) 04:00, Tokyo 12:00, New York 23:00
//   the day before → only asia.
// LONG 2022-01-01T01:13Z, a Saturday in UTC and Tokyo, Friday 19:13 in Chicago (CST, -06:00,
//   the fallback zone here), Friday 20:13 in New York → no session.
// BINANCE:BTCUSDT: the table's BTCUSDT after the prefix → UTC.
const TOP = [
  sig('SPY', '2013-10-07T13:45:00Z', 97.5),
  sig('EURUSD', '2014-05-08T03:00:00Z', 88.25, '5m'),
  sig(LONG, '2022-01-01T01:13:00Z', 80),
  sig('BINANCE:BTCUSDT', '2022-01-01T01:13:00Z', 71.5, '15m'),
];
const SUMMARY: Summary = {
  rawEvents: 12,
  bars: [
    { symbol: 'SPY', timeframe: '1m', count: 390 },
    { symbol: LONG, timeframe: '15m', count: 7 },
  ],
  scores: 40,
  signals: [
    { symbol: 'SPY', count: 1 },
    { symbol: LONG, count: 12345 },
  ],
  top: TOP,
};

s('the exchange zone comes from the table, without an exchange prefix, else the fallback', () => {
  assert.is(exchangeZoneOf('SPY', 'UTC'), 'America/New_York');
  assert.is(exchangeZoneOf('NASDAQ:QQQ', 'UTC'), 'America/New_York');
  assert.is(exchangeZoneOf('EURUSD', 'UTC'), 'Europe/London');
  assert.is(exchangeZoneOf('BINANCE:BTCUSDT', 'Asia/Tokyo'), 'UTC');
  assert.is(exchangeZoneOf('UNLISTED', 'Asia/Tokyo'), 'Asia/Tokyo');
});

s('top signals show UTC, exchange time with its offset, the zone and the session, in rank order', () => {
  const out = formatSummary(SUMMARY, { fallbackZone: 'America/Chicago' });
  const lines = out.split('\n');
  const head = lines.findIndex((l) => l.includes('bar open (UTC)'));
  assert.ok(head > 0);
  const rows = [1, 3, 5, 7].map((k) => lines[head + k]!);
  const expected = [
    ['1', '97.50', 'SPY', '1m', 'SHORT', '2013-10-07 13:45Z', '2013-10-07 09:45 -04:00', 'America/New_York', 'london+new_york'],
    ['2', '88.25', 'EURUSD', '5m', 'SHORT', '2014-05-08 03:00Z', '2014-05-08 04:00 +01:00', 'Europe/London', 'asia'],
    ['3', '80.00', LONG, '1m', 'SHORT', '2022-01-01 01:13Z', '2021-12-31 19:13 -06:00', 'America/Chicago', 'off-hours'],
    ['4', '71.50', 'BINANCE:BTCUSDT', '15m', 'SHORT', '2022-01-01 01:13Z', '2022-01-01 01:13 UTC', 'UTC', 'off-hours'],
  ];
  rows.forEach((row, i) => {
    const cells = row.trim().split(/\s{2,}/);
    assert.equal(cells.slice(0, 9), expected[i], `row ${i + 1}`);
  });
  // the feature line follows each signal
  assert.match(lines[head + 2]!, /^\s+range /);
});

s('columns stay aligned with long symbols', () => {
  const lines = formatSummary(SUMMARY, { fallbackZone: 'UTC' }).split('\n');
  const head = lines.findIndex((l) => l.includes('bar open (UTC)'));
  const table = [head, head + 1, head + 3, head + 5, head + 7].map((k) => lines[k]!);
  // left-aligned columns start at the header's position; right-aligned target ends with the line
  for (const column of ['symbol', 'bar open (UTC)', 'exchange time', 'session']) {
    const at = table[0]!.indexOf(column);
    for (const l of table.slice(1)) assert.ok(l[at - 1] === ' ' && l[at] !== ' ', `${column} starts at ${at} in: ${l}`);
  }
  for (const l of table.slice(1)) assert.is(l.length, table[0]!.length, `target ends where its header does: ${l}`);
  const barLines = lines.slice(lines.indexOf('bars (closed) per symbol and timeframe:') + 1, lines.indexOf('bars (closed) per symbol and timeframe:') + 3);
  assert.is(barLines[0]!.length, barLines[1]!.length, 'bar counts right-aligned past the long symbol');
  const sigStart = lines.indexOf('signals per symbol:') + 1;
  assert.is(lines[sigStart]!.length, lines[sigStart + 1]!.length, 'signal counts right-aligned');
  assert.ok(lines[sigStart]!.endsWith(' 1') && lines[sigStart + 1]!.endsWith('12345'));
});

s('the summary ends with the execution side: pending approvals, fills, positions, P&L, gate and breaker', () => {
  const out = formatSummary({
    ...SUMMARY,
    execution: { orders: { pending_approval: 2, closed: 1 }, fills: 2, openPositions: 0, closedTrades: 1, pnl: 945, r: 1.89, equity: 100945, gate: 'gated', breaker: 'open' },
  }).trimEnd().split('\n');
  assert.equal(out.slice(-5), [
    'execution (paper):',
    '  orders pending approval: 2   (all orders: pending_approval 2, closed 1)',
    '  fills: 2   open positions: 0   closed trades: 1',
    '  realised P&L: 945.00 (1.89 R)   equity: 100945.00',
    '  gate: gated   breaker: open',
  ]);
});

s('readSummary ranks the top signals by score, then the most recent first', async () => {
  const t = await createTestDatabase('postgres');
  try {
    const a = sig('SPY', '2024-01-02T15:00:00Z', 90);
    const b = sig('SPY', '2024-01-03T15:00:00Z', 90); // same score, one day later: ranks first
    const c = sig('EURUSD', '2024-01-01T10:00:00Z', 95);
    const d = sig('EURUSD', '2024-01-04T10:00:00Z', 60);
    await insertSignals(t.database.db, [a, b, c, d]);
    const summary = await readSummary(t.database.db, 3);
    assert.equal(summary.top.map((x) => x.id), [c.id, b.id, a.id]);
  } finally {
    await t.cleanup();
  }
});

s.run();
