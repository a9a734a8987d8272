/**
 * Runs every uvu suite under spec/ and prints uvu's summary followed by one plain
 * `N passed, N failed` line that CI tooling can read. `npm test -- features` runs only the files
 * whose path contains "features".
 *
 * The files are split into FAKEOUT_TEST_SHARDS shards (default 2) that run as parallel child
 * processes: most of the suite's time is spent waiting on real servers (nats-server, Postgres,
 * PGlite, Chromium), so two shards on two cores roughly halve it. Every suite starts its own
 * servers on random ports and its own databases, so shards share nothing but the machine. Files
 * are assigned longest first to the least loaded shard, weighted by spec/timings.json (seconds
 * per file from an earlier run; FAKEOUT_TEST_WRITE_TIMINGS=1 rewrites it from this run).
 * FAKEOUT_TEST_SHARDS=1 runs everything in one process, as before.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { assignShards, parseShardLine, runShard, SHARD_FILES_ENV, SHARD_NAME_ENV } from './helpers/shards.ts';

const root = resolve(import.meta.dirname);
const timingsFile = join(root, 'timings.json');

if (process.env[SHARD_FILES_ENV] !== undefined) {
  // A child: run the files it was given, in one process, as uvu does.
  const names = process.env[SHARD_FILES_ENV].split('\n').filter(Boolean);
  await runShard(root, names, process.env[SHARD_NAME_ENV] ?? 'shard');
} else {
  await runParent();
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return walk(full);
    return name.endsWith('.test.ts') ? [full] : [];
  });
}

function readTimings(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(timingsFile, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

async function runParent(): Promise<void> {
  const filters = process.argv.slice(2);
  const files = walk(root)
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .map((f) => relative(root, f))
    .sort();
  const wanted = Number(process.env.FAKEOUT_TEST_SHARDS ?? 2);
  if (!Number.isInteger(wanted) || wanted < 1) {
    process.stderr.write(`FAKEOUT_TEST_SHARDS must be a whole number ≥ 1, got ${JSON.stringify(process.env.FAKEOUT_TEST_SHARDS)}\n`);
    process.exit(2);
  }
  const shards = assignShards(files, readTimings(), wanted);
  const started = performance.now();
  const results = await Promise.all(shards.map((shard, i) => runChild(shard, `${i + 1}/${shards.length}`)));

  let total = 0;
  let passed = 0;
  let skipped = 0;
  const took: Record<string, number> = {};
  for (const r of results) {
    total += r.total;
    passed += r.passed;
    skipped += r.skipped;
    Object.assign(took, r.took);
    if (!r.finished) {
      // A shard that died before its summary: every file it did not report counts as failed.
      const missing = r.files.filter((f) => took[f] === undefined);
      total += missing.length;
      process.stdout.write(`shard ${r.name} ended (${r.exit}) before its summary; files not reported: ${missing.join(', ')}\n`);
    }
  }
  if (process.env.FAKEOUT_TEST_WRITE_TIMINGS === '1') {
    const rounded = Object.fromEntries(Object.entries(took).sort().map(([k, v]) => [k, Math.round(v / 100) / 10]));
    writeFileSync(timingsFile, `${JSON.stringify({ ...readTimings(), ...rounded }, null, 1)}\n`);
  }
  const slowest = Object.entries(took).sort((a, b) => b[1] - a[1]).slice(0, 8);
  if (slowest.length > 1) process.stdout.write(`slowest files: ${slowest.map(([n, ms]) => `${n} ${(ms / 1000).toFixed(1)} s`).join(', ')}\n`);
  // uvu's Total counts the tests that ran; skipped ones are beside it (as uvu prints them)
  const failed = total - passed;
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  process.stdout.write(`\n  Total:     ${total}\n  Passed:    ${passed}\n  Skipped:   ${skipped}\n  Duration:  ${seconds}s (${shards.length} shards)\n\n`);
  process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`);
  process.exit(failed > 0 || results.some((r) => !r.finished || r.exit !== 0) ? 1 : 0);
}

interface ChildResult {
  name: string;
  files: string[];
  finished: boolean;
  exit: number | string;
  total: number;
  passed: number;
  skipped: number;
  took: Record<string, number>;
}

/** Runs one shard as a child process, its output passed through line by line with its name. */
function runChild(files: string[], name: string): Promise<ChildResult> {
  const result: ChildResult = { name, files, finished: false, exit: 0, total: 0, passed: 0, skipped: 0, took: {} };
  const child = spawn(process.execPath, [...process.execArgv, import.meta.filename], {
    env: { ...process.env, [SHARD_FILES_ENV]: files.join('\n'), [SHARD_NAME_ENV]: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pass = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const parsed = parseShardLine(line);
        if (parsed) Object.assign(result, parsed, { finished: true });
        else out.write(`[${name}] ${line}\n`);
      }
    });
    stream.on('end', () => rest && out.write(`[${name}] ${rest}\n`));
  };
  pass(child.stdout, process.stdout);
  pass(child.stderr, process.stderr);
  return new Promise((resolvePromise) => {
    child.on('close', (code, signal) => {
      result.exit = code ?? signal ?? 'unknown';
      resolvePromise(result);
    });
  });
}
