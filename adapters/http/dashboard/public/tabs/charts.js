// Shared by the analytics, monitor and security tabs: DOM helpers (no innerHTML, no inline
// style attributes: styles go through CSSOM, which CSP 'self' allows) and uPlot, loaded once
// from the API (the same package files the research report inlines; no CDN).

const UPLOT_JS = '/ui/api/analytics/assets/uplot.js';
const UPLOT_CSS = '/ui/api/analytics/assets/uplot.css';
let uplotLoading = null;

/** uPlot's constructor, loading its script and stylesheet the first time. */
export function loadUplot() {
  if (globalThis.uPlot) return Promise.resolve(globalThis.uPlot);
  uplotLoading ??= new Promise((resolve, reject) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = UPLOT_CSS;
    document.head.append(link);
    const script = document.createElement('script');
    script.src = UPLOT_JS;
    script.onload = () => resolve(globalThis.uPlot);
    script.onerror = () => reject(new Error('uPlot could not be loaded'));
    document.head.append(script);
  });
  return uplotLoading;
}

/** An element with properties, dataset-free, and children (strings become text). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') el.className = v;
    else if (k === 'style') Object.assign(el.style, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el[k] = v;
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

export function section(title, ...children) {
  return h('section', { class: 'panel' }, h('h2', {}, title), ...children);
}

/** A table from column specs `[label, row => text]`. */
export function table(columns, rows) {
  return h('table', { class: 'data' },
    h('thead', {}, h('tr', {}, columns.map(([label]) => h('th', {}, label)))),
    h('tbody', {}, rows.length === 0
      ? h('tr', {}, h('td', { colSpan: columns.length }, 'nothing yet'))
      : rows.map((r) => h('tr', {}, columns.map(([, f]) => h('td', {}, f(r)))))));
}

export const fmt = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? '—' : Number(x).toFixed(digits));
export const pct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)} %`);
export const time = (ms) => (ms === null || ms === undefined ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + 'Z');

/** A message in place of a panel's content (a refused or failed request). */
export function notice(err) {
  const text = err && err.status === 403 ? 'your role may not see this' : `could not load: ${err && err.message ? err.message : err}`;
  return h('p', { class: 'notice' }, text);
}

/**
 * A uPlot chart over labelled points (x = index, labels on the axis). `series`: [{ label,
 * values, bars?, stroke }]; `hline`: a threshold drawn across (the trigger, 1.5, 30 %).
 */
const COMPACT = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 2 });
/** An axis label: small values as they are (0.25, 1.5), large ones compact (12K, 1.2M). */
export const compact = (v) => (v === null || v === undefined ? '' : Math.abs(v) >= 10_000 ? COMPACT.format(v) : String(Number(v.toFixed(4))));

export async function chart(el, { labels, series, hline = null, height = 220 }) {
  const uPlot = await loadUplot();
  const xs = labels.map((_, i) => i);
  const width = Math.max(320, el.clientWidth || 640);
  const opts = {
    width, height,
    scales: { x: { time: false } },
    // y labels compact (50K, not 50,000): uPlot's default axis width clipped five digits to "0,000"
    axes: [{ values: (_u, splits) => splits.map((i) => labels[i] ?? ''), space: Math.max(60, 8 * Math.max(0, ...labels.map((l) => String(l).length))) }, { values: (_u, splits) => splits.map(compact), size: 56 }],
    series: [{}, ...series.map((s) => ({
      label: s.label, stroke: s.stroke ?? '#2a6fdb', width: 2,
      ...(s.bars ? { paths: uPlot.paths.bars({ size: [0.9] }), fill: s.fill ?? 'rgba(42,111,219,0.5)' } : {}),
    }))],
    hooks: hline === null ? {} : {
      draw: [(u) => {
        const x = u.valToPos(hline.value, hline.axis === 'x' ? 'x' : 'y', true);
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = '#d33';
        ctx.setLineDash([6, 4]);
        ctx.beginPath();
        if (hline.axis === 'x') { ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); }
        else { ctx.moveTo(u.bbox.left, x); ctx.lineTo(u.bbox.left + u.bbox.width, x); }
        ctx.stroke();
        ctx.restore();
      }],
    },
  };
  return new uPlot(opts, [xs, ...series.map((s) => s.values)], el);
}
