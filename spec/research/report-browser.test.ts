/**
 * The report page in a real chromium, opened from disk: it draws its charts with the inlined
 * libraries, requests nothing, logs no error, and lists every trade. A screenshot goes to
 * .fakeout/screenshots/report-fixture.png for a person to look at.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { writeReport } from '../../actors/research/report-files.ts';
import { REPO } from '../helpers/app.ts';
import { withPage } from '../helpers/browser.ts';
import { at, bars, buildResult, T0 } from './fixtures.ts';

const s = suite('research report in a browser');
const SHOTS = join(REPO, '.fakeout', 'screenshots');

/** Hex colours the pages draws with: candles up and down, and the markers (signal traded blue, not traded grey, long/win green, short/loss red). */
const COLOURS = { up: '#26a69a', down: '#ef5350', signal: '#1e88e5', skipped: '#90a4ae', green: '#2e7d32', red: '#c62828' };
type Colour = keyof typeof COLOURS;

/** Distinct colours of the canvases under `selector`, and which of {@link COLOURS} appear exactly. */
async function paint(page: Page, selector: string): Promise<{ canvases: number; colours: number; found: Colour[] }> {
  // no named inner functions here: tsx would wrap them in a helper the page does not have
  return page.evaluate(([sel, wanted]) => {
    const canvases = [...document.querySelectorAll<HTMLCanvasElement>(`${sel} canvas`)];
    const seen = new Set<number>();
    for (const c of canvases) {
      if (c.width === 0 || c.height === 0) continue;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < px.length; i += 4) if (px[i + 3] !== 0) seen.add((px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!);
    }
    const found = Object.entries(wanted).filter(([, hex]) => seen.has(parseInt(hex.slice(1), 16))).map(([name]) => name);
    return { canvases: canvases.length, colours: seen.size, found: found as Colour[] };
  }, [selector, COLOURS] as const);
}

/** Opens a report file, recording page errors, console errors and every request. */
async function open(page: Page, html: string) {
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(html).href);
  await page.waitForFunction(() => document.body.dataset['rendered'] === 'true', undefined, { timeout: 5000 });
  // lightweight-charts paints on the next animation frame
  await page.waitForFunction(() => document.querySelectorAll('#price-chart canvas').length > 0, undefined, { timeout: 5000 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return { errors, requests };
}

s('the fixture report draws its charts offline, lists every trade and says the gate was simulated', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fakeout-report-'));
  try {
    const result = buildResult();
    const files = await writeReport(dir, result);
    await withPage(async (page) => {
      const { errors, requests } = await open(page, files.html);
      assert.equal(errors, []);
      assert.ok(requests.length > 0, 'the page itself was requested');
      assert.equal(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')), []);

      const price = await paint(page, '#price-chart');
      assert.ok(price.canvases > 0, 'lightweight-charts made a canvas');
      assert.ok(price.colours > 10, `price chart is not blank (${price.colours} colours)`);
      // candles and every kind of marker are drawn in their colours (a marker off the bars' times is not drawn)
      assert.equal(price.found.sort(), (Object.keys(COLOURS) as Colour[]).sort());
      // 5 signals (4 traded, 1 skipped) + an entry and an exit per trade
      assert.is(await page.getAttribute('#price-chart', 'data-markers'), String(5 + 2 * 4));
      for (const id of ['#equity-chart', '#drawdown-chart']) {
        const p = await paint(page, id);
        assert.ok(p.canvases > 0 && p.colours > 3, `${id} drawn by uPlot (${p.canvases} canvases, ${p.colours} colours)`);
        assert.ok(await page.$(`${id} .uplot`), `${id} holds a uPlot chart`);
      }

      assert.is(await page.locator('#trades tbody tr').count(), result.trades.length);
      assert.equal(await page.locator('#trades tbody tr td:first-child').allTextContents(), ['t1', 't2', 't3', 't4']);
      assert.is(await page.textContent('#banner'), 'Human gate: simulated approve-all · fees and slippage model applied · first 20 bars not reported (warm-up)');
      const external = await page.evaluate(() => [...document.querySelectorAll('[src], [href]')]
        .map((e) => e.getAttribute('src') ?? e.getAttribute('href') ?? '').filter((u) => /^\s*(https?:)?\/\//i.test(u)));
      assert.equal(external, []);

      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'report-fixture.png'), fullPage: true });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s('with several series a selector redraws the price chart for the chosen one, without errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fakeout-report-'));
  try {
    const result = buildResult({ series: [
      { symbol: 'BTCUSD', timeframe: '1h', bars: bars(T0, at(14, 12)) },
      { symbol: 'ETHUSD', timeframe: '4h', bars: bars(T0, at(14, 12), 4 * 3_600_000) },
    ] });
    const files = await writeReport(dir, result);
    await withPage(async (page) => {
      const { errors } = await open(page, files.html);
      await page.selectOption('#series-select', '1');
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      assert.is(await page.textContent('#series-name'), 'ETHUSD 4h');
      // no signal or trade is on ETHUSD
      assert.is(await page.getAttribute('#price-chart', 'data-markers'), '0');
      const price = await paint(page, '#price-chart');
      assert.ok(price.colours > 10, 'the second series is drawn');
      assert.equal(errors, []);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();
