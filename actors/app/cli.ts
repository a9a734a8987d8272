/**
 * `fakeout` command line. The commands and their flags are the table {@link COMMANDS}; the
 * usage text is generated from it and one strict parser reads it (`cli-args.ts`).
 *
 * Exit status: 0 done; 1 a failure (a replay file that could not be replayed, nothing running
 * at the URL, an error at start); 2 a command line that was not understood (the usage is printed).
 * Run it as `npx fakeout …` or through its bin, never under a wrapper that does not pass
 * signals on (see `npm start` in package.json and docs/operations.md).
 */
import { systemClock } from '../../adapters/time/clock.ts';
import { resolve } from 'node:path';
import { createLogger } from '../../adapters/log/index.ts';
import { FakeoutError, isFakeoutError } from '../domain/errors.ts';
import { loadConfig } from '../domain/config.ts';
import { FORMAT_NAMES, isFormatName, isValidSymbol } from '../ingest/formats/index.ts';
import type { ReplayProgress, ReplayRequest } from '../ingest/replay.actor.ts';
import { startApp, type App } from './app.ts';
import { ensureFirstAdmin, type FirstAdmin } from './dashboard-wiring.ts';
import { parseCommandArgs, usageError, usageText, type CommandSyntax } from './cli-args.ts';
import { AUTH_COMMANDS, auditTail, auditVerify, totpEnroll, usersAdd, withAuthDatabase } from './cli-auth.ts';
import { INTEGRITY_COMMANDS, runIntegrityVerify } from './integrity-command.ts';
import { RAW_COMMANDS, runRawExport, runRawVerifyExport } from './raw-command.ts';
import { ORDER_COMMANDS, runOrdersCommand, type OrderCommand } from './orders-command.ts';
import { CONFIG_COMMANDS, runConfigCommand, type ConfigCommand } from './config-command.ts';
import { CHECK_COMMANDS, runCheckCommand } from './check-command.ts';
import { BACKTEST_COMMANDS, runBacktestCommand } from './backtest-command.ts';
import { getConfigVersion, listConfigProposals, listConfigVersions } from '../../adapters/db/config.repo.ts';
import { listOrdersByStatus } from '../../adapters/db/orders.repo.ts';
import { ORDER_STATUS } from '../execution/order-messages.ts';
const PENDING_APPROVAL = ORDER_STATUS.pendingApproval;
import { formatTree } from './format-tree.ts';
import { hasWebhookIntake } from './roles.ts';
import { runSignalsCommand } from './signals-command.ts';
import { formatSummary, readSummary } from './summary.ts';

export const COMMANDS = Object.freeze({
  start: {
    summary: 'the main job: replay FAKEOUT_REPLAY, print the summary, serve the webhook until SIGINT/SIGTERM',
    flags: {
      inspect: { help: 'relay every actor to the Stately inspector (as FAKEOUT_INSPECT=true); the viewer URL is printed at start' },
    },
    positionals: [],
  },
  replay: {
    summary: 'replay one file through the pipeline, print the summary, exit (1 if the file could not be replayed)',
    flags: {
      symbol: { arg: 'SYMBOL', help: 'the symbol of every row (default: from the file name); the same file under another symbol is a new replay' },
      format: { arg: 'FORMAT', help: `skip format detection: ${FORMAT_NAMES.join(', ')}` },
    },
    positionals: ['FILE'],
  },
  actors: {
    summary: 'print the supervision tree of a running fakeout',
    flags: { url: { arg: 'URL', help: 'where it serves HTTP (default: http://HOST:PORT from the environment)' } },
    positionals: [],
  },
  signals: {
    summary: 'print the signals of a running fakeout, oldest first; --follow keeps printing new ones until Ctrl-C',
    flags: {
      symbol: { arg: 'SYMBOL', help: 'only this symbol' },
      since: { arg: 'TIME', help: 'bars opened at or after this time (ISO 8601 or epoch ms)' },
      limit: { arg: 'N', help: 'at most N, the newest (1..1000, default 100)' },
      follow: { help: 'keep printing new signals from the live stream' },
      url: { arg: 'URL', help: 'where it serves HTTP (default: http://HOST:PORT from the environment)' },
    },
    positionals: [],
  },
  ...AUTH_COMMANDS,
  ...ORDER_COMMANDS,
  ...INTEGRITY_COMMANDS,
  ...CONFIG_COMMANDS,
  ...RAW_COMMANDS,
  ...CHECK_COMMANDS,
  ...BACKTEST_COMMANDS,
} satisfies Record<string, CommandSyntax>);

type CommandName = keyof typeof COMMANDS;

/** `fakeout users add`: the first word of each two-word command, and its second words. */
function commandGroups(): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const name of Object.keys(COMMANDS)) {
    const [first, second] = name.split(' ');
    if (second !== undefined) groups.set(first!, [...(groups.get(first!) ?? []), second]);
  }
  return groups;
}

/** Splits argv into the command (one or two words, as the table names it) and its arguments. */
export function commandOf(argv: readonly string[]): { cmd: CommandName; args: string[] } {
  const [first = '', second] = argv;
  const two = `${first} ${second ?? ''}`;
  if (second !== undefined && Object.hasOwn(COMMANDS, two)) return { cmd: two as CommandName, args: argv.slice(2) };
  const words = commandGroups().get(first);
  if (words !== undefined) {
    throw usageError(`fakeout ${first}: expected ${words.map((w) => `${first} ${w}`).join(', ')}${second === undefined ? '' : `, not ${JSON.stringify(second)}`}`, 'command');
  }
  if (Object.hasOwn(COMMANDS, first)) return { cmd: first as CommandName, args: argv.slice(1) };
  throw usageError(`fakeout: unknown command ${JSON.stringify(first)}`, 'command');
}

export const USAGE = usageText(COMMANDS);

/** Replay outcome per file, as the replay actor reported it. */
type ReplayOutcome = { file: string; failure?: string };

function progressPrinter(outcomes: ReplayOutcome[]): (p: ReplayProgress) => void {
  let last = 0;
  return (p) => {
    if (p.error) {
      process.stderr.write(`replay ${p.file}: SKIPPED — ${p.error}\n`);
      outcomes.push({ file: p.file, failure: p.error });
      return;
    }
    if (p.alreadyReplayed) {
      process.stderr.write(`replay ${p.file}: already replayed (${p.linesDone} lines, published ${p.published}) — skipped\n`);
      outcomes.push({ file: p.file });
      return;
    }
    const now = performance.now();
    if (!p.done && now - last < 1000) return;
    last = now;
    process.stderr.write(
      `replay ${p.file}: line ${p.linesDone}, published ${p.published}` +
        (p.duplicates ? `, duplicates ${p.duplicates}` : '') +
        (p.badRows ? `, bad rows ${p.badRows}` : '') +
        (p.done ? ' — done' : '') +
        '\n',
    );
    if (p.done) {
      // POLICY: a file none of whose rows reached RAW was not replayed, whatever the reason.
      const none = p.published + p.duplicates === 0;
      outcomes.push({ file: p.file, failure: none ? `no good rows (${p.linesDone} lines read, ${p.badRows} bad)` : undefined });
    }
  };
}

async function runPipeline(replay: ReplayRequest[] | undefined, keepServing: boolean, env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(env);
  // Logs go to stderr so that the summary on stdout stays readable and pipeable.
  const log = createLogger(config.logLevel, process.stderr);
  const outcomes: ReplayOutcome[] = [];
  let app: App | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    if (stopping) return;
    process.stderr.write(`\n${signal}: stopping intake, draining stages…\n`);
    stopping = (app ? app.stop() : Promise.resolve()).then(
      () => process.exit(0),
      (err) => {
        log.error({ reason: String(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  app = await startApp({
    config,
    log,
    replay,
    onReplayProgress: progressPrinter(outcomes),
    onFatal: (reason) => {
      log.error({ reason }, 'root supervisor gave up; exiting');
      void app?.stop().finally(() => process.exit(1));
    },
  });
  const url = app.httpUrl();
  // Only the roles that ingest serve the webhook (a gateway process answers 404 there): say what this process serves.
  const webhook = hasWebhookIntake(config.role);
  if (url) process.stderr.write(`fakeout is up: ${url}/actors  ${url}/metrics${webhook ? `  POST ${url}/webhook/tradingview` : ''}\n`);
  if (url && keepServing) process.stderr.write(firstLoginText(url, await ensureFirstAdmin(config, systemClock, app.database.db, resolve(config.dataDir))));
  if (app.inspector) process.stderr.write(`Stately inspector: open ${app.inspector.viewerUrl} (events on ${app.inspector.url})\n`);
  await app.waitForIdle();
  if (stopping) return;
  process.stdout.write(formatSummary(await readSummary(app.database.db)));
  if (keepServing) {
    process.stdout.write(webhook ? `serving the webhook on ${url}/webhook/tradingview — Ctrl-C to stop\n` : `serving ${url} (role ${config.role}) — Ctrl-C to stop\n`);
    return;
  }
  await app.stop();
  const failed = outcomes.filter((o) => o.failure !== undefined);
  for (const f of failed) process.stderr.write(`fakeout: replay of ${f.file} failed: ${f.failure}\n`);
  if (failed.length > 0) process.exitCode = 1;
}

/**
 * The dashboard URL and how to log in the first time. POLICY: a generated password goes to the
 * terminal once and nowhere else (not the JSON log): only its scrypt hash is stored.
 */
export function firstLoginText(url: string, first: FirstAdmin): string {
  const lines = [`dashboard: ${url}/ui/`];
  if (first.created && first.source === 'generated') {
    lines.push(`  first login: user ${first.user}, password ${first.password}`);
    lines.push('  (generated now and shown only this once; set FAKEOUT_ADMIN_PASSWORD before the first start to choose it; add more users with `fakeout users add`)');
  } else if (first.created) {
    lines.push(`  first login: user ${first.user} with the password in FAKEOUT_ADMIN_PASSWORD`);
  } else {
    lines.push('  log in with a user of `fakeout users add NAME --role ROLE --password-env VAR`');
  }
  return `${lines.join('\n')}\n`;
}

function replayRequest(args: readonly string[]): ReplayRequest {
  const { flags, positionals } = parseCommandArgs('replay', args, COMMANDS.replay);
  const { symbol, format } = flags;
  if (format !== undefined && !isFormatName(format)) {
    throw usageError(`fakeout replay: --format ${JSON.stringify(format)} is not a format; known: ${FORMAT_NAMES.join(', ')}`, '--format');
  }
  if (symbol !== undefined && !isValidSymbol(symbol)) {
    throw usageError(`fakeout replay: --symbol ${JSON.stringify(symbol)} must be 1-64 characters of A-Z a-z 0-9 . _ : / -`, '--symbol');
  }
  return { path: positionals[0]!, ...(symbol === undefined ? {} : { symbol }), ...(format === undefined ? {} : { format }) };
}

/** How long `fakeout actors` waits for an answer from something that accepted the connection. */
const ACTORS_TIMEOUT_MS = 5000;

async function printActors(url: string): Promise<void> {
  const base = url.replace(/\/$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}/actors`, { signal: AbortSignal.timeout(ACTORS_TIMEOUT_MS) });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'TimeoutError') {
      throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `no answer from ${url} within ${ACTORS_TIMEOUT_MS / 1000} s`, { details: { field: '--url' } });
    }
    // Nothing listening (or no such host): the plain fact, as the one line a script can test for.
    throw new FakeoutError('FAKEOUT_ERR_CLI_UNREACHABLE', `no fakeout running at ${url}`, { details: { field: '--url' } });
  }
  if (!res.ok) throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `GET ${base}/actors answered ${res.status}: is that a fakeout?`, { details: { field: '--url' } });
  process.stdout.write(formatTree(await res.json()) + '\n');
}

/** `fakeout signals …`: the listing, or with --follow the live stream until Ctrl-C (then exit 0). */
async function printSignals(flags: Record<string, string>, env: NodeJS.ProcessEnv): Promise<void> {
  const url = flags.url ?? defaultUrl(env);
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  try {
    const { symbol, since, limit } = flags;
    await runSignalsCommand(
      { url, follow: flags.follow !== undefined, ...(symbol === undefined ? {} : { symbol }), ...(since === undefined ? {} : { since }), ...(limit === undefined ? {} : { limit }) },
      process.stdout,
      stop.signal,
    );
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function defaultUrl(env: NodeJS.ProcessEnv): string {
  const config = loadConfig(env);
  return `http://${config.host}:${config.port}`;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const [cmd] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h' || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const { cmd: command, args: rest } = commandOf(argv);
  const io = { env, out: (line: string) => process.stdout.write(`${line}\n`) };
  switch (command) {
    case 'start': {
      const { flags } = parseCommandArgs('start', rest, COMMANDS.start);
      return runPipeline(undefined, true, flags.inspect === undefined ? env : { ...env, FAKEOUT_INSPECT: 'true' });
    }
    case 'replay':
      return runPipeline([replayRequest(rest)], false, env);
    case 'actors': {
      const { flags } = parseCommandArgs('actors', rest, COMMANDS.actors);
      return printActors(flags.url ?? defaultUrl(env));
    }
    case 'signals':
      return printSignals(parseCommandArgs('signals', rest, COMMANDS.signals).flags, env);
    case 'users add':
      parseCommandArgs(command, rest, COMMANDS[command]); // a bad command line opens nothing
      return withAuthDatabase(loadConfig(env), (deps) => usersAdd(rest, deps), io);
    case 'totp enroll':
      parseCommandArgs(command, rest, COMMANDS[command]);
      return withAuthDatabase(loadConfig(env), (deps) => totpEnroll(rest, deps), io);
    case 'audit verify':
      parseCommandArgs(command, rest, COMMANDS[command]);
      return withAuthDatabase(loadConfig(env), (deps) => auditVerify(deps), io);
    case 'audit tail':
      parseCommandArgs(command, rest, COMMANDS[command]);
      return withAuthDatabase(loadConfig(env), (deps) => auditTail(rest, deps), io);
    case 'integrity verify':
      parseCommandArgs(command, rest, COMMANDS[command]); // a bad command line opens nothing
      return runIntegrityVerify(rest, loadConfig(env), io);
    case 'raw export':
      parseCommandArgs(command, rest, COMMANDS[command]);
      return runRawExport(rest, loadConfig(env), io);
    case 'raw verify-export':
      return runRawVerifyExport(rest, io);
    case 'backtest':
      await runBacktestCommand(rest, { ...io, now: () => systemClock.now() });
      return;
    case 'check lookahead':
    case 'check warmup':
      return runCheckCommand(command, rest, io);
    case 'config propose':
    case 'config approve':
    case 'config reject':
    case 'config show':
    case 'config history':
    case 'config diff':
      return runConfigCommand(command satisfies ConfigCommand, rest, {
        ...io,
        defaultUrl: defaultUrl(env),
        now: () => systemClock.now(),
        read: (fn) => withAuthDatabase(loadConfig(env), (deps) => fn({
          versions: (n) => listConfigVersions(deps.db, n),
          version: (n) => getConfigVersion(deps.db, n),
          proposals: (n) => listConfigProposals(deps.db, { limit: n }),
        }), io),
      });
    case 'orders pending':
    case 'orders approve':
    case 'orders reject':
    case 'breaker reset':
    case 'breaker trip':
      return runOrdersCommand(command satisfies OrderCommand, rest, {
        ...io,
        defaultUrl: defaultUrl(env),
        readPending: () => withAuthDatabase(loadConfig(env), (deps) => listOrdersByStatus(deps.db, PENDING_APPROVAL), io),
      });
  }
}

/**
 * Runs {@link main} for a process: reports a failure on stderr and exits 1, or 2 (with the
 * usage) for a command line that was not understood. On success it does not exit: `start`
 * keeps serving, the others end when their work is done.
 */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await main(argv);
  } catch (err) {
    if (isFakeoutError(err, 'FAKEOUT_ERR_CLI_UNREACHABLE')) {
      // The plain fact, as the one line a script can test for (`no fakeout running at URL`).
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    if (isFakeoutError(err, 'FAKEOUT_ERR_CLI_USAGE')) {
      process.stderr.write(`${err.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    if (isFakeoutError(err)) process.stderr.write(`fakeout: ${err.code}: ${err.message}\n`);
    else process.stderr.write(`fakeout: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('cli.ts')) {
  await runCli(process.argv.slice(2));
}
