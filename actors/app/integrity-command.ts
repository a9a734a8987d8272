/**
 * `fakeout integrity verify [--full]`: the integrity auditor on demand (actors/integrity/).
 *
 * It reads RAW as the read-only `ops` NATS user (STREAM.MSG.GET by seq, nats.conf) and
 * raw_events from the configured database, and appends one audit entry.
 * POLICY: embedded PGlite and the embedded nats-server are one process's at a time, so without
 * DATABASE_URL or without NATS_URL this takes the data-directory lock first, as
 * `fakeout start` and `audit verify` do: beside a running fakeout on the same data directory it
 * refuses with FAKEOUT_ERR_DATA_DIR_LOCKED (against DATABASE_URL + NATS_URL it runs beside one).
 * Without NATS_URL it starts the embedded nats-server on the data directory's store for
 * the run and stops it after.
 */
import { openDatabase } from '../../adapters/db/database.ts';
import { acquireDataDirLock } from '../../adapters/lock/index.ts';
import { createLogger } from '../../adapters/log/index.ts';
import { connectNats } from '../../adapters/nats/index.ts';
import { createBus } from '../../adapters/nats/bus.ts';
import { systemClock, type Clock } from '../../adapters/time/clock.ts';
import { natsPasswordOf, natsPasswordVariable, type Config } from '../domain/config.ts';
import { FakeoutError } from '../domain/errors.ts';
import { formatIntegrityResult, runIntegrityCheck, type RawReader } from '../integrity/integrity.service.ts';
import { parseCommandArgs, type CommandSyntax } from './cli-args.ts';
import { cliOperator } from './cli-auth.ts';
import { EmbeddedNats } from './messaging.ts';

export const INTEGRITY_COMMANDS = Object.freeze({
  'integrity verify': {
    summary: 'reconcile RAW against raw_events and re-walk the hash chain from the last verified point; exit 1 naming each problem by seq and id (not beside a running fakeout on embedded Postgres/NATS)',
    flags: { full: { help: 're-walk everything from seq 1, not only what is new since the last clean run' } },
    positionals: [],
  },
} satisfies Record<string, CommandSyntax>);

type IntegrityConfig = Pick<Config, 'dataDir' | 'databaseUrl' | 'natsUrl' | 'logLevel'> & Parameters<typeof natsPasswordOf>[0];

export async function runIntegrityVerify(
  args: readonly string[],
  config: IntegrityConfig,
  io: { out: (line: string) => void; err?: (line: string) => void; clock?: Clock; operator?: string },
): Promise<void> {
  const { flags } = parseCommandArgs('integrity verify', args, INTEGRITY_COMMANDS['integrity verify']);
  const err = io.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (config.natsUrl !== undefined && natsPasswordOf(config, 'ops') === undefined) {
    const v = natsPasswordVariable('ops');
    throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `${v}: integrity verify reads RAW as NATS user ops; set ${v}`, { details: { field: v } });
  }
  const embedded = config.databaseUrl === undefined || config.natsUrl === undefined;
  const lock = embedded ? await acquireDataDirLock(config.dataDir) : undefined;
  const closers: Array<() => Promise<unknown>> = [];
  try {
    let servers = config.natsUrl;
    let pass = natsPasswordOf(config, 'ops');
    if (servers === undefined) {
      const nats = new EmbeddedNats(config.dataDir, createLogger(config.logLevel, process.stderr), lock!);
      await nats.ensure();
      closers.push(() => nats.stop());
      servers = nats.url;
      pass = nats.credentials('ops').pass;
    }
    const database = await openDatabase(config.databaseUrl === undefined ? { dataDir: config.dataDir } : { databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    closers.push(() => database.close());
    const nc = await connectNats({ servers, user: 'ops', pass: pass!, name: 'fakeout-cli-integrity' });
    closers.push(() => nc.close());
    const bus = await createBus(nc);
    let last = 0;
    const result = await runIntegrityCheck({
      db: database.db,
      raw: bus satisfies RawReader,
      clock: io.clock ?? systemClock,
      actor: io.operator ?? cliOperator(),
      full: flags.full !== undefined,
      onProgress: (p) => {
        const now = performance.now();
        if (now - last < 1000 && p.to < p.through) return;
        last = now;
        err(`integrity: seq ${p.to} of ${p.through}, ${p.rows} rows`);
      },
    });
    const lines = formatIntegrityResult(result);
    if (result.ok) {
      for (const l of lines) io.out(l);
      return;
    }
    for (const l of lines.slice(1)) io.out(l);
    throw new FakeoutError('FAKEOUT_ERR_INTEGRITY_FAILED', lines[0]!.replace(/^integrity: /, ''), { details: { problems: result.problems.length } });
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    lock?.release();
  }
}
