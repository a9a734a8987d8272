/**
 * Test helper: a real nats-server of the test's own, with the project's nats.conf, a temp
 * store directory and a free port. `cleanup()` closes every connection the helper opened,
 * stops the server and removes the directory, so a suite leaves nothing running.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  applyTopology,
  connectNats,
  jetstream,
  jetstreamManager,
  NATS_PASSWORD_ENV,
  NATS_USERS,
  startNatsServer,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  type NatsServerProcess,
  type NatsUser,
} from '../../adapters/nats/index.ts';

export type TestNats = {
  url: string;
  users: NatsServerProcess['users'];
  server: NatsServerProcess;
  dataDir: string;
  /** a connection as one of the nats.conf users (default pipeline), closed by cleanup() */
  connect(user?: NatsUser): Promise<NatsConnection>;
  /** stops the server (SIGTERM) and starts it again on the same port, store and passwords: connected clients reconnect */
  restart(opts?: { downMs?: number }): Promise<void>;
  cleanup(): Promise<void>;
};

/** The project's server config, the same file production uses. */
export const PROJECT_NATS_CONF = resolve(import.meta.dirname, '../../nats.conf');

/** Starts a server; `configFile` lets a test use a different config (default: the project's). */
export async function startTestNats(opts: { configFile?: string } = {}): Promise<TestNats> {
  const dataDir = await mkdtemp(join(tmpdir(), 'fakeout-nats-'));
  let server: NatsServerProcess;
  try {
    server = await startNatsServer({
      dataDir,
      configFile: opts.configFile ?? PROJECT_NATS_CONF,
      binary: process.env.NATS_SERVER_BIN ?? 'nats-server',
    });
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const connections: NatsConnection[] = [];
  const t: TestNats = {
    url: server.url,
    users: server.users,
    server,
    dataDir,
    async connect(user: NatsUser = 'pipeline') {
      const nc = await connectNats({
        servers: server.url,
        user: server.users[user].user,
        pass: server.users[user].pass,
        name: `fakeout-test-${user}`,
      });
      connections.push(nc);
      return nc;
    },
    async restart({ downMs = 0 } = {}) {
      await server.stop();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      server = await startNatsServer({ dataDir, configFile: opts.configFile ?? PROJECT_NATS_CONF, port: server.port, users: server.users, binary: process.env.NATS_SERVER_BIN ?? 'nats-server' });
      t.server = server;
    },
    async cleanup() {
      await Promise.allSettled(connections.map((nc) => nc.close()));
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

/**
 * A test server with the project's topology applied (as `admin`, as fakeout does at start), a
 * `pipeline` JetStream client and manager, and an `ingest` client for raw market data (the only
 * user allowed to publish `raw.>`).
 */
export async function startTestJetStream(): Promise<{ t: TestNats; nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager; ingest: JetStreamClient }> {
  const t = await startTestNats();
  await applyTopology(await t.connect('admin'));
  const nc = await t.connect('pipeline');
  return { t, nc, js: jetstream(nc), jsm: await jetstreamManager(nc), ingest: jetstream(await t.connect('ingest')) };
}

/** The FAKEOUT_NATS_<USER>_PASSWORD variables for a test server's users, as a NATS_URL deployment sets them. */
export function natsPasswordEnv(users: NatsServerProcess['users']): Record<string, string> {
  return Object.fromEntries(NATS_USERS.map((u) => [NATS_PASSWORD_ENV[u], users[u].pass]));
}
