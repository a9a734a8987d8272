/**
 * The report page's own script (plain browser JavaScript, inlined by report-html.ts after the
 * libraries): reads the embedded `#report-data` JSON and draws the price chart with
 * lightweight-charts v5 (`addSeries(CandlestickSeries)`, `createSeriesMarkers`) and the equity
 * and drawdown curves with uPlot. The tables are rendered in HTML by the server side, so the
 * page reads without script. Times in the data are epoch ms; both libraries take seconds.
 * When it is done it sets `document.body.dataset.rendered = "true"` (the browser test waits on it).
 */
export const REPORT_PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var LWC = window.LightweightCharts;
  if (!LWC || !window.uPlot) throw new Error('report: the inlined chart libraries did not load');
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var sec = function (ms) { return Math.floor(ms / 1000); };
  var GREEN = '#2e7d32', RED = '#c62828', BLUE = '#1e88e5', GREY = '#90a4ae';

  // the open time of the bar holding t (markers must sit on a bar of the series), else the first bar
  function snap(times, t) {
    var lo = 0, hi = times.length - 1, found = 0;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (times[mid] <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return times[found];
  }

  var priceEl = document.getElementById('price-chart');
  var chart = null;
  function drawPrice(index) {
    if (chart) { chart.remove(); chart = null; }
    priceEl.textContent = '';
    var s = data.series[index];
    if (!s || s.bars.length === 0) { priceEl.textContent = 'No bars in this series.'; return; }
    var nameEl = document.getElementById('series-name');
    if (nameEl) nameEl.textContent = s.symbol + ' ' + s.timeframe;
    chart = LWC.createChart(priceEl, {
      width: priceEl.clientWidth || 900, height: 420,
      layout: { attributionLogo: false, background: { type: 'solid', color: '#ffffff' }, textColor: '#222222' },
      timeScale: { timeVisible: true, secondsVisible: false },
    });
    var candles = chart.addSeries(LWC.CandlestickSeries, {
      upColor: '#26a69a', downColor: '#ef5350', borderVisible: false, wickUpColor: '#26a69a', wickDownColor: '#ef5350',
    });
    var bars = s.bars.map(function (b) { return { time: sec(b.time), open: b.open, high: b.high, low: b.low, close: b.close }; });
    candles.setData(bars);
    var times = bars.map(function (b) { return b.time; });
    var markers = [];
    data.signals.forEach(function (m) {
      if (m.symbol !== s.symbol) return;
      var traded = m.outcome === 'traded';
      markers.push({
        time: snap(times, sec(m.time)), position: m.direction === 'long' ? 'belowBar' : 'aboveBar', shape: 'circle',
        color: traded ? BLUE : GREY, text: traded ? '' : m.outcome, id: 'signal:' + m.signalId,
      });
    });
    data.trades.forEach(function (t) {
      if (t.symbol !== s.symbol) return;
      var long = t.direction === 'long';
      markers.push({
        time: snap(times, sec(t.entryTime)), position: long ? 'belowBar' : 'aboveBar', shape: long ? 'arrowUp' : 'arrowDown',
        color: long ? GREEN : RED, text: (long ? 'long ' : 'short ') + t.signalId, id: 'entry:' + t.signalId,
      });
      markers.push({
        time: snap(times, sec(t.exitTime)), position: long ? 'aboveBar' : 'belowBar', shape: 'square',
        color: t.pnl >= 0 ? GREEN : RED, text: t.exitReason + ' ' + t.pnl.toFixed(2), id: 'exit:' + t.signalId,
      });
    });
    markers.sort(function (a, b) { return a.time - b.time; });
    LWC.createSeriesMarkers(candles, markers);
    chart.timeScale().fitContent();
    priceEl.dataset.markers = String(markers.length);
  }

  function curve(el, label, xs, ys, color, fill, format, stepped) {
    return new uPlot({
      width: el.clientWidth || 900, height: 220,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); },
      scales: { x: { time: true } },
      series: [
        {},
        { label: label, stroke: color, fill: fill, width: 2, value: function (u, v) { return v == null ? '' : format(v); },
          paths: stepped ? uPlot.paths.stepped({ align: 1 }) : undefined },
      ],
      axes: [{}, { size: 70, values: function (u, vals) { return vals.map(format); } }],
    }, [xs, ys], el);
  }

  var select = document.getElementById('series-select');
  if (select) select.addEventListener('change', function () { drawPrice(Number(select.value)); });
  drawPrice(0);

  // the curves step at each closed trade and are carried to the end of the data window
  var equity = data.equity.slice(), drawdown = data.drawdown.slice();
  var last = equity.length - 1;
  if (last >= 0 && data.meta.to > equity[last].time) {
    equity.push({ time: data.meta.to, equity: equity[last].equity });
    drawdown.push({ time: data.meta.to, drawdown: drawdown[last].drawdown });
  }
  var xs = equity.map(function (p) { return sec(p.time); });
  var plots = [
    curve(document.getElementById('equity-chart'), 'Equity', xs, equity.map(function (p) { return p.equity; }),
      BLUE, 'rgba(30,136,229,0.08)', function (v) { return v.toFixed(2); }, true),
    curve(document.getElementById('drawdown-chart'), 'Drawdown %', xs, drawdown.map(function (p) { return -100 * p.drawdown; }),
      RED, 'rgba(198,40,40,0.15)', function (v) { return v.toFixed(2) + ' %'; }, true),
  ];

  window.addEventListener('resize', function () {
    if (chart) chart.applyOptions({ width: priceEl.clientWidth });
    plots.forEach(function (u) { u.setSize({ width: u.root.parentNode.clientWidth, height: 220 }); });
  });
  document.body.dataset.rendered = 'true';
})();
`;
