import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join, resolve } from 'node:path';
import type { BarEvent, MarketEvent, TickEvent } from '../../actors/domain/messages.ts';
import { readReplayFile, type ReplayFile } from '../../actors/ingest/formats/index.ts';

// Every expected number below is from data/README.md (checked against the files when they were
// copied); counts, ranges and hashes are the vendor data's, not ours.
const s = suite('formats: the four bundled real samples');
const DATA = resolve(import.meta.dirname, '../../data');
const iso = (ms: number) => new Date(ms).toISOString();

interface Summary {
  file: ReplayFile;
  events: MarketEvent[];
  lines: number[];
  bad: number;
  ms: number;
}

async function readAll(name: string): Promise<Summary> {
  const t0 = performance.now();
  const file = await readReplayFile(join(DATA, name), { zone: 'UTC' });
  const events: MarketEvent[] = [];
  const lines: number[] = [];
  let bad = 0;
  for (const row of file.rows()) {
    if ('error' in row) bad++;
    else {
      events.push(row.event);
      lines.push(row.line);
    }
  }
  return { file, events, lines, bad, ms: performance.now() - t0 };
}

s('lean SPY trade ticks: 250,601 ticks from 08:00:00.464Z to 23:59:59.536Z, prices in deci-cents', async () => {
  const { file, events, lines, bad, ms } = await readAll('lean_spy_20131007_trade_tick.zip');
  assert.is(file.format, 'lean-trade-tick');
  assert.is(file.symbol, 'SPY');
  assert.is(file.fileName, 'lean_spy_20131007_trade_tick.zip');
  assert.is(file.fileKey, '1d966532ad3e9d4fcf835d4dec182f06cff970937ca97b4fcae8bac65e85688e');
  assert.is(bad, 0);
  assert.is(events.length, 250_601);
  const ticks = events as TickEvent[];
  // first row 14400464,1674100,100,... = 04:00:00.464 EDT, 1674100 / 10000 = 167.41 USD
  assert.equal(ticks[0], { kind: 'tick', symbol: 'SPY', ts: Date.parse('2013-10-07T08:00:00.464Z'), price: 167.41, size: 100 });
  assert.is(iso(ticks[ticks.length - 1]!.ts), '2013-10-07T23:59:59.536Z');
  assert.is(lines[0], 1, 'headerless: the first row is line 1');
  assert.is(lines[lines.length - 1], 250_601);
  let lo = Infinity;
  let hi = -Infinity;
  let volume = 0;
  for (const t of ticks) {
    lo = Math.min(lo, t.price);
    hi = Math.max(hi, t.price);
    volume += t.size;
  }
  assert.equal([lo, hi], [167.01, 168.9]);
  assert.is(Math.round(volume / 10_000) / 100, 97.06, 'total volume 97.06M shares');
  assert.ok(ms < 2000, `read + parse took ${ms.toFixed(0)} ms`);
});

s('lean FXCM EURUSD quotes: 167,466 mid-price ticks from 05:00:17.007Z to next day 04:59:59.235Z', async () => {
  const { file, events, bad } = await readAll('lean_fxcm_eurusd_20140508_quote_tick.zip');
  assert.is(file.format, 'lean-quote-tick');
  assert.is(file.symbol, 'EURUSD');
  assert.is(file.fileKey, '389b8d4212b059a861439e0d684e94a2e591a0af7a8882c2a6d81bc46879c5af');
  assert.is(bad, 0, 'crossed quotes (bid > ask) are kept');
  assert.is(events.length, 167_466);
  const ticks = events as TickEvent[];
  // first row 17007,1.39147,1.39148 at UTC-5 -> 05:00:17.007Z, mid = (1.39147 + 1.39148) / 2
  assert.equal(ticks[0], { kind: 'tick', symbol: 'EURUSD', ts: Date.parse('2014-05-08T05:00:17.007Z'), price: (1.39147 + 1.39148) / 2, size: 1 });
  assert.is(iso(ticks[ticks.length - 1]!.ts), '2014-05-09T04:59:59.235Z');
  assert.ok(ticks.every((t) => t.size === 1), 'quotes have no volume: size is the tick count 1');
});

s('nautilus FTX BTC-PERP: 45,031 one-minute bars from 2021-12-31 23:01Z to 2022-02-01 05:31Z', async () => {
  const { file, events, lines, bad } = await readAll('nautilus_ftx_btc-perp-20211231-20220201_1m.csv');
  assert.is(file.format, 'ohlcv-csv');
  assert.is(file.symbol, 'BTC-PERP');
  assert.is(file.fileKey, '65ab55cd5f3531aa64f429772a38331fe82a92973cbb32a79b243073236c8da3');
  assert.is(bad, 0);
  assert.is(events.length, 45_031);
  const bars = events as BarEvent[];
  // first row: 2021-12-31 23:01:00.000000,46319.0,46385.0,46319.0,46377.0,2300413.7295
  assert.equal(bars[0], { kind: 'bar', symbol: 'BTC-PERP', ts: Date.parse('2021-12-31T23:01:00Z'), timeframe: '1m', open: 46319, high: 46385, low: 46319, close: 46377, volume: 2300413.7295 });
  assert.is(iso(bars[bars.length - 1]!.ts), '2022-02-01T05:31:00.000Z');
  assert.is(lines[0], 2, 'the header is line 1');
  assert.ok(bars.every((b) => b.timeframe === '1m'), 'timeframe inferred from the 60 s spacing');
  assert.equal([Math.min(...bars.map((b) => b.low)), Math.max(...bars.map((b) => b.high))], [32_837, 48_080]);
});

s('freqtrade Binance BTC/USDT: 65,741 five-minute bars, 28 of them with zero volume', async () => {
  const { file, events, lines, bad } = await readAll('nfi_binance_BTC_USDT-5m.json');
  assert.is(file.format, 'freqtrade-json');
  assert.is(file.symbol, 'BTC/USDT');
  assert.is(file.fileKey, '97a9dc616e2726b294d438337d4505bcab6e3e75e6ac25ce837e1523edaf358c');
  assert.is(bad, 0);
  assert.is(events.length, 65_741);
  const bars = events as BarEvent[];
  // first element: [1606780800000,19695.87,19720.0,19578.96,19607.03,794.500517]
  assert.equal(bars[0], { kind: 'bar', symbol: 'BTC/USDT', ts: Date.parse('2020-12-01T00:00:00Z'), timeframe: '5m', open: 19695.87, high: 19720, low: 19578.96, close: 19607.03, volume: 794.500517 });
  assert.is(iso(bars[bars.length - 1]!.ts), '2021-07-17T21:05:00.000Z');
  assert.equal([lines[0], lines[lines.length - 1]], [1, 65_741], 'line = 1-based index in the array');
  assert.is(bars.filter((b) => b.volume === 0 && b.open === b.high && b.high === b.low && b.low === b.close).length, 28);
});

s('rows() can be iterated again and gives the same rows', async () => {
  const file = await readReplayFile(join(DATA, 'nfi_binance_BTC_USDT-5m.json'));
  let a = 0;
  for (const _ of file.rows()) a++;
  let b = 0;
  for (const _ of file.rows()) b++;
  assert.equal([a, b], [65_741, 65_741]);
});

s.run();
