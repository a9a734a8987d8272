// The Live tab: the signal feed (server-sent events, no reload), a candlestick chart of the chosen
// symbol and timeframe from stored bars with signals, entries and exits marked (lightweight-charts,
// served under /ui/vendor), the orders waiting for approval with TOTP entry, gate and breaker with
// the breaker's Trip (reason) and Reset (TOTP) controls for the roles that may use them.
import { h, utc } from './dom.js';
const LWC = window.LightweightCharts;
const COLOURS = { up: '#26a69a', down: '#ef5350', signal: '#1e88e5', long: '#2e7d32', short: '#c62828', exit: '#6d4c41' };


const sec = (ms) => Math.floor(ms / 1000);
const REFRESH_AFTER_MS = 250;
/** A computed price (stop, target) to two decimals more than the entry has, the exact value in its title. */
const price = (x, entry) => {
  const decimals = (String(entry).split('.')[1] ?? '').length;
  return h('td', { title: String(x) }, Number(x).toFixed(Math.min(8, decimals + 2)));
};

export async function mount(el, ctx) {
  const stateEl = h('div', { id: 'live-state' }, 'loading…');
  const symbolSel = h('select', { id: 'chart-symbol', 'aria-label': 'symbol' });
  const tfSel = h('select', { id: 'chart-timeframe', 'aria-label': 'timeframe' });
  const chartEl = h('div', { id: 'chart' });
  const pendingBody = h('tbody', { id: 'pending' });
  const decisionMsg = h('p', { id: 'decision-message', role: 'status' });
  const recentBody = h('tbody', { id: 'recent-orders' });
  const feedBody = h('tbody', { id: 'signal-feed' });
  const feedStatus = h('span', { id: 'feed-status', class: 'muted' }, 'connecting…');
  const canApprove = ctx.can('orders.approve');
  const breakerMsg = h('p', { id: 'breaker-message', role: 'status' });
  const tripReason = h('input', { id: 'breaker-reason', placeholder: 'why (required)', 'aria-label': 'reason for tripping the breaker' });
  const resetCode = h('input', { id: 'breaker-code', inputmode: 'numeric', maxlength: '6', placeholder: 'TOTP code', 'aria-label': 'TOTP code for the breaker reset' });
  // the server refuses the others anyway (403): these only leave out what the role would be refused
  const breakerControls = h('div', { id: 'breaker-controls' },
    ...(ctx.can('breaker.trip') ? [h('div', { class: 'row' }, tripReason, h('button', { type: 'button', id: 'breaker-trip', onclick: () => breakerAction('trip') }, 'Trip breaker'))] : []),
    ...(ctx.can('breaker.reset') ? [h('div', { class: 'row' }, resetCode, h('button', { type: 'button', id: 'breaker-reset', onclick: () => breakerAction('reset') }, 'Reset breaker'))] : []),
    breakerMsg);

  el.append(
    h('div', { class: 'grid' },
      h('div', {},
        h('section', { class: 'panel' }, h('h2', {}, 'Chart'), h('div', { class: 'row' }, symbolSel, tfSel), chartEl),
        h('section', { class: 'panel' }, h('h2', {}, 'Signal feed ', feedStatus),
          h('table', {}, h('thead', {}, h('tr', {}, ...['bar open (UTC)', 'symbol', 'tf', 'direction', 'score', 'entry', 'stop', 'target'].map((t) => h('th', {}, t)))), feedBody))),
      h('div', {},
        h('section', { class: 'panel' }, h('h2', {}, 'Gate and breaker'), stateEl, breakerControls),
        h('section', { class: 'panel' }, h('h2', {}, 'Waiting for approval'),
          h('table', {}, h('thead', {}, h('tr', {}, ...['order', 'side', 'qty', 'price', ''].map((t) => h('th', {}, t)))), pendingBody), decisionMsg),
        h('section', { class: 'panel' }, h('h2', {}, 'Recent orders'),
          h('table', {}, h('thead', {}, h('tr', {}, ...['order', 'status', 'changed (UTC)'].map((t) => h('th', {}, t)))), recentBody)))),
  );

  // --- signal feed ---------------------------------------------------------------------------
  const seen = new Set();
  const row = (s, fresh) => {
    const tr = h('tr', { 'data-id': s.id, class: fresh ? 'new' : '' },
      h('td', {}, utc(s.openTime)), h('td', {}, s.symbol), h('td', {}, s.timeframe), h('td', {}, s.direction),
      h('td', {}, s.score), h('td', {}, s.entry), price(s.stop, s.entry), price(s.target, s.entry));
    return tr;
  };
  const { signals } = await ctx.api('/signals?limit=50');
  for (const s of signals) { seen.add(s.id); feedBody.append(row(s, false)); }

  // --- chart ---------------------------------------------------------------------------------
  const { series } = await ctx.api('/series');
  const symbols = [...new Set(series.map((s) => s.symbol))];
  for (const s of symbols) symbolSel.append(h('option', { value: s }, s));
  const fillTimeframes = () => {
    tfSel.textContent = '';
    for (const s of series.filter((x) => x.symbol === symbolSel.value)) tfSel.append(h('option', { value: s.timeframe }, `${s.timeframe} (${s.bars} bars)`));
  };
  fillTimeframes();
  let chart = null;
  let candles = null;
  let markersApi = null;
  const refreshChart = async () => {
    if (!symbolSel.value || !tfSel.value) { chartEl.textContent = 'No stored bars yet.'; chartEl.dataset.bars = '0'; return; }
    const data = await ctx.api(`/chart?symbol=${encodeURIComponent(symbolSel.value)}&timeframe=${encodeURIComponent(tfSel.value)}&limit=500`);
    if (chart === null) {
      chartEl.textContent = '';
      chart = LWC.createChart(chartEl, {
        width: chartEl.clientWidth || 800, height: 420,
        layout: { attributionLogo: false, background: { type: 'solid', color: '#ffffff' }, textColor: '#222222' },
        timeScale: { timeVisible: true, secondsVisible: false },
      });
      candles = chart.addSeries(LWC.CandlestickSeries, { upColor: COLOURS.up, downColor: COLOURS.down, borderVisible: false, wickUpColor: COLOURS.up, wickDownColor: COLOURS.down });
      markersApi = LWC.createSeriesMarkers(candles, []);
    }
    const bars = data.bars.map((b) => ({ time: sec(b.openTime), open: b.open, high: b.high, low: b.low, close: b.close }));
    candles.setData(bars);
    // a marker goes on the bar it falls in (a fill inside a bar, a signal at its bar's open)
    const snap = (t) => { let best = bars[0]?.time ?? t; for (const b of bars) if (b.time <= t) best = b.time; return best; };
    const markers = data.markers.map((m) => {
      if (m.kind === 'signal') return { time: snap(sec(m.at)), position: m.side === 'long' ? 'belowBar' : 'aboveBar', shape: 'circle', color: COLOURS.signal, text: 'signal' };
      const buy = m.side === 'buy';
      if (m.kind === 'entry') return { time: snap(sec(m.at)), position: buy ? 'belowBar' : 'aboveBar', shape: buy ? 'arrowUp' : 'arrowDown', color: buy ? COLOURS.long : COLOURS.short, text: 'entry' };
      return { time: snap(sec(m.at)), position: buy ? 'belowBar' : 'aboveBar', shape: 'square', color: COLOURS.exit, text: 'exit' };
    }).sort((a, b) => a.time - b.time);
    markersApi.setMarkers(markers);
    chartEl.dataset.bars = String(bars.length);
    chartEl.dataset.markers = String(markers.length);
    chartEl.dataset.markerKinds = [...new Set(data.markers.map((m) => m.kind))].sort().join(',');
  };
  symbolSel.addEventListener('change', () => { fillTimeframes(); if (chart) { chart.remove(); chart = null; } void refreshChart(); });
  tfSel.addEventListener('change', () => void refreshChart());
  await refreshChart();

  // --- gate, breaker, approvals ---------------------------------------------------------------
  const refreshState = async () => {
    const s = await ctx.api('/state');
    stateEl.textContent = '';
    stateEl.append(
      h('p', {}, 'Gate: ', h('span', { class: `badge ${s.gate}`, id: 'gate-state' }, s.gate)),
      h('p', {}, 'Breaker: ', h('span', { class: `badge ${s.breaker.state}`, id: 'breaker-state' }, s.breaker.state),
        s.breaker.cooldownEndsAt ? ` (cooldown until ${utc(s.breaker.cooldownEndsAt)})` : ''),
      h('p', {}, `Orders waiting: ${s.pending}`),
    );
  };
  // The breaker shown stays the gateway's committed one (refreshState): a trip or reset is a request the breaker machine decides.
  const breakerAction = async (action) => {
    breakerMsg.className = '';
    breakerMsg.textContent = '';
    try {
      const body = action === 'trip' ? { reason: tripReason.value.trim() } : { code: resetCode.value.trim() };
      await ctx.api(`/breaker/${action}`, { method: 'POST', body });
      breakerMsg.className = 'ok';
      breakerMsg.textContent = action === 'trip' ? 'Trip requested; the gateway opens the breaker now.' : 'Reset requested; the breaker decides (it closes from halfOpen).';
      if (action === 'trip') tripReason.value = ''; else resetCode.value = '';
      await refreshState();
    } catch (e) {
      breakerMsg.className = 'error';
      breakerMsg.textContent = `${action === 'trip' ? 'Trip' : 'Reset'} refused: ${e.message}`;
    }
  };
  const decide = async (order, action, input) => {
    decisionMsg.className = '';
    decisionMsg.textContent = '';
    try {
      const body = action === 'approve' ? { code: input.value.trim() } : { reason: input.value.trim() || 'rejected from the dashboard' };
      await ctx.api(`/orders/${encodeURIComponent(order.clientOrderId)}/${action}`, { method: 'POST', body });
      decisionMsg.className = 'ok';
      decisionMsg.textContent = `${order.clientOrderId}: ${action === 'approve' ? 'approved' : 'rejected'}; the gateway applies it now.`;
      await refreshOrders();
    } catch (e) {
      decisionMsg.className = 'error';
      decisionMsg.textContent = `${order.clientOrderId}: ${e.message}`;
    }
  };
  const refreshOrders = async () => {
    const [{ orders }, recent] = await Promise.all([ctx.api('/orders/pending'), ctx.api('/orders/recent?limit=10')]);
    pendingBody.textContent = '';
    if (orders.length === 0) pendingBody.append(h('tr', {}, h('td', { colspan: '5', class: 'muted' }, 'none')));
    for (const o of orders) {
      const cell = h('td', {});
      if (canApprove) {
        const code = h('input', { class: 'totp', inputmode: 'numeric', maxlength: '6', placeholder: 'TOTP code', 'aria-label': `TOTP code for ${o.clientOrderId}` });
        const reason = h('input', { class: 'reason', placeholder: 'reason', 'aria-label': `reason for rejecting ${o.clientOrderId}` });
        cell.append(code, h('button', { type: 'button', class: 'approve', onclick: () => decide(o, 'approve', code) }, 'Approve'),
          reason, h('button', { type: 'button', class: 'reject', onclick: () => decide(o, 'reject', reason) }, 'Reject'));
      } else {
        cell.append(h('span', { class: 'muted' }, 'an approver decides'));
      }
      pendingBody.append(h('tr', { 'data-order': o.clientOrderId }, h('td', {}, `${o.symbol} ${o.clientOrderId}`), h('td', {}, o.side), h('td', {}, o.qty), h('td', {}, o.decisionPrice), cell));
    }
    recentBody.textContent = '';
    for (const o of recent.orders) recentBody.append(h('tr', { 'data-order': o.clientOrderId, 'data-status': o.status }, h('td', {}, o.clientOrderId), h('td', {}, o.status), h('td', {}, utc(o.updatedAt))));
    await refreshState();
  };
  await refreshOrders();

  // Subscribed only now that every refresh above exists: a signal arriving while the chart loaded
  // once called refreshOrders before its declaration (a replay sends hundreds a second). A burst of
  // signals costs one chart and one orders refresh per REFRESH_AFTER_MS, not one per signal.
  let refreshQueued = null;
  const refreshSoon = () => {
    refreshQueued ??= setTimeout(() => {
      refreshQueued = null;
      void refreshChart().catch(() => undefined);
      void refreshOrders().catch(() => undefined);
    }, REFRESH_AFTER_MS);
  };
  const closeFeed = ctx.sse('/signals/stream', (e) => {
    if (e.type !== 'signal' || seen.has(e.data.id)) return;
    seen.add(e.data.id);
    feedBody.prepend(row(e.data, true));
    while (feedBody.children.length > 200) feedBody.lastChild.remove();
    feedStatus.textContent = `live, last at ${new Date().toISOString().slice(11, 19)} UTC`;
    refreshSoon();
  });
  feedStatus.textContent = 'live';
  // Orders and the gate move without a signal (an approval filled, an order expired): poll them.
  const timer = setInterval(() => { void refreshOrders().catch(() => undefined); }, 2000);

  return () => {
    clearInterval(timer);
    if (refreshQueued !== null) clearTimeout(refreshQueued);
    closeFeed();
    if (chart) chart.remove();
  };
}
