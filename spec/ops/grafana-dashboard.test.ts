/**
 * ops/grafana/fakeout.json is a dashboard Grafana imports: valid JSON with the fields its
 * dashboard schema requires (title, uid, schemaVersion, editable, graphTooltip, time; each panel
 * an id, a type, a grid position inside the 24-column grid that overlaps no other panel, and
 * queries with a refId), and every query names only metrics GET /metrics really serves.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO } from '../helpers/app.ts';
import { families } from '../helpers/prometheus.ts';
import { makeFixture } from '../http/http-fixture.ts';

const s = suite('ops/grafana/fakeout.json');

interface GridPos { h: number; w: number; x: number; y: number }
interface Panel { id: number; type: string; title: string; gridPos: GridPos; datasource?: { type?: string; uid?: string }; targets?: { refId: string; expr: string }[] }
interface Dashboard {
  title: string; uid: string; schemaVersion: number; editable: boolean; graphTooltip: number; time: { from: string; to: string };
  panels: Panel[]; templating: { list: { name: string; type: string; definition?: string }[] };
}

const dashboard = JSON.parse(readFileSync(join(REPO, 'ops/grafana/fakeout.json'), 'utf8')) as Dashboard;
const queries = dashboard.panels.filter((p) => p.type !== 'row');

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects: what is left once label matchers (`{…}`), ranges
 * (`[…]`), grouping clauses (`by (…)`), strings and `$variables` are taken out, minus functions
 * (a name followed by `(`), keywords and numbers.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  return [...bare.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*(\()?/g)].filter((m) => m[2] === undefined && !PROMQL_WORDS.has(m[1]!.toLowerCase())).map((m) => m[1]!);
}

s('metricNames reads the selected metrics, not functions, labels or keywords', () => {
  assert.equal(metricNames('histogram_quantile(0.95, sum by (stage, le) (rate(fakeout_stage_duration_seconds_bucket{instance=~"$instance"}[$__rate_interval])))'), ['fakeout_stage_duration_seconds_bucket']);
  assert.equal(metricNames('fakeout_breaker_state{state="open"} == 1 and on (instance) up'), ['fakeout_breaker_state', 'up']);
});

s('has the fields the dashboard schema requires', () => {
  assert.type(dashboard.title, 'string');
  assert.ok(dashboard.title.length > 0);
  assert.match(dashboard.uid, /^[A-Za-z0-9_-]{8,40}$/);
  assert.ok(Number.isInteger(dashboard.schemaVersion) && dashboard.schemaVersion >= 36, `schemaVersion ${dashboard.schemaVersion}`);
  assert.type(dashboard.editable, 'boolean');
  assert.ok([0, 1, 2].includes(dashboard.graphTooltip));
  assert.type(dashboard.time.from, 'string');
  assert.ok(queries.length >= 15, `${queries.length} panels`);
});

s('every panel has a unique id, a type, a title and a grid position inside 24 columns, overlapping no other', () => {
  const ids = new Set<number>();
  for (const p of dashboard.panels) {
    assert.ok(Number.isInteger(p.id) && !ids.has(p.id), `${p.title}: id ${p.id}`);
    ids.add(p.id);
    assert.ok(typeof p.type === 'string' && p.type.length > 0 && typeof p.title === 'string' && p.title.length > 0, `panel ${p.id}`);
    const g = p.gridPos;
    assert.ok([g.h, g.w, g.x, g.y].every(Number.isInteger) && g.h > 0 && g.w > 0 && g.x >= 0 && g.y >= 0 && g.x + g.w <= 24, `${p.title}: gridPos ${JSON.stringify(g)}`);
  }
  const overlap = (a: GridPos, b: GridPos) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  for (const [i, a] of dashboard.panels.entries()) {
    for (const b of dashboard.panels.slice(i + 1)) assert.not.ok(overlap(a.gridPos, b.gridPos), `${a.title} overlaps ${b.title}`);
  }
});

s('every query panel reads the datasource variable and has queries with distinct refIds', () => {
  const variables = new Set(dashboard.templating.list.map((v) => v.name));
  for (const p of queries) {
    assert.is(p.datasource?.type, 'prometheus', p.title);
    const uid = /^\$\{(\w+)\}$/.exec(p.datasource?.uid ?? '')?.[1];
    assert.ok(uid !== undefined && variables.has(uid), `${p.title}: datasource ${p.datasource?.uid}`);
    assert.ok((p.targets ?? []).length > 0, `${p.title}: targets`);
    const refs = p.targets!.map((t) => t.refId);
    assert.is(new Set(refs).size, refs.length, `${p.title}: refIds`);
    for (const t of p.targets!) assert.ok(typeof t.expr === 'string' && t.expr.length > 0, `${p.title} ${t.refId}: expr`);
  }
});

s('every metric a query names is one GET /metrics serves (histogram series by their family)', async () => {
  const { app } = makeFixture();
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  await app.close();
  assert.is(res.statusCode, 200);
  const have = families(res.body);
  const served = (name: string) => {
    if (have.has(name)) return true;
    const family = name.replace(/_(bucket|sum|count)$/, '');
    return family !== name && ['histogram', 'summary'].includes(have.get(family) ?? '');
  };
  const used = new Set(queries.flatMap((p) => p.targets!.flatMap((t) => metricNames(t.expr))));
  // a query variable's label_values(metric, label) reads a metric too
  for (const v of dashboard.templating.list) {
    if (v.type === 'query') used.add(/label_values\((\w+)/.exec(v.definition ?? '')?.[1] ?? `unreadable variable ${v.name}`);
  }
  assert.ok(used.size >= 20, `${used.size} metrics used`);
  for (const name of used) assert.ok(served(name), `${name} is served by /metrics`);
  // the series are all on the dashboard
  for (const name of ['fakeout_breaker_state', 'fakeout_breaker_trips_total', 'fakeout_slippage_ratio', 'fakeout_low_liquidity_signals_ratio', 'fakeout_gate_state', 'fakeout_approvals_pending', 'fakeout_integrity_failed', 'fakeout_webhook_requests_total', 'fakeout_consumer_pending', 'fakeout_clock_offset_seconds']) {
    assert.ok(used.has(name), `the dashboard shows ${name}`);
  }
});

s.run();
