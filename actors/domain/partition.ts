/**
 * Partitioned pipeline processes (FAKEOUT_PARTITION=i/n, docs/architecture.md "Partitioned
 * processes"). Pure: the variable's parser, the symbol → partition hash, and the subject token
 * that carries the partition, so a NATS subject filter can select one partition's messages.
 *
 * Why a token in the subject: a JetStream consumer's filter cannot hash. The publisher computes
 * the partition of a symbol (a stable hash mod n) and appends `p<i>of<n>` as the subject's last
 * token (`bars.<symbol>.<tf>.p1of2`); the consumer of partition i filters on it
 * (`bars.*.*.p1of2`). The server's own `{{partition(n, …)}}` mapping (nats-server ≥ 2.8) would
 * compute the same kind of token, but it lives in the server config (one n for everyone, every
 * node of a cluster, a reload to change it) and applies to every message of the account, so
 * the clock ticks, which must reach every partition, would land in one. Putting n in the subject
 * token also keeps two deployments with different n apart: a `0of3` consumer never reads a
 * `p0of2` message, whose symbol a different n may place elsewhere.
 */
import { FakeoutError } from './errors.ts';

/** This process's share of the symbols: partition `index` of `count`. */
export interface Partition {
  readonly index: number;
  readonly count: number;
}

/** At most this many partitions (a process each); more is a typo sooner than a deployment. */
export const MAX_PARTITIONS = 64;

const VARIABLE = 'FAKEOUT_PARTITION';

/**
 * FAKEOUT_PARTITION: unset (one process takes every symbol, today's consumer names) or `i/n`,
 * 0 ≤ i < n, 2 ≤ n ≤ MAX_PARTITIONS. Partitioning splits the pipeline stages only, so it is
 * refused for a role other than `pipeline` (the gateway and the singleton stages stay one), and
 * the partitions share one NATS and one Postgres, so it needs NATS_URL and DATABASE_URL (an
 * embedded nats-server or PGlite is the process's own).
 *
 * @throws FakeoutError FAKEOUT_ERR_CONFIG_INVALID naming FAKEOUT_PARTITION
 */
export function parsePartition(raw: string | undefined, role: string, shared: { natsUrl: string | undefined; databaseUrl: string | undefined } = { natsUrl: 'set', databaseUrl: 'set' }): Partition | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(raw);
  const fail = (why: string): never => {
    throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `${VARIABLE}: ${why}, got ${JSON.stringify(raw)}`, { details: { field: VARIABLE } });
  };
  if (m === null) return fail('expected i/n (this process is partition i of n, e.g. 0/2)');
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 2 || count > MAX_PARTITIONS) return fail(`n must be 2..${MAX_PARTITIONS} (leave it unset for one process)`);
  if (index >= count) return fail(`i must be 0..${count - 1}`);
  if (role !== 'pipeline') return fail(`partitions split role pipeline only; FAKEOUT_ROLE is ${role}`);
  if (shared.natsUrl === undefined || shared.databaseUrl === undefined) return fail('the partitions must share one nats-server and one Postgres: set NATS_URL and DATABASE_URL');
  return Object.freeze({ index, count });
}

/**
 * FNV-1a (32 bit) of the UTF-8 bytes of `text`: small, stable across processes, versions and
 * platforms (no seed), and spreading short symbol names well enough for a handful of partitions.
 */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The partition (0..count−1) that owns a symbol, by its subject token (messages.ts `symbolToken`). */
export function partitionOfToken(symbolToken: string, count: number): number {
  return fnv1a32(symbolToken) % count;
}

/** The subject token of partition `index` of `count`: `p<index>of<count>`. */
export function partitionToken(index: number, count: number): string {
  return `p${index}of${count}`;
}

/** The suffix of consumer (and checkpoint) names of a partition: `bar-builder` → `bar-builder-0of2`. */
export function partitionedName(name: string, p: Partition): string {
  return `${name}-${p.index}of${p.count}`;
}

/**
 * The streams whose messages carry a partition token, with the position of the symbol token in
 * their subjects (`raw.<source>.<symbol>`, `bars.<symbol>.<tf>`, `features.<symbol>.<tf>`): the
 * inputs of the partitioned stages. Their subjects have three tokens; with the partition, four.
 */
export const PARTITIONED_SUBJECTS: Readonly<Record<string, { prefix: string; symbolAt: number }>> = Object.freeze({
  RAW: { prefix: 'raw', symbolAt: 2 },
  BARS: { prefix: 'bars', symbolAt: 1 },
  FEATURES: { prefix: 'features', symbolAt: 1 },
});

const BY_PREFIX = new Map(Object.values(PARTITIONED_SUBJECTS).map((s) => [s.prefix, s.symbolAt]));

/**
 * The subject a message is published on when the pipeline runs in `count` partitions: a
 * three-token subject of a partitioned stream gets its partition token appended; anything else
 * (SCORES, SIGNALS, ORDERS, or a subject that already carries its partition, such as the clock's
 * per-partition ticks) is left as it is.
 */
export function partitionedSubject(subject: string, count: number): string {
  const parts = subject.split('.');
  const at = parts.length === 3 ? BY_PREFIX.get(parts[0]!) : undefined;
  if (at === undefined) return subject;
  return `${subject}.${partitionToken(partitionOfToken(parts[at]!, count), count)}`;
}

/** The subject filter of partition `p` on a partitioned stream (`raw.*.*.p0of2`). */
export function partitionFilter(stream: string, p: Partition): string {
  const s = PARTITIONED_SUBJECTS[stream];
  if (s === undefined) throw new Error(`stream ${stream} is not partitioned`);
  return `${s.prefix}.*.*.${partitionToken(p.index, p.count)}`;
}
