/**
 * `report.html`: one self-contained page that works offline (docs/research.md). The chart
 * libraries are inlined (report-assets.ts), the data is embedded as JSON, the page's own script
 * (report-page-script.ts) draws the charts, and the tables are rendered here as HTML, every text
 * escaped. POLICY: the page names no external URL; the lightweight-charts attribution is given as
 * text in the footer instead of its logo link.
 */
import { formatUtc } from '../../adapters/time/index.ts';
import type { BacktestResult, BacktestTrade } from './backtest-result.ts';
import { drawdownSeries, type BacktestSummary, type BreakdownRow } from './metrics.ts';
import { inlineScript, inlineStyle, reportAssets } from './report-assets.ts';
import { REPORT_PAGE_SCRIPT } from './report-page-script.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe in HTML content and in quoted attributes. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** JSON safe inside a `<script type="application/json">`: every `<` written `\u003c`. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const utc = (ms: number) => `${formatUtc(ms).slice(0, 16).replace('T', ' ')} UTC`;
const num = (x: number | null, d = 2) => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);
const price = (x: number) => String(Number(x.toPrecision(10)));
const signed = (x: number) => (x > 0 ? 'pos' : x < 0 ? 'neg' : '');

function table(id: string, caption: string, head: string[], rows: string[][], classes: string[][] = []): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.length === 0
    ? `<tr><td colspan="${head.length}" class="empty">none</td></tr>`
    : rows.map((r, i) => `<tr>${r.map((c, j) => `<td${classes[i]?.[j] ? ` class="${classes[i]![j]}"` : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table id="${id}"><caption>${escapeHtml(caption)}</caption><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function summaryTable(s: BacktestSummary): string {
  const rows: [string, string][] = [
    ['Trades', String(s.trades)], ['Wins / losses', `${s.wins} / ${s.losses}`], ['Win rate', pct(s.winRate)],
    ['Expectancy (R)', num(s.expectancyR)], ['Net P&L', num(s.netPnl)], ['Gross profit', num(s.grossProfit)],
    ['Gross loss', num(s.grossLoss)], ['Profit factor', num(s.profitFactor)], ['Max drawdown', `${pct(s.maxDrawdown)} (${num(s.maxDrawdownAbs)})`],
    ['Exposure', pct(s.exposure)], ['Sharpe (daily, √365)', num(s.sharpe)], ['Sortino (daily, √365)', num(s.sortino)],
    ['Daily returns', String(s.dailyReturns)], ['Avg modelled slippage (bps)', num(s.avgModelledSlippageBps)],
    ['Avg realised slippage (bps)', num(s.avgRealisedSlippageBps)],
  ];
  return table('summary', 'Summary', ['metric', 'value'], rows);
}

const BREAKDOWN_TITLES: Record<keyof BacktestSummary['breakdowns'], string> = {
  session: 'By session', volatility: 'By volatility', trend: 'By trend', direction: 'By direction', scoreBucket: 'By score',
};

function breakdownTable(name: keyof BacktestSummary['breakdowns'], rows: BreakdownRow[]): string {
  return table(`breakdown-${name}`, BREAKDOWN_TITLES[name], ['key', 'trades', 'wins', 'win rate', 'expectancy (R)', 'net P&L'],
    rows.map((r) => [r.key, String(r.trades), String(r.wins), pct(r.winRate), num(r.expectancyR), num(r.netPnl)]),
    rows.map((r) => ['', '', '', '', signed(r.expectancyR), signed(r.netPnl)]));
}

function tradesTable(trades: readonly BacktestTrade[]): string {
  const head = ['id', 'symbol', 'direction', 'entry time', 'entry price', 'exit time', 'exit price', 'exit reason', 'qty', 'P&L', 'R', 'score', 'session', 'volatility', 'trend'];
  return table('trades', 'Trades (in exit order)', head, trades.map((t) => [
    t.signalId, `${t.symbol} ${t.timeframe}`, t.direction, utc(t.entryTime), price(t.entryPrice), utc(t.exitTime), price(t.exitPrice), t.exitReason,
    price(t.qty), num(t.pnl), num(t.r), num(t.score, 1), t.regime.session, t.regime.volatility ?? 'n/a', t.regime.trend ?? 'n/a',
  ]), trades.map((t) => ['', '', '', '', '', '', '', '', '', signed(t.pnl), signed(t.r)]));
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto; padding: 16px; max-width: 1200px; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
#banner { background: #fff3cd; border: 1px solid #e0c060; padding: 8px 12px; margin: 8px 0 16px; font-weight: 600; }
.meta { color: #555; margin: 0 0 8px; }
#price-chart { width: 100%; height: 420px; } #equity-chart, #drawdown-chart { width: 100%; min-height: 250px; }
table { border-collapse: collapse; margin: 8px 16px 16px 0; } caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; white-space: nowrap; } th { background: #f5f5f5; }
td:first-child, th:first-child { text-align: left; } .pos { color: #2e7d32; } .neg { color: #c62828; } .empty { color: #888; text-align: center; }
.tables { display: flex; flex-wrap: wrap; align-items: flex-start; } .scroll { overflow-x: auto; }
footer { color: #777; font-size: 12px; margin-top: 24px; }
`;

/** The whole page: libraries and data inline, nothing fetched. */
export function renderReportHtml(result: BacktestResult, summary: BacktestSummary): string {
  const { meta } = result;
  const assets = reportAssets();
  const data = { meta, summary, series: result.series, signals: result.signals, trades: result.trades, equity: result.equity, drawdown: drawdownSeries(result.equity) };
  const banner = `Human gate: ${meta.gate} · fees and slippage model applied · first ${meta.warmupBars} bars not reported (warm-up)`;
  const selector = result.series.length > 1
    ? `<label>Series <select id="series-select">${result.series.map((s, i) => `<option value="${i}">${escapeHtml(`${s.symbol} ${s.timeframe}`)}</option>`).join('')}</select></label>`
    : '';
  const first = result.series[0];
  const title = `Backtest ${meta.files.join(', ')}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${inlineStyle(assets.uplotCss)}</style>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">engine ${escapeHtml(meta.engine)} · ${escapeHtml(utc(meta.from))} → ${escapeHtml(utc(meta.to))} · ${meta.bars} bars · starting equity ${escapeHtml(num(meta.startingEquity))}</p>
<div id="banner" role="note">${escapeHtml(banner)}</div>
<h2>Price${first === undefined ? '' : ` <span id="series-name">${escapeHtml(`${first.symbol} ${first.timeframe}`)}</span>`}</h2>
${selector}
<p class="meta">markers (this series only): blue circle = signal traded, grey-blue circle = signal not traded, arrow = entry, square = exit (green: profit, red: loss); details in the trade list. The last 400 bars are shown: scroll and zoom for the rest</p>
<div id="price-chart"></div>
<h2>Equity</h2>
<div id="equity-chart"></div>
<h2>Drawdown</h2>
<div id="drawdown-chart"></div>
<div class="tables">
${summaryTable(summary)}
${(Object.keys(BREAKDOWN_TITLES) as (keyof BacktestSummary['breakdowns'])[]).map((k) => breakdownTable(k, summary.breakdowns[k])).join('\n')}
</div>
<h2>Notes</h2>
<ul id="notes">${summary.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>
<h2>Trades</h2>
<div class="scroll">${tradesTable(result.trades)}</div>
<h2>Parameters</h2>
<pre id="params">${escapeHtml(JSON.stringify(meta.params, null, 2))}</pre>
<footer>Charts: TradingView Lightweight Charts™ (Apache-2.0, © TradingView, Inc.) and uPlot (MIT). Times are UTC.</footer>
<script type="application/json" id="report-data">${embedJson(data)}</script>
<script>${inlineScript(assets.lightweightChartsJs)}</script>
<script>${inlineScript(assets.uplotJs)}</script>
<script>${inlineScript(REPORT_PAGE_SCRIPT)}</script>
</body>
</html>
`;
}
