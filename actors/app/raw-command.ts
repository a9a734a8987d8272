/**
 * `fakeout raw export --from T --to T FILE` and `fakeout raw verify-export FILE`
 * (actors/integrity/export-format.ts, docs/integrity.md "Archive").
 *
 * export: the contiguous piece of the `raw_events` chain from the first row received at or after
 * `--from` through the last received at or before `--to` (every row between, whatever its own
 * receive time, so each links to the one before), written to FILE (mode 0600, never over an
 * existing file). Same database rule as `audit verify` (cli-auth.ts `withAuthDatabase`).
 * verify-export: offline, reads only FILE.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Config } from '../domain/config.ts';
import { FakeoutError } from '../domain/errors.ts';
import { formatUtc } from '../../adapters/time/clock.ts';
import { withDbErrors } from '../../adapters/db/db-errors.ts';
import type { Db } from '../../adapters/db/schema.ts';
import { exportText, verifyExportText, type ExportRow } from '../integrity/export-format.ts';
import { parseCommandArgs, timeFlag, usageError, type CommandSyntax } from './cli-args.ts';
import { withAuthDatabase } from './cli-auth.ts';

export const RAW_COMMANDS = Object.freeze({
  'raw export': {
    summary: 'write the raw events received from --from to --to, with their hashes and a manifest hash, to FILE (a new file) for an archive kept elsewhere',
    flags: {
      from: { arg: 'TIME', help: 'first receive time (ISO 8601 or epoch ms)', required: true },
      to: { arg: 'TIME', help: 'last receive time (ISO 8601 or epoch ms)', required: true },
    },
    positionals: ['FILE'],
  },
  'raw verify-export': {
    summary: 'check an archive written by raw export, offline: every hash, every link, the manifest; exit 1 naming each problem',
    flags: {},
    positionals: ['FILE'],
  },
} satisfies Record<string, CommandSyntax>);


/** The rows of the contiguous chain piece between the receive times. */
export async function exportRows(db: Db, from: number, to: number): Promise<ExportRow[]> {
  return withDbErrors('export raw events', async () => {
    const first = await db.selectFrom('raw_events').select('seq').where('received_at', '>=', from).orderBy('seq').limit(1).executeTakeFirst();
    const last = await db.selectFrom('raw_events').select('seq').where('received_at', '<=', to).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    if (first === undefined || last === undefined || Number(first.seq) > Number(last.seq)) return [];
    const rows = await db
      .selectFrom('raw_events')
      .select(['seq', 'id', 'envelope', 'content_sha256', 'prev_sha256', 'row_sha256'])
      .where('seq', '>=', first.seq)
      .where('seq', '<=', last.seq)
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  });
}

export async function runRawExport(args: readonly string[], config: Pick<Config, 'dataDir' | 'databaseUrl' | 'authMaxFailures' | 'authLockSeconds'>, io: { out: (line: string) => void }): Promise<void> {
  const { flags, positionals } = parseCommandArgs('raw export', args, RAW_COMMANDS['raw export']);
  const from = timeFlag('raw export', 'from', flags.from!);
  const to = timeFlag('raw export', 'to', flags.to!);
  if (to < from) throw usageError('fakeout raw export: --to is before --from', '--to');
  const file = positionals[0]!;
  if (existsSync(file)) throw usageError(`fakeout raw export: ${file} exists; an archive is never overwritten`, 'FILE');
  const rows = await withAuthDatabase(config, (deps) => exportRows(deps.db, from, to));
  writeFileSync(file, exportText(rows, { from, to }), { mode: 0o600, flag: 'wx' });
  const range = rows.length === 0 ? 'no rows' : `seq ${rows[0]!.seq}..${rows.at(-1)!.seq}, last row_sha256 ${rows.at(-1)!.row_sha256}`;
  io.out(`raw export: ${rows.length} events received ${formatUtc(from)}..${formatUtc(to)} written to ${file} (${range})`);
}

export async function runRawVerifyExport(args: readonly string[], io: { out: (line: string) => void }): Promise<void> {
  const { positionals } = parseCommandArgs('raw verify-export', args, RAW_COMMANDS['raw verify-export']);
  const file = positionals[0]!;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FakeoutError('FAKEOUT_ERR_INGEST_FILE', `${file}: ${(err as Error).message}`, { details: { field: 'FILE' } });
  }
  const r = verifyExportText(text);
  if (r.ok) {
    io.out(`raw export ${file}: ${r.count} events${r.count === 0 ? '' : ` (seq ${r.firstSeq}..${r.lastSeq}, last row_sha256 ${r.lastRowSha})`}, verified`);
    return;
  }
  for (const p of r.problems) io.out(`  ${p}`);
  throw new FakeoutError('FAKEOUT_ERR_INTEGRITY_FAILED', `raw export ${file}: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`, { details: { problems: r.problems.length } });
}
