/**
 * Keeps docs/operations.md true where it restates the code: the metric table against the
 * metrics registry, the stream and consumer tables against the JetStream topology, and the
 * supervision tree drawing against buildTree.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildTree, type TreeWorker } from '../../actors/app/tree.ts';
import { entriesFor, HTTP_WORKER, workerPolicy } from '../../actors/app/roles.ts';
import { BAR_EVENT_OUTCOMES, createMetrics, INGEST_OUTCOMES, INGEST_SOURCES, STAGE_OUTCOMES } from '../../adapters/metrics/index.ts';
import { TOPOLOGY } from '../../adapters/nats/index.ts';
import type { ChildSpec, SupervisorSpec } from '../../supervision/index.ts';

const s = suite('docs/operations.md');

const ROOT = resolve(import.meta.dirname, '../..');
const PAGE = join(ROOT, 'docs/operations.md');
const md = existsSync(PAGE) ? readFileSync(PAGE, 'utf8') : '';

/** Table rows whose first cell is a backticked name: name → the other cells, trimmed. */
function rowsByName(text: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^\|\s*`([^`]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (m) rows.set(m[1]!, m[2]!.split('|').map((c) => c.trim()));
  }
  return rows;
}

/** The backticked words of a cell, e.g. "`actor`, `state`" → ['actor', 'state']. */
function ticked(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

async function fakeoutMetrics(): Promise<{ name: string; type: string; labels: string[] }[]> {
  const { registry } = createMetrics();
  const all = await registry.getMetricsAsJSON();
  return all
    .filter((m) => m.name.startsWith('fakeout_'))
    .map((m) => {
      const metric = registry.getSingleMetric(m.name) as unknown as { labelNames?: readonly string[] };
      return { name: m.name, type: String(m.type), labels: [...(metric.labelNames ?? [])] };
    });
}

s('the page exists', () => {
  assert.ok(md.length > 0, 'docs/operations.md');
});

s('every fakeout metric has a row with its type and exactly its labels', async () => {
  const metrics = await fakeoutMetrics();
  assert.ok(metrics.length >= 9, `found ${metrics.length} metrics`);
  const rows = rowsByName(md);
  for (const m of metrics) {
    const row = rows.get(m.name);
    assert.ok(row !== undefined, `${m.name} has a row`);
    assert.is(row[0], m.type, `${m.name}: type`);
    assert.equal(ticked(row[1]!).sort(), [...m.labels].sort(), `${m.name}: labels`);
    if (m.labels.length === 0) assert.is(row[1], 'none', `${m.name}: labels`);
  }
});

s('every fakeout_ name on the page is a registered metric (or a histogram series of one)', async () => {
  const names = new Set((await fakeoutMetrics()).map((m) => m.name));
  const used = new Set([...md.matchAll(/\bfakeout_[a-z_]+/g)].map((m) => m[0]));
  const unknown = [...used].filter((n) => !names.has(n) && !names.has(n.replace(/_(bucket|sum|count)$/, '')));
  assert.equal(unknown, []);
});

s('the label values the metrics table lists are the ones the code uses', () => {
  const rows = rowsByName(md);
  const ingested = ticked(rows.get('fakeout_ingested_total')?.[2] ?? '');
  for (const v of [...INGEST_SOURCES, ...INGEST_OUTCOMES]) assert.ok(ingested.includes(v), `fakeout_ingested_total lists ${v}`);
  const stage = ticked(rows.get('fakeout_stage_messages_total')?.[2] ?? '');
  for (const v of STAGE_OUTCOMES) assert.ok(stage.includes(v), `fakeout_stage_messages_total lists ${v}`);
  const bars = ticked(rows.get('fakeout_bar_events_total')?.[2] ?? '');
  for (const v of BAR_EVENT_OUTCOMES) assert.ok(bars.includes(v), `fakeout_bar_events_total lists ${v}`);
});

s('the stream table matches TOPOLOGY: subjects, duplicate window, immutability', () => {
  const rows = rowsByName(md);
  for (const spec of TOPOLOGY.streams) {
    const row = rows.get(spec.name);
    assert.ok(row !== undefined, `stream ${spec.name} has a row`);
    for (const subject of spec.subjects) assert.ok(ticked(row[0]!).includes(subject), `${spec.name}: subject ${subject}`);
    assert.is(row[1], `${spec.duplicateWindowMs / 60_000} min`, `${spec.name}: duplicate window`);
    assert.is(row[2]!.startsWith('yes'), spec.immutable, `${spec.name}: immutable`);
  }
});

s('the consumer table matches TOPOLOGY, and the shared consumer settings are the declared ones', () => {
  const rows = rowsByName(md);
  for (const spec of TOPOLOGY.consumers) {
    const row = rows.get(spec.durable);
    assert.ok(row !== undefined, `consumer ${spec.durable} has a row`);
    assert.is(row[0], spec.stream, `${spec.durable}: stream`);
    assert.is(row[1], spec.filterSubject === undefined ? '—' : `\`${spec.filterSubject}\``, `${spec.durable}: filter subject`);
    const ackWait = Number(/`ack_wait` (\d+) s/.exec(md)?.[1]);
    const maxAckPending = Number(/`max_ack_pending` ([\d ]+)/.exec(md)?.[1]?.replace(/ /g, ''));
    const maxDeliver = Number(/`max_deliver` (-?\d+)/.exec(md)?.[1]);
    assert.is(spec.ackWaitMs, ackWait * 1000, `${spec.durable}: ack_wait`);
    assert.is(spec.maxAckPending, maxAckPending, `${spec.durable}: max_ack_pending`);
    assert.is(spec.maxDeliver, maxDeliver, `${spec.durable}: max_deliver`);
  }
});

s('the supervision tree drawing matches buildTree for role all', () => {
  const never = () => {
    throw new Error('not started in this test');
  };
  const workers: TreeWorker[] = [
    { ...HTTP_WORKER, start: never },
    ...entriesFor('all').map((e) => ({ id: e.id, group: e.group, ...workerPolicy(e), start: never })),
  ];
  const tree = buildTree(workers, never);
  const drawing = /## The supervision tree[\s\S]*?```\n([\s\S]*?)```/.exec(md)?.[1] ?? '';
  assert.ok(drawing.length > 0, 'the page draws the tree');
  const lines = drawing.split('\n');
  const lineOf = (id: string) => lines.find((l) => new RegExp(`(^|[─ ])${id}( |$)`).test(l));

  const visit = (spec: ChildSpec | SupervisorSpec) => {
    const line = lineOf(spec.id);
    assert.ok(line !== undefined, `${spec.id} is drawn`);
    if (spec.kind === 'supervisor') {
      assert.ok(line.includes(`${spec.id} (${spec.strategy}`), `${spec.id}: strategy ${spec.strategy}`);
      const { maxRestarts, withinMs } = spec.intensity;
      assert.ok(line.includes(`more than ${maxRestarts} restarts in ${withinMs / 1000} s`), `${spec.id}: intensity`);
      if (spec.backoff) {
        const b = spec.backoff;
        const first = b.firstMs === undefined ? '' : `${b.firstMs} ms for a first restart, then `;
        const text = `backoff ${first}${b.initialMs} ms → ${b.maxMs / 1000} s, ×${b.factor ?? 2}, ±${(b.jitter ?? 0.2) * 100} %`;
        assert.ok(line.includes(text), `${spec.id}: ${text}`);
      }
      for (const child of spec.children) visit(child);
    } else {
      assert.ok(line.includes(spec.restart), `${spec.id}: ${spec.restart}`);
      assert.ok(line.includes(`shutdown ${(spec.shutdownMs ?? 5000) / 1000} s`), `${spec.id}: shutdown`);
    }
  };
  visit(tree);
});

s.run();
