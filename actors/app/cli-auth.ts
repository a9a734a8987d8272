/**
 * The auth and audit commands, as functions for cli.ts to mount (it owns the argument switch):
 *   fakeout users add NAME --role ROLE [--password-env VAR]
 *   fakeout totp enroll NAME [--qr PATH] [--replace]
 *   fakeout audit verify
 *   fakeout audit tail [-n|--lines N] [--json]
 * `args` is what follows the two command words, read against {@link AUTH_COMMANDS} by the CLI's
 * one parser (an unknown flag is FAKEOUT_ERR_CLI_USAGE, exit 2). They open the database themselves
 * ({@link withAuthDatabase}), so they work while no fakeout is running (embedded PGlite under
 * FAKEOUT_DATA_DIR; only one process may hold it) or against the same DATABASE_URL as a running one.
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../adapters/db/database.ts';
import { tailAudit, verifyAuditChain, type AuditRecord } from '../../adapters/db/audit-log.repo.ts';
import type { Db } from '../../adapters/db/schema.ts';
import { formatUtc, systemClock, type Clock } from '../../adapters/time/clock.ts';
import { createAuthService } from '../auth/auth.service.ts';
import { lockoutPolicy } from '../auth/lockout.ts';
import type { Config } from '../domain/config.ts';
import { FakeoutError } from '../domain/errors.ts';
import { acquireDataDirLock } from '../../adapters/lock/index.ts';
import { parseCommandArgs, type CommandSyntax } from './cli-args.ts';

export interface AuthCliDeps {
  db: Db;
  clock: Clock;
  config: Pick<Config, 'dataDir' | 'authMaxFailures' | 'authLockSeconds'>;
  /** who is at the keyboard, for the audit log (default `cli:<os user>`) */
  operator: string;
  /** where passwords named by --password-env are read */
  env: Readonly<Record<string, string | undefined>>;
  /** one line of output (stdout) */
  out: (line: string) => void;
}

const DEFAULT_TAIL = 20;

function bad(field: string, message: string): never {
  throw new FakeoutError('FAKEOUT_ERR_AUTH_INVALID', `${field}: ${message}`, { details: { field } });
}

/** The auth and audit commands' grammar, mounted in cli.ts's command table (one parser: cli-args.ts). */
export const AUTH_COMMANDS = Object.freeze({
  'users add': {
    summary: 'add a user with a role (viewer, trader, approver, admin); works with or without a running fakeout (not beside one on embedded Postgres)',
    flags: {
      role: { arg: 'ROLE', help: 'viewer, trader, approver or admin', required: true },
      'password-env': { arg: 'VAR', help: 'read the password (12+ characters, needed for the HTTP API) from this environment variable, never from the command line' },
    },
    positionals: ['NAME'],
  },
  'totp enroll': {
    summary: "give a user a TOTP secret: prints the otpauth:// URI once and writes its QR code (mode 0600)",
    flags: {
      qr: { arg: 'FILE', help: 'where to write the QR PNG (default FAKEOUT_DATA_DIR/secrets/totp-NAME.png)' },
      replace: { help: 'replace an existing enrolment (the old secret stops working)' },
    },
    positionals: ['NAME'],
  },
  'audit verify': {
    summary: 'recompute the audit log hash chain; exit 1 naming the first broken seq',
    flags: {},
    positionals: [],
  },
  'audit tail': {
    summary: 'print the latest audit entries, oldest first',
    flags: {
      lines: { arg: 'N', short: 'n', help: `how many (1..10000, default ${DEFAULT_TAIL})` },
      json: { help: 'one JSON object per line' },
    },
    positionals: [],
  },
} satisfies Record<string, CommandSyntax>);

function service(deps: AuthCliDeps) {
  return createAuthService({
    db: deps.db,
    clock: deps.clock,
    lockout: lockoutPolicy(deps.config.authMaxFailures, deps.config.authLockSeconds),
    secretsDir: join(deps.config.dataDir, 'secrets'),
    operator: deps.operator,
  });
}

/** `fakeout users add NAME --role ROLE [--password-env VAR]`: the password never goes on the command line. */
export async function usersAdd(args: readonly string[], deps: AuthCliDeps): Promise<void> {
  const { positionals, flags } = parseCommandArgs('users add', args, AUTH_COMMANDS['users add']);
  const role = flags.role!;
  const passwordVar = flags['password-env'];
  let password: string | undefined;
  if (passwordVar !== undefined) {
    password = deps.env[passwordVar];
    if (password === undefined || password === '') bad('--password-env', `the environment variable ${passwordVar} is not set`);
  }
  const user = await service(deps).addUser(positionals[0]!, role, password);
  deps.out(`added user ${user.name} (${user.role})${password === undefined ? ', no password' : ''}`);
}

/** `fakeout totp enroll NAME [--qr PATH] [--replace]`: prints the URI once and writes the QR code. */
export async function totpEnroll(args: readonly string[], deps: AuthCliDeps): Promise<void> {
  const { positionals, flags } = parseCommandArgs('totp enroll', args, AUTH_COMMANDS['totp enroll']);
  const qrPath = flags.qr;
  const { uri, secret, qrPath: written } = await service(deps).enrollTotp(positionals[0]!, {
    replace: flags.replace !== undefined,
    ...(qrPath === undefined ? {} : { qrPath }),
  });
  deps.out(`enrolled ${positionals[0]}: scan ${written} (mode 0600) with an authenticator app, then delete it`);
  deps.out(`or enter the secret by hand: ${secret}`);
  deps.out(uri);
  deps.out('the URI and the secret are shown this once; anyone who sees them can make codes');
}

/**
 * `fakeout audit verify`: recomputes the chain.
 * @throws FakeoutError FAKEOUT_ERR_AUDIT_CHAIN_BROKEN naming the first broken seq and why.
 */
export async function auditVerify(deps: Pick<AuthCliDeps, 'db' | 'out'>): Promise<void> {
  const report = await verifyAuditChain(deps.db);
  if (!report.ok) {
    throw new FakeoutError('FAKEOUT_ERR_AUDIT_CHAIN_BROKEN', `audit log broken at seq ${report.firstBadSeq}: ${report.reason}`, {
      details: { seq: report.firstBadSeq, reason: report.reason, rows: report.rows },
    });
  }
  deps.out(`audit log: ${report.rows} rows, hash chain verified`);
}

/** One entry as a line: seq, time (UTC), actor, action, subject, details. */
export function formatAuditLine(r: AuditRecord): string {
  const changes = r.before === null && r.after === null ? '' : ` ${JSON.stringify(r.before)} -> ${JSON.stringify(r.after)}`;
  return `${r.seq}\t${formatUtc(r.at)}\t${r.actor}\t${r.action}\t${r.subject ?? '-'}\t${JSON.stringify(r.details)}${changes}`;
}

/** `fakeout audit tail [--lines N] [--json]`: the last N entries, oldest first. */
export async function auditTail(args: readonly string[], deps: Pick<AuthCliDeps, 'db' | 'out'>): Promise<void> {
  const { flags } = parseCommandArgs('audit tail', args, AUTH_COMMANDS['audit tail']);
  const raw = flags.lines;
  const n = raw === undefined ? DEFAULT_TAIL : /^\d+$/.test(raw) ? Number(raw) : bad('--lines', `expected a whole number, got ${JSON.stringify(raw)}`);
  if (n < 1 || n > 10_000) bad('--lines', `expected 1..10000, got ${n}`);
  for (const r of await tailAudit(deps.db, n)) deps.out(flags.json !== undefined ? JSON.stringify(r) : formatAuditLine(r));
}

/** `cli:<os user>`, or `cli:unknown` where the OS has no user name for this process. */
export function cliOperator(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:unknown';
  }
}

/**
 * Opens the configured database (migrating it), runs `fn`, closes it whatever happens.
 * POLICY: embedded PGlite is one process's at a time (two writers corrupt it), so without
 * DATABASE_URL this takes the data-directory lock first, exactly as `fakeout start` does: beside
 * a running fakeout it refuses with FAKEOUT_ERR_DATA_DIR_LOCKED naming its pid and opens nothing.
 */
export async function withAuthDatabase<T>(
  config: Pick<Config, 'dataDir' | 'databaseUrl' | 'authMaxFailures' | 'authLockSeconds'>,
  fn: (deps: AuthCliDeps) => Promise<T>,
  io: { out?: (line: string) => void; env?: Readonly<Record<string, string | undefined>>; clock?: Clock; operator?: string } = {},
): Promise<T> {
  const lock = config.databaseUrl === undefined ? await acquireDataDirLock(config.dataDir) : undefined;
  let database;
  try {
    database = await openDatabase(config.databaseUrl === undefined ? { dataDir: config.dataDir } : { databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } catch (err) {
    lock?.release();
    throw err;
  }
  try {
    return await fn({
      db: database.db,
      clock: io.clock ?? systemClock,
      config,
      operator: io.operator ?? cliOperator(),
      env: io.env ?? process.env,
      out: io.out ?? ((line) => process.stdout.write(`${line}\n`)),
    });
  } finally {
    await database.close().finally(() => lock?.release());
  }
}
