// System monitor tab: slippage realised vs modelled and the ratio against its threshold (1.5)
// over time; the low-liquidity signal share against 30 %; breaker state and trip history;
// consumer lag per actor; clock offset. Data: /ui/api/monitor/*.
import { chart, fmt, h, notice, pct, section, table, time } from './charts.js';

const REFRESH_MS = 15_000;

export async function mount(el, ctx) {
  const charts = [];
  const summary = h('div');
  const slip = h('div', { class: 'chart' });
  const slipRatio = h('div', { class: 'chart' });
  const liq = h('div', { class: 'chart' });
  const breaker = h('div');
  el.replaceChildren(
    section('State', summary),
    section('Slippage: realised vs modelled (bps per entry fill)', slip),
    section('Slippage ratio against the breaker threshold', slipRatio),
    section('Low-liquidity signal share', liq),
    section('Breaker history', breaker),
  );

  async function loadSummary() {
    try {
      const s = await ctx.api('/monitor/summary');
      const b = s.breaker;
      summary.replaceChildren(
        h('p', { class: `breaker breaker-${b.state}` }, `Breaker: ${b.state}`, b.trip ? ` — since ${time(b.trip.at)}: ${b.trip.trips.map((t) => t.reason).join('; ')}` : ''),
        table([['monitor', (m) => m.monitor], ['state', (m) => m.state], ['value', (m) => fmt(m.value, 3)], ['threshold', (m) => fmt(m.threshold, 3)], ['since', (m) => time(m.since)]], s.monitors),
        h('h3', {}, 'Consumer lag (messages pending)'),
        s.consumers === null ? h('p', {}, 'not known in this process') : table([['consumer', (c) => c.consumer], ['pending', (c) => c.pending]], s.consumers),
        h('h3', {}, 'Clock'),
        s.clock === null ? h('p', {}, 'no drift measurement yet') : h('p', {}, `offset ${fmt(s.clock.offsetMs, 1)} ms (${s.clock.verdict}; warn ${s.clock.warnMs} ms, trip ${s.clock.tripMs} ms), measured ${time(s.clock.at)}`),
        h('h3', {}, 'Recent trips (breaker memory)'),
        table([['at', (t) => time(t.at)], ['conditions', (t) => t.trips.map((x) => `${x.condition}: ${x.reason}`).join('; ')]], b.history),
      );
    } catch (err) { summary.replaceChildren(notice(err)); }
  }

  async function loadSeries() {
    while (charts.length) charts.pop().destroy();
    try {
      const s = await ctx.api('/monitor/slippage?period=hour&limit=200');
      slip.replaceChildren();
      slipRatio.replaceChildren(h('p', {}, `threshold ${s.threshold}`));
      if (s.points.length > 0) {
        const labels = s.points.map((p) => p.bucket.slice(5));
        charts.push(await chart(slip, { labels, series: [{ label: 'realised', values: s.points.map((p) => p.realisedBps), stroke: '#d33' }, { label: 'modelled', values: s.points.map((p) => p.modelledBps) }] }));
        const box = h('div');
        slipRatio.append(box);
        charts.push(await chart(box, { labels, series: [{ label: 'ratio', values: s.points.map((p) => p.ratio) }], hline: { axis: 'y', value: s.threshold } }));
      } else slip.replaceChildren(h('p', {}, 'no entry fills yet'));
    } catch (err) { slip.replaceChildren(notice(err)); }
    try {
      const l = await ctx.api('/monitor/liquidity?period=hour&limit=200');
      liq.replaceChildren(h('p', {}, `threshold ${pct(l.threshold)}`));
      if (l.points.length > 0) {
        const box = h('div');
        liq.append(box);
        charts.push(await chart(box, { labels: l.points.map((p) => p.bucket.slice(5)), series: [{ label: 'low-liquidity share', values: l.points.map((p) => p.share) }], hline: { axis: 'y', value: l.threshold } }));
      }
    } catch (err) { liq.replaceChildren(notice(err)); }
  }

  async function loadBreaker(before) {
    try {
      const p = await ctx.api(`/monitor/breaker?limit=20${before ? `&before=${before}` : ''}`);
      breaker.replaceChildren(
        table([['seq', (e) => e.seq], ['at', (e) => time(e.at)], ['action', (e) => e.action], ['actor', (e) => e.actor], ['details', (e) => JSON.stringify(e.details).slice(0, 160)]], p.entries),
        h('div', { class: 'pager' }, before ? h('button', { type: 'button', onclick: () => loadBreaker(undefined) }, 'newest') : null, p.next === null ? null : h('button', { type: 'button', onclick: () => loadBreaker(p.next) }, 'older')),
      );
    } catch (err) { breaker.replaceChildren(notice(err)); }
  }

  await Promise.all([loadSummary(), loadSeries(), loadBreaker(undefined)]);
  const timer = setInterval(() => void loadSummary(), REFRESH_MS);
  return () => {
    clearInterval(timer);
    while (charts.length) charts.pop().destroy();
  };
}
