/** The report page as text: escaped tables, embedded data that cannot end its script, nothing external; and the files writeReport leaves. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { summarize } from '../../actors/research/metrics.ts';
import { embedJson, escapeHtml, renderReportHtml } from '../../actors/research/report-html.ts';
import { writeReport } from '../../actors/research/report-files.ts';
import { buildResult, trade } from './fixtures.ts';

const s = suite('research report html');
const HOSTILE = '</script><img src=x onerror="alert(1)">&';

s('text is escaped for HTML and JSON cannot close its script element', () => {
  assert.is(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  const json = embedJson({ id: HOSTILE });
  assert.not.ok(json.includes('<'));
  assert.equal(JSON.parse(json), { id: HOSTILE });
});

s('a hostile signal id appears only escaped in the page', () => {
  const r = buildResult({ trades: [trade({ signalId: HOSTILE, pnl: 5, r: 1 })] });
  const html = renderReportHtml(r, summarize(r));
  assert.not.ok(html.includes('<img src=x'));
  assert.ok(html.includes('&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;'));
  // the data block ends at its own closing tag: the id inside it is \u003c-escaped
  const data = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(data);
  assert.is(JSON.parse(data[1]!).trades[0].signalId, HOSTILE);
});

s('the page carries the libraries, the banner, the chart containers, and no external src or href', () => {
  const r = buildResult();
  const html = renderReportHtml(r, summarize(r));
  assert.ok(html.includes('window.LightweightCharts='), 'lightweight-charts inlined');
  assert.ok(html.includes('var uPlot='), 'uPlot inlined');
  assert.ok(html.includes('.uplot'), 'uPlot CSS inlined');
  assert.ok(html.includes('Human gate: simulated approve-all · fees and slippage model applied · first 20 bars not reported (warm-up)'));
  for (const id of ['price-chart', 'equity-chart', 'drawdown-chart', 'trades', 'report-data']) assert.ok(html.includes(`id="${id}"`), id);
  assert.not.match(html, /\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
  assert.not.ok(html.includes('id="series-select"'), 'one series: no selector');
  const two = buildResult({ series: [{ symbol: 'A', timeframe: '1h', bars: [] }, { symbol: 'B<', timeframe: '4h', bars: [] }] });
  const html2 = renderReportHtml(two, summarize(two));
  assert.ok(html2.includes('<option value="1">B&lt; 4h</option>'));
});

s('writeReport writes report.json and report.html and returns their absolute paths', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fakeout-report-'));
  try {
    const r = buildResult();
    const out = await writeReport(join(dir, 'nested', 'run'), r);
    assert.ok(isAbsolute(out.json) && isAbsolute(out.html));
    const json = JSON.parse(readFileSync(out.json, 'utf8')) as Record<string, unknown>;
    assert.equal(Object.keys(json).sort(), ['equity', 'meta', 'series', 'signals', 'summary', 'trades']);
    assert.equal(json['summary'], out.summary);
    assert.is(out.summary.trades, 4);
    assert.ok(readFileSync(out.html, 'utf8').startsWith('<!doctype html>'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
