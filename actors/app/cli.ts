/**
 * `fakeout` command line.
 *   fakeout start                 embedded NATS + Postgres (unless configured), replay the
 *                                 configured files, print the summary, serve until Ctrl-C
 *   fakeout replay FILE [--symbol S] [--format F]
 *                                 replay one file through the pipeline, print the summary, exit
 *   fakeout actors [--url URL]    print the live supervision tree of a running fakeout
 *   fakeout signals [--symbol S] [--since T] [--limit N] [--follow] [--url URL]
 *                                 print the signals of a running fakeout; --follow keeps printing
 */
import { createLogger } from '../../adapters/log/index.ts';
import { FakeoutError, isFakeoutError } from '../domain/errors.ts';
import { loadConfig } from '../domain/config.ts';
import type { FormatName } from '../ingest/formats/index.ts';
import type { ReplayProgress, ReplayRequest } from '../ingest/replay.actor.ts';
import { startApp, type App } from './app.ts';
import { formatTree } from './format-tree.ts';
import { runSignalsCommand } from './signals-command.ts';
import { formatSummary, readSummary } from './summary.ts';

const USAGE = `usage:
  fakeout start
  fakeout replay FILE [--symbol SYMBOL] [--format FORMAT]
  fakeout actors [--url http://127.0.0.1:8080]
  fakeout signals [--symbol SYMBOL] [--since ISO|EPOCH_MS] [--limit N] [--follow] [--url http://127.0.0.1:8080]
configuration: environment variables, see README.md`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `${name} needs a value`, { details: { field: name } });
  args.splice(i, 2);
  return v;
}

function progressPrinter(): (p: ReplayProgress) => void {
  let last = 0;
  return (p) => {
    if (p.error) {
      process.stderr.write(`replay ${p.file}: SKIPPED — ${p.error}\n`);
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
  };
}

async function runPipeline(replay: ReplayRequest[] | undefined, keepServing: boolean, env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(env);
  // Logs go to stderr so that the summary on stdout stays readable and pipeable.
  const log = createLogger(config.logLevel, process.stderr);
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
    onReplayProgress: progressPrinter(),
    onFatal: (reason) => {
      log.error({ reason }, 'root supervisor gave up; exiting');
      void app?.stop().finally(() => process.exit(1));
    },
  });
  const url = app.httpUrl();
  if (url) process.stderr.write(`fakeout is up: ${url}/actors  ${url}/metrics  POST ${url}/webhook/tradingview\n`);
  await app.waitForIdle();
  if (stopping) return;
  process.stdout.write(formatSummary(await readSummary(app.database.db), { fallbackZone: config.exchangeZone }));
  if (keepServing) {
    process.stdout.write(`serving the webhook on ${url}/webhook/tradingview — Ctrl-C to stop\n`);
    return;
  }
  await app.stop();
}

async function printActors(url: string): Promise<void> {
  const res = await fetch(`${url.replace(/\/$/, '')}/actors`).catch((err: unknown) => {
    throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', `no fakeout answering at ${url} (${String(err)}); is it running? (--url)`, { details: { field: 'url' } });
  });
  if (!res.ok) throw new Error(`GET ${url}/actors answered ${res.status}`);
  process.stdout.write(formatTree(await res.json()) + '\n');
}

/** `fakeout signals …`: the listing, or with --follow the live stream until Ctrl-C (then exit 0). */
async function printSignals(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const follow = args.includes('--follow');
  if (follow) args.splice(args.indexOf('--follow'), 1);
  let url = flag(args, '--url');
  if (url === undefined) {
    const config = loadConfig(env);
    url = `http://${config.host}:${config.port}`;
  }
  const symbol = flag(args, '--symbol');
  const since = flag(args, '--since');
  const limit = flag(args, '--limit');
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  try {
    await runSignalsCommand({ url, follow, ...(symbol === undefined ? {} : { symbol }), ...(since === undefined ? {} : { since }), ...(limit === undefined ? {} : { limit }) }, process.stdout, stop.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const args = [...argv];
  const cmd = args.shift();
  switch (cmd) {
    case 'start':
      return runPipeline(undefined, true, env);
    case 'replay': {
      const symbol = flag(args, '--symbol');
      const format = flag(args, '--format') as FormatName | undefined;
      const file = args[0];
      if (!file) throw new FakeoutError('FAKEOUT_ERR_CONFIG_INVALID', 'replay needs a FILE', { details: { field: 'FILE' } });
      return runPipeline([{ path: file, symbol, format }], false, env);
    }
    case 'actors': {
      const config = loadConfig(env);
      const url = flag(args, '--url') ?? `http://${config.host}:${config.port}`;
      return printActors(url);
    }
    case 'signals':
      return printSignals(args, env);
    default:
      process.stdout.write(USAGE + '\n');
      if (cmd !== undefined && cmd !== 'help' && cmd !== '--help') process.exitCode = 2;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('cli.ts')) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    if (isFakeoutError(err)) process.stderr.write(`fakeout: ${err.code}: ${err.message}\n`);
    else process.stderr.write(`fakeout: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
