/**
 * The test runner's shards (see spec/run.ts): how files are split, what a shard runs, and the one
 * machine-readable line a shard ends with so the parent can add the shards' counts up.
 */
import { join } from 'node:path';
import { run } from 'uvu/run';

export const SHARD_FILES_ENV = 'FAKEOUT_TEST_SHARD_FILES';
export const SHARD_NAME_ENV = 'FAKEOUT_TEST_SHARD_NAME';
const RESULT_PREFIX = '@@fakeout-shard ';

export interface ShardCounts {
  total: number;
  passed: number;
  skipped: number;
  /** milliseconds per file, by the file's path relative to spec/ */
  took: Record<string, number>;
}

/**
 * Splits `files` into at most `count` shards, longest first onto the least loaded shard (the LPT
 * rule), weighting each file by `seconds[file]` — a file with no recorded time weighs as the
 * median of the recorded ones (1 s when none is recorded). Each shard keeps its files in path order.
 */
export function assignShards(files: readonly string[], seconds: Readonly<Record<string, number>>, count: number): string[][] {
  const known = files.map((f) => seconds[f]).filter((s): s is number => typeof s === 'number' && s >= 0).sort((a, b) => a - b);
  const fallback = known[Math.floor(known.length / 2)] ?? 1;
  const weight = (f: string) => {
    const s = seconds[f];
    return typeof s === 'number' && s >= 0 ? s : fallback;
  };
  const n = Math.max(1, Math.min(count, files.length));
  const shards = Array.from({ length: n }, () => ({ load: 0, files: [] as string[] }));
  const order = [...files].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
  for (const file of order) {
    const lightest = shards.reduce((best, s) => (s.load < best.load ? s : best), shards[0]!);
    lightest.files.push(file);
    lightest.load += weight(file);
  }
  return shards.map((s) => s.files.sort()).filter((s) => s.length > 0);
}

/** The counts a shard reported, or undefined when `line` is ordinary output. */
export function parseShardLine(line: string): ShardCounts | undefined {
  if (!line.startsWith(RESULT_PREFIX)) return undefined;
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as ShardCounts;
}

/** Runs `names` (paths relative to `root`) with uvu in this process and reports the counts. */
export async function runShard(root: string, names: readonly string[], label: string): Promise<void> {
  const counts: ShardCounts = { total: 0, passed: 0, skipped: 0, took: {} };
  // How long each file took (from one file's name in uvu's output to the next).
  const known = new Set(names);
  let current: { name: string; at: number } | undefined;
  const mark = (name: string | undefined) => {
    const now = performance.now();
    if (current) counts.took[current.name] = now - current.at;
    current = name === undefined ? undefined : { name, at: now };
  };
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
    const t = /Total:\s+(\d+)/.exec(plain);
    if (t) counts.total = Number(t[1]);
    const p = /Passed:\s+(\d+)/.exec(plain);
    if (p) counts.passed = Number(p[1]);
    const s = /Skipped:\s+(\d+)/.exec(plain);
    if (s) counts.skipped = Number(s[1]);
    for (const line of plain.split('\n')) if (known.has(line.trim())) mark(line.trim());
    if (t) mark(undefined);
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;

  await run(names.map((name) => ({ name, file: join(root, name) })), { bail: false });
  process.stdout.write = write;
  write(`shard ${label}: ${counts.passed} of ${counts.total} passed\n`);
  write(`${RESULT_PREFIX}${JSON.stringify(counts)}\n`);
  // Integration suites close their servers; anything left open must not keep CI waiting.
  setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
}
