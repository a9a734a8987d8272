/**
 * Starts and stops a local `nats-server` child process with the project's nats.conf: the
 * "embedded" NATS of the single-process deployment, and the server every integration test
 * starts for itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { FakeoutError } from '../../actors/domain/errors.ts';
import type { DataDirLock } from '../lock/index.ts';
import { clearServerPid, recordedServer, recordServerPid, stopOrphanedServer } from './orphan.ts';
import { serverFailureReason, tailLines } from './server-log.ts';

import { NATS_PASSWORD_ENV, NATS_USERS, type NatsUser } from '../../actors/domain/identities.ts';

export { NATS_PASSWORD_ENV, NATS_USERS, type NatsUser };
export type NatsCredentials = { user: string; pass: string };

export type StartNatsServerOptions = {
  /** the server stores JetStream under `<dataDir>/nats/jetstream` and logs to `<dataDir>/nats/server.log` */
  dataDir: string;
  /** path to nats.conf */
  configFile: string;
  /** 0 or undefined: the server picks a free port itself (no probe-then-bind race) */
  port?: number;
  /** listen address, default 127.0.0.1 */
  host?: string;
  /**
   * serve nats-server's HTTP monitoring (/varz, /jsz, /connz, /healthz) on this port; 0 = a free
   * one; undefined = none. It listens on `host` (nats-server's http_host defaults to it), so the
   * embedded default, 127.0.0.1, keeps it on the loopback.
   */
  monitorPort?: number;
  /** the executable, default `nats-server` on PATH */
  binary?: string;
  /**
   * reuse these credentials instead of generating new ones: a supervisor restarting the server
   * passes the previous start's `users` (and `port`) so connected clients simply reconnect
   */
  users?: Record<NatsUser, NatsCredentials>;
  /** how long to wait for client connections AND JetStream, default 10 s */
  readyTimeoutMs?: number;
  /**
   * this process's lock on `dataDir` (adapters/lock). With it, a server left running on the store
   * by a killed fakeout is stopped first (see orphan.ts); without it, a live server recorded on
   * the store makes this start fail: never two servers on one store, never a stranger's server stopped.
   */
  dataDirLock?: DataDirLock;
  /**
   * join a nats-server cluster (ops/cluster): this node's name, the cluster's name, the port it
   * takes routes on (on `host`) and every node's route URL (its own included: the server skips it).
   * JetStream is clustered then, so a node is ready only once a majority of the nodes run.
   */
  cluster?: NatsClusterNode;
};

export type NatsClusterNode = { serverName: string; clusterName: string; routePort: number; routes: readonly string[] };

export type NatsServerProcess = {
  url: string;
  port: number;
  /** `http://host:port` of the monitoring endpoints, when `monitorPort` was given */
  monitorUrl: string | undefined;
  pid: number;
  /** the passwords generated for this start; they exist only in memory and in the child's env */
  users: Record<NatsUser, NatsCredentials>;
  /** called once when the process exits (immediately if it already has) */
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited */
  stop(): Promise<void>;
};

const STOP_GRACE_MS = 5_000;
/** at most this much of server.log is read back for an error message */
const LOG_READ_BYTES = 64 * 1024;

/**
 * Spawns `nats-server -c <conf> -a <host> -p <port> -sd <dataDir>/nats` with freshly generated
 * (or the given) passwords in its environment and resolves once a client can connect and JetStream answers.
 *
 * @throws FakeoutError FAKEOUT_ERR_NATS_SERVER_START when the binary is missing, the process
 *   exits early, or it is not ready within the timeout. The message's first line carries the
 *   server's own reason (its last [FTL]/[ERR] line), followed by the last lines it logged.
 */
export async function startNatsServer(opts: StartNatsServerOptions): Promise<NatsServerProcess> {
  const host = opts.host ?? '127.0.0.1';
  const binary = opts.binary ?? 'nats-server';
  const storeDir = resolve(opts.dataDir, 'nats');
  const logFile = join(storeDir, 'server.log');
  const configFile = resolve(opts.configFile);
  // -1 asks nats-server for a random free port; it reports the one it bound in the ports file.
  const port = opts.port === undefined || opts.port === 0 ? -1 : opts.port;
  const monitorArgs = opts.monitorPort === undefined ? [] : ['-m', String(opts.monitorPort === 0 ? -1 : opts.monitorPort)];
  mkdirSync(storeDir, { recursive: true });
  if (opts.dataDirLock) {
    await stopOrphanedServer(storeDir, opts.dataDirLock);
  } else {
    const running = recordedServer(storeDir);
    if (running !== undefined) {
      throw new FakeoutError('FAKEOUT_ERR_NATS_SERVER_START', `nats-server pid ${running} already serves ${storeDir}; not starting a second server on the same store`, {
        details: { storeDir, pid: running },
      });
    }
  }
  if (!existsSync(configFile)) {
    throw new FakeoutError('FAKEOUT_ERR_NATS_SERVER_START', `nats config file not found: ${configFile}`, {
      details: { configFile },
    });
  }

  const users = opts.users ?? generateNatsUsers();
  for (const u of NATS_USERS) {
    if (!SAFE_PASSWORD.test(users[u].pass)) {
      throw new FakeoutError('FAKEOUT_ERR_NATS_SERVER_START', `the ${u} password must match ${SAFE_PASSWORD} (see generateNatsUsers)`, {
        details: { user: u },
      });
    }
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const u of NATS_USERS) env[NATS_PASSWORD_ENV[u]] = users[u].pass;

  // The child writes straight into the log file (stdout and stderr), so config parse errors,
  // which nats-server prints before its logger exists, land there too.
  // server.log is appended across starts: remember where this start's output begins.
  const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
  const logFd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(
      binary,
      ['-c', configFile, '-a', host, '-p', String(port), '-sd', storeDir, '--ports_file_dir', storeDir, ...monitorArgs, ...clusterArgs(host, opts.cluster)],
      // Its own process group: a Ctrl-C in the terminal signals the whole foreground group, and
      // the server must outlive the pipeline's drain; we stop it last, ourselves.
      { env, stdio: ['ignore', logFd, logFd], detached: true },
    );
  } finally {
    closeSync(logFd);
  }

  const exited = trackExit(child);
  const spawnError = await new Promise<Error | undefined>((res) => {
    child.once('spawn', () => res(undefined));
    child.once('error', (err) => res(err));
  });
  if (spawnError !== undefined || child.pid === undefined) {
    const missing = (spawnError as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    throw new FakeoutError(
      'FAKEOUT_ERR_NATS_SERVER_START',
      missing
        ? `nats-server not found (${binary}); run ops/setup.sh (it runs apt-get install nats-server) or pass its path`
        : `could not start ${binary}: ${spawnError?.message ?? 'no pid'}`,
      { cause: spawnError, details: { binary } },
    );
  }
  const pid = child.pid;
  recordServerPid(storeDir, pid);

  // POLICY: a server this process started never outlives it, even if a caller forgets stop().
  const killOnExit = () => {
    if (exited.code === undefined) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  exited.promise.then(() => {
    process.removeListener('exit', killOnExit);
    clearServerPid(storeDir);
  });

  const stop = async (): Promise<void> => {
    if (exited.code !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (exited.code === undefined) child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await exited.promise;
    clearTimeout(timer);
  };

  try {
    const bound = await waitForReady({
      storeDir,
      pid,
      host,
      creds: users.admin,
      exited,
      timeoutMs: opts.readyTimeoutMs ?? 10_000,
    });
    return {
      url: `nats://${host}:${bound.port}`,
      port: bound.port,
      monitorUrl: bound.monitorUrl,
      pid,
      users,
      onExit(cb) {
        void exited.promise.then(({ code, signal }) => cb(code, signal));
      },
      stop,
    };
  } catch (err) {
    await stop();
    const written = readLogFrom(logFile, logStart);
    const reason = serverFailureReason(written);
    throw new FakeoutError(
      'FAKEOUT_ERR_NATS_SERVER_START',
      `nats-server did not become ready: ${(err as Error).message}${reason ? `: ${reason}` : ''}\n` +
        `--- ${logFile} (this start, last lines) ---\n${tailLines(written) || '(nothing logged)'}`,
      { cause: err, details: { logFile, pid, ...(reason ? { reason } : {}) } },
    );
  }
}

/** The command-line flags that make a server one node of a cluster (nats-server 2.9: --cluster, --routes, --cluster_name, -n). */
export function clusterArgs(host: string, node: NatsClusterNode | undefined): string[] {
  if (node === undefined) return [];
  return ['-n', node.serverName, '--cluster_name', node.clusterName, '--cluster', `nats://${host}:${node.routePort}`, '--routes', node.routes.join(',')];
}

type ExitState = {
  code: number | null | undefined;
  promise: Promise<{ code: number | null; signal: string | null }>;
};

function trackExit(child: ChildProcess): ExitState {
  const state: ExitState = { code: undefined, promise: Promise.resolve({ code: null, signal: null }) };
  state.promise = new Promise((res) => {
    // 'close' waits for stdio too; 'exit' is what tells us the pid is gone.
    child.once('exit', (code, signal) => {
      state.code = code;
      res({ code, signal });
    });
    child.once('error', () => {
      // spawn failure: there will be no 'exit'
      if (child.pid === undefined) {
        state.code = null;
        res({ code: null, signal: null });
      }
    });
  });
  return state;
}

/**
 * Passwords are `fo` + 48 hex chars (192 bits). nats-server re-parses an environment variable's
 * value as a config token, so a value like `1e5` would become a number and fail; a letter
 * prefix and [0-9a-f] keep it a plain string.
 */
/** What survives nats-server's re-parsing of an environment value unchanged (see generateNatsUsers). */
const SAFE_PASSWORD = /^[A-Za-z][A-Za-z0-9]{15,}$/;

/** Fresh random passwords for every nats.conf user (`fo` + 48 hex: see SAFE_PASSWORD). */
export function generateNatsUsers(): Record<NatsUser, NatsCredentials> {
  return Object.fromEntries(NATS_USERS.map((user) => [user, { user, pass: `fo${randomBytes(24).toString('hex')}` }])) as Record<NatsUser, NatsCredentials>;
}

async function waitForReady(args: {
  storeDir: string;
  pid: number;
  host: string;
  creds: NatsCredentials;
  exited: ExitState;
  timeoutMs: number;
}): Promise<{ port: number; monitorUrl: string | undefined }> {
  const deadline = Date.now() + args.timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (args.exited.code !== undefined) {
      throw new Error(`nats-server exited early with code ${String(args.exited.code)}`);
    }
    const ports = readPortsFile(args.storeDir, args.pid);
    const port = ports?.port;
    if (ports !== undefined && port !== undefined) {
      try {
        const nc = await connect({
          servers: `nats://${args.host}:${port}`,
          user: args.creds.user,
          pass: args.creds.pass,
          name: 'fakeout-readiness-probe',
          timeout: 1_000,
          reconnect: false,
        });
        try {
          // jetstreamManager() checks the API ($JS.API.INFO) by default: JetStream is up.
          await jetstreamManager(nc, { timeout: 1_000 });
          return { port, monitorUrl: ports.monitorUrl };
        } finally {
          await nc.close();
        }
      } catch (err) {
        lastError = err;
      }
    }
    await sleep(50);
  }
  throw new Error(`timed out after ${args.timeoutMs} ms${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}

/**
 * nats-server writes `<exe>_<pid>.ports` once it listens:
 * `{"nats":["nats://127.0.0.1:4222"],"monitoring":["http://127.0.0.1:8222"]}`.
 */
function readPortsFile(dir: string, pid: number): { port: number; monitorUrl: string | undefined } | undefined {
  const name = readdirSync(dir).find((f) => f.endsWith(`_${pid}.ports`));
  if (name === undefined) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { nats?: string[]; monitoring?: string[] };
    const url = parsed.nats?.[0];
    return url === undefined ? undefined : { port: Number(new URL(url).port), monitorUrl: parsed.monitoring?.[0] };
  } catch {
    return undefined; // half-written: try again on the next poll
  }
}

/** What was appended to `file` from byte `start` on (at most its last LOG_READ_BYTES). */
function readLogFrom(file: string, start: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const from = Math.max(start, size - LOG_READ_BYTES);
    const buf = Buffer.alloc(Math.max(0, size - from));
    readSync(fd, buf, 0, buf.length, from);
    return buf.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
