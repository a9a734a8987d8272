// Analytics tab: signal timing heatmap (weekday × hour, time zone selectable), score histogram
// with the trigger line, breakdown by session / volatility / trend, P&L by period, and the
// signal list, paged. Every figure is aggregated by the server (/ui/api/analytics/*).
import { chart, fmt, h, notice, pct, section, table, time } from './charts.js';

const ZONES = ['UTC', 'Europe/London', 'America/New_York', 'Asia/Tokyo', 'Asia/Hong_Kong', 'Europe/Berlin', 'Australia/Sydney'];

export async function mount(el, ctx) {
  const charts = [];
  const state = { tz: 'UTC', by: 'session', period: 'day' };
  const tz = h('select', { onchange: () => { state.tz = tz.value; refresh(); } }, ZONES.map((z) => h('option', { value: z }, z)));
  const by = h('select', { onchange: () => { state.by = by.value; loadBreakdown(); } }, ['session', 'volatility', 'trend', 'symbol', 'direction'].map((b) => h('option', { value: b }, b)));
  const period = h('select', { onchange: () => { state.period = period.value; loadPnl(); } }, ['day', 'week', 'month', 'hour'].map((p) => h('option', { value: p }, p)));
  const heat = h('div');
  const hist = h('div', { class: 'chart' });
  const breakdown = h('div');
  const pnlChart = h('div', { class: 'chart' });
  const pnlTable = h('div');
  const list = h('div');
  el.replaceChildren(
    h('div', { class: 'controls' }, h('label', {}, 'Time zone ', tz)),
    section('Signal timing (weekday × hour)', heat),
    section('Score distribution', hist),
    section('Breakdown', h('label', {}, 'by ', by), breakdown),
    section('P&L by period', h('label', {}, 'period ', period), pnlChart, pnlTable),
    section('Signals', list),
  );
  const q = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null)).toString();

  async function loadHeatmap() {
    try {
      const m = await ctx.api(`/analytics/heatmap?${q({ tz: state.tz })}`);
      const cell = (n) => {
        const td = h('td', { title: String(n) }, n === 0 ? '' : String(n));
        // shade by count: CSSOM, not an inline style attribute
        td.style.backgroundColor = n === 0 ? 'transparent' : `rgba(42,111,219,${0.15 + 0.85 * (n / Math.max(1, m.max))})`;
        return td;
      };
      heat.replaceChildren(h('p', {}, `${m.total} signals, ${m.zone}`), h('table', { class: 'heatmap' },
        h('thead', {}, h('tr', {}, h('th', {}, ''), Array.from({ length: 24 }, (_, i) => h('th', {}, String(i))))),
        h('tbody', {}, m.weekdays.map((d, i) => h('tr', {}, h('th', {}, d), m.counts[i].map(cell))))));
    } catch (err) { heat.replaceChildren(notice(err)); }
  }

  async function loadHistogram() {
    try {
      const m = await ctx.api('/analytics/histogram?width=5');
      hist.replaceChildren(h('p', {}, `${m.total} scored bars; trigger ${fmt(m.trigger, 1)}${m.configVersion === null ? '' : ` (config v${m.configVersion})`}: ${m.atOrAboveTrigger} at or above`));
      if (m.counts.length === 0) return;
      const box = h('div');
      hist.append(box);
      const at = m.trigger === null ? null : (m.trigger - m.edges[0]) / m.width;
      charts.push(await chart(box, { labels: m.edges.map((e) => String(e)), series: [{ label: 'bars', values: m.counts, bars: true }], hline: at === null ? null : { axis: 'x', value: at } }));
    } catch (err) { hist.replaceChildren(notice(err)); }
  }

  async function loadBreakdown() {
    try {
      const m = await ctx.api(`/analytics/breakdown?${q({ by: state.by })}`);
      breakdown.replaceChildren(table([
        [m.by, (r) => r.key], ['signals', (r) => r.signals], ['avg score', (r) => fmt(r.avgScore, 1)], ['trades', (r) => r.trades],
        ['win rate', (r) => pct(r.winRate)], ['P&L', (r) => fmt(r.pnl)], ['avg R', (r) => fmt(r.avgR)],
      ], m.lines));
    } catch (err) { breakdown.replaceChildren(notice(err)); }
  }

  async function loadPnl() {
    try {
      const m = await ctx.api(`/analytics/pnl?${q({ period: state.period, tz: state.tz, limit: 60 })}`);
      pnlChart.replaceChildren();
      pnlTable.replaceChildren(table([['period', (r) => r.bucket], ['trades', (r) => r.trades], ['wins', (r) => r.wins], ['P&L', (r) => fmt(r.pnl)], ['cumulative', (r) => fmt(r.cumulative)]], m.buckets));
      if (m.buckets.length > 0) {
        charts.push(await chart(pnlChart, { labels: m.buckets.map((b) => b.bucket.slice(0, 10)), series: [{ label: 'P&L', values: m.buckets.map((b) => b.pnl), bars: true }, { label: 'cumulative', values: m.buckets.map((b) => b.cumulative), stroke: '#1a8a3a' }] }));
      }
    } catch (err) { pnlTable.replaceChildren(notice(err)); }
  }

  async function loadSignals(before) {
    try {
      const m = await ctx.api(`/analytics/signals?${q({ limit: 50, before })}`);
      const rows = table([
        ['bar open', (s) => time(s.openTime)], ['symbol', (s) => s.symbol], ['tf', (s) => s.timeframe], ['dir', (s) => s.direction], ['score', (s) => fmt(s.score, 1)],
        ['session', (s) => s.session ?? '—'], ['volatility', (s) => s.volatility ?? '—'], ['trend', (s) => s.trend ?? '—'], ['P&L', (s) => fmt(s.pnl)],
      ], m.signals);
      const more = m.next === null ? null : h('button', { type: 'button', onclick: () => loadSignals(m.next) }, 'older');
      const newest = before === undefined ? null : h('button', { type: 'button', onclick: () => loadSignals(undefined) }, 'newest');
      list.replaceChildren(rows, h('div', { class: 'pager' }, newest, more));
    } catch (err) { list.replaceChildren(notice(err)); }
  }

  function destroyCharts() { while (charts.length) charts.pop().destroy(); }
  async function refresh() {
    destroyCharts();
    await Promise.all([loadHeatmap(), loadHistogram(), loadBreakdown(), loadPnl(), loadSignals(undefined)]);
  }
  await refresh();
  return () => destroyCharts();
}
