/**
 * What the benchmark creates outside the process (a Postgres database, a temp directory) and
 * the cleanup that removes them, run on success, on error and on Ctrl-C alike.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The local server of the brief (trust auth); BENCH_POSTGRES_URL overrides it. */
export const BENCH_POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Cleanups run last-registered first, each at most once, errors reported and not rethrown. */
export class CleanupStack {
  private readonly steps: { name: string; run: () => Promise<void> }[] = [];

  push(name: string, run: () => Promise<void>): void {
    this.steps.push({ name, run });
  }

  private running: Promise<void> = Promise.resolve();

  /** Concurrent calls (Ctrl-C during the normal cleanup) queue behind each other, keeping the order. */
  runAll(): Promise<void> {
    this.running = this.running.then(() => this.drain());
    return this.running;
  }

  private async drain(): Promise<void> {
    for (let step = this.steps.pop(); step !== undefined; step = this.steps.pop()) {
      try {
        await step.run();
      } catch (err) {
        process.stderr.write(`bench: cleanup "${step.name}" failed: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
  }
}

/** A fresh temp directory, removed by the cleanup. */
export async function benchTempDir(cleanup: CleanupStack): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fakeout-bench-'));
  cleanup.push(`rm ${dir}`, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Creates `fakeout_bench_<random>` and returns its URL; the cleanup drops it WITH (FORCE), so
 * a pool left open by a failed run cannot keep it alive.
 */
export async function benchDatabase(cleanup: CleanupStack): Promise<{ name: string; url: string; serverVersion: string }> {
  const name = `fakeout_bench_${randomBytes(6).toString('hex')}`;
  const version = await adminQuery(`SELECT current_setting('server_version') AS v`);
  await adminQuery(`CREATE DATABASE ${name}`);
  cleanup.push(`drop database ${name}`, async () => void (await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
  const url = new URL(BENCH_POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), serverVersion: String(version[0]?.v ?? '?') };
}

/** Pids of the server backends currently connected to database `name` (same machine only). */
export async function backendPids(name: string): Promise<number[]> {
  const rows = await adminQuery(`SELECT pid FROM pg_stat_activity WHERE datname = '${name.replace(/'/g, "''")}'`);
  return rows.map((r) => Number(r.pid));
}

/** CREATE/DROP DATABASE cannot run in a transaction: one short-lived client per statement. */
async function adminQuery(text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: BENCH_POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return (await client.query(text)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}
