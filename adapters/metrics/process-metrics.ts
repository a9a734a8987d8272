/**
 * prom-client's default Node.js process metrics, under names `promtool check metrics` accepts.
 *
 * prom-client 15 exports three gauges whose names end in `_total` (`nodejs_active_handles_total`,
 * `nodejs_active_requests_total`, `nodejs_active_resources_total`: the number of handles, requests
 * and resources of every type). `_total` is reserved for counters (Prometheus naming
 * conventions), so promtool refuses the whole output. prom-client has no option to rename or
 * leave out one default metric (upstream prometheus/client_js#283 is open), so this module
 * collects the defaults with the supported `collectDefaultMetrics({ register })`, then takes each
 * non-counter `_total` family out of the registry (`removeSingleMetric`) and registers a gauge
 * under the conforming name `<base>_all` whose value is read from prom-client's own gauge at
 * scrape time. The figures stay prom-client's; only the names change.
 */
import { Gauge, collectDefaultMetrics, type Registry } from 'prom-client';

/** The suffix a renamed gauge gets in place of `_total`: "of all types" (the unsuffixed family has a `type` label). */
export const RENAMED_SUFFIX = '_all';

/** A default metric that was renamed: the name prom-client gives it and the one fakeout exports. */
export interface RenamedMetric {
  readonly from: string;
  readonly to: string;
}

/** The conforming name of a non-counter `_total` family: `nodejs_active_handles_total` → `nodejs_active_handles_all`. */
export function conformingName(name: string): string {
  return name.endsWith('_total') ? `${name.slice(0, -'_total'.length)}${RENAMED_SUFFIX}` : name;
}

/**
 * Registers prom-client's default process metrics on `registry`, renaming every non-counter
 * whose name ends in `_total` (see the module comment). Returns what was renamed, so a test can
 * say exactly which families moved (a prom-client upgrade that adds one shows up there).
 */
export function collectProcessMetrics(registry: Registry): RenamedMetric[] {
  collectDefaultMetrics({ register: registry });
  const renamed: RenamedMetric[] = [];
  for (const { name, help, type } of registry.getMetricsAsArray()) {
    if (!name.endsWith('_total') || String(type) === 'counter') continue;
    const original = registry.getSingleMetric(name)!;
    const labelNames = (original as unknown as { labelNames?: readonly string[] }).labelNames ?? [];
    const to = conformingName(name);
    registry.removeSingleMetric(name);
    // WHY read the removed gauge: its own collect() computes the value (process._getActiveHandles()
    // and friends); reimplementing that here would drift from prom-client on an upgrade.
    new Gauge({
      name: to,
      help: `${help} (prom-client's ${name}, renamed: _total is for counters)`,
      labelNames: [...labelNames],
      registers: [registry],
      async collect() {
        const { values } = await original.get();
        this.reset();
        for (const v of values) this.set(v.labels as Record<string, string | number>, v.value);
      },
    });
    renamed.push({ from: name, to });
  }
  return renamed;
}
