/**
 * `fakeout backtest` as a trader runs it: the bin on a slice of the bundled FTX sample, the
 * summary on stdout, report.json and report.html written, the page opened in Chromium (the
 * charts drawn, one row per trade; a screenshot kept in .fakeout/screenshots/), and the refusals
 * (zero costs, an unknown parameter, walk-forward without a grid). The summary's figures are
 * re-derived here from report.json's trade list with naive formulas.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withPage } from '../helpers/browser.ts';
import { REPO, writeFtxSlice } from '../helpers/app.ts';
import { runFakeout, type Finished, showRun } from '../helpers/process.ts';

const s = suite('fakeout backtest');
const show = (r: Finished) => showRun(r);

let dir = '';
let file = '';
s.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fakeout-backtest-'));
  file = writeFtxSlice(dir, 3000).path;
});
s.after(() => rmSync(dir, { recursive: true, force: true }));

interface ReportJson {
  meta: { gate: string; warmupBars: number; bars: number; engine: string };
  summary: { trades: number; wins: number; winRate: number | null; expectancyR: number | null; netPnl: number; maxDrawdown: number };
  trades: { pnl: number; r: number; signalTime: number }[];
  equity: { equity: number }[];
}

s('backtest prints the summary, writes both reports, and the page draws its charts in Chromium', async () => {
  const out = join(dir, 'report');
  const r = await runFakeout(['backtest', file, '--symbol', 'BTC-PERP', '--out', out], {}, 120_000);
  assert.is(r.code, 0, show(r));
  assert.match(r.stdout, /^backtest \(inprocess\): .*btc-perp-slice\.csv, 2021-12-31T23:0\d:00\.000Z → .*, \d+ bars$/m);
  assert.match(r.stdout, /human gate: simulated approve-all; fees and the slippage model always apply/);
  const line = /trades (\d+), win rate ([\d.]+) %, expectancy (-?[\d.]+) R, net P&L (-?[\d.]+)/.exec(r.stdout);
  assert.ok(line, show(r));
  assert.match(r.stdout, /max drawdown [\d.]+ % \(/);
  assert.ok(r.stderr.includes('backtest btc-perp-slice.csv: 3000 rows'), 'progress on stderr');

  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ReportJson;
  assert.is(report.meta.gate, 'simulated approve-all');
  const n = report.trades.length;
  assert.ok(n >= 5, `a 3000-minute slice trades (${n})`);
  assert.is(Number(line[1]), n);
  // naive re-derivations from the trade list
  const wins = report.trades.filter((t) => t.pnl > 0).length;
  assert.is(report.summary.wins, wins);
  assert.is(Number(line[2]), Number(((wins / n) * 100).toFixed(1)));
  assert.is(Number(line[3]), Number((report.trades.reduce((a, t) => a + t.r, 0) / n).toFixed(2)));
  assert.is(Number(line[4]), Number(report.trades.reduce((a, t) => a + t.pnl, 0).toFixed(2)));
  let peak = -Infinity;
  let dd = 0;
  for (const p of report.equity) {
    peak = Math.max(peak, p.equity);
    dd = Math.max(dd, (peak - p.equity) / peak);
  }
  assert.ok(Math.abs(report.summary.maxDrawdown - dd) < 1e-12, `drawdown ${report.summary.maxDrawdown} vs ${dd}`);

  const shots = join(REPO, '.fakeout', 'screenshots');
  mkdirSync(shots, { recursive: true });
  await withPage(async (page) => {
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
    page.on('request', (q) => void (!/^(file|data):/.test(q.url()) && problems.push(`request ${q.url()}`)));
    await page.goto(`file://${join(out, 'report.html')}`);
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 20_000 });
    assert.equal(problems, []);
    assert.is(await page.locator('#trades tbody tr').count(), n);
    assert.ok(Number(await page.locator('#price-chart').getAttribute('data-markers')) > 0, 'markers on the price chart');
    // every chart painted something other than its background
    for (const id of ['#price-chart', '#equity-chart', '#drawdown-chart']) {
      const colours = await page.locator(id).evaluate((el) => {
        const seen = new Set<string>();
        for (const c of Array.from(el.querySelectorAll('canvas'))) {
          const ctx = (c as HTMLCanvasElement).getContext('2d');
          if (!ctx || c.width === 0 || c.height === 0) continue;
          const d = ctx.getImageData(0, 0, c.width, c.height).data;
          for (let i = 0; i < d.length; i += 4 * 97) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]},${d[i + 3]}`);
        }
        return seen.size;
      });
      assert.ok(colours > 3, `${id} drew (${colours} colours)`);
    }
    await page.screenshot({ path: join(shots, 'backtest-ftx.png'), fullPage: true });
  }, { width: 1400, height: 1000 });
  assert.ok(existsSync(join(shots, 'backtest-ftx.png')));
});

s('a parameter file that switches costs off is refused naming the field, and nothing is written', async () => {
  const params = join(dir, 'zero.json');
  writeFileSync(params, JSON.stringify({ FAKEOUT_SPREAD_BPS_CRYPTO: 0, FAKEOUT_FEE_BPS_CRYPTO: 0 }));
  const out = join(dir, 'zero-report');
  const r = await runFakeout(['backtest', file, '--symbol', 'BTC-PERP', '--params', params, '--out', out], {}, 60_000);
  assert.is(r.code, 1, show(r));
  assert.is(r.stderr, 'fakeout: FAKEOUT_ERR_BACKTEST_PARAMS: FAKEOUT_SPREAD_BPS_CRYPTO: crypto orders would cost nothing (spread and every fee are 0); costs cannot be switched off\n', show(r));
  assert.not.ok(existsSync(out));
});

s('an unknown parameter, and walk-forward without a grid, are refused before anything runs', async () => {
  const params = join(dir, 'typo.json');
  writeFileSync(params, JSON.stringify({ triggerScor: 75 }));
  const typo = await runFakeout(['backtest', file, '--symbol', 'BTC-PERP', '--params', params], {}, 60_000);
  assert.is(typo.code, 1, show(typo));
  assert.match(typo.stderr, /^fakeout: FAKEOUT_ERR_BACKTEST_PARAMS: triggerScor: not a backtest parameter/);
  const wf = await runFakeout(['backtest', file, '--walk-forward', '1d:1d'], {}, 60_000);
  assert.is(wf.code, 2, show(wf));
  assert.match(wf.stderr, /^fakeout backtest: --walk-forward needs --sweep/);
});

s('a sweep runs every point of the grid on worker processes and reports the best with its parameters', async () => {
  const out = join(dir, 'sweep');
  const r = await runFakeout(['backtest', file, '--symbol', 'BTC-PERP', '--sweep', 'triggerScore=70|85', '--workers', '2', '--out', out], {}, 120_000);
  assert.is(r.code, 0, show(r));
  const sweep = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as { points: { params: Record<string, number>; summary: { trades: number; netPnl: number } }[] };
  assert.equal(sweep.points.map((p) => p.params['triggerScore']).sort(), [70, 85]);
  // best first: by net P&L among points with at least 5 trades (--min-trades' default), the thin ones after
  const [best, other] = sweep.points as [typeof sweep.points[number], typeof sweep.points[number]];
  const ranked = (p: typeof best) => (p.summary.trades >= 5 ? 1 : 0);
  assert.ok(ranked(best) > ranked(other) || (ranked(best) === ranked(other) && best.summary.netPnl >= other.summary.netPnl), JSON.stringify(sweep.points.map((p) => p.summary)));
  assert.ok(r.stdout.includes(`best point (triggerScore=${best.params['triggerScore']}):`), show(r));
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ReportJson;
  assert.is(report.summary.trades, best.summary.trades, 'the report is the best point');
});

s.run();
