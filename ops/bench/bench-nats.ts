/**
 * The benchmark's own nats-server, for the raw JetStream baselines ((b), and the gateway's
 * (e) and (f) baselines): the same binary and client options as the app, file storage in a temp
 * directory, and a config written here with two users that may do anything.
 *
 * Why not the app's server: since the role split, nats.conf gives each user only its own
 * subjects. The pipeline user may publish only to subjects that a stream of the topology captures
 * (and that a stage consumes), may not read RAW by sequence, and may not create a stream; admin
 * publishes no data. A baseline needs a stream nothing else consumes. Widening nats.conf for a
 * benchmark would widen production, so the baselines get a server of their own instead.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectNats, NATS_PASSWORD_ENV, startNatsServer, type NatsConnection } from '../../adapters/nats/index.ts';
import { benchTempDir, type CleanupStack } from './bench-resources.ts';

export interface BenchNats {
  url: string;
  pid: number;
  /** a connection as the bench user, with fakeout's client options (adapters/nats connectNats); closed by the cleanup */
  connect(name: string): Promise<NatsConnection>;
}

/** JetStream on, the project's max_payload, no permissions: admin (the readiness probe) and pipeline. */
const benchConfig = () => `# written by ops/bench/bench-nats.ts for the raw JetStream baselines; not a deployment config
max_payload: 1048576
jetstream {
}
authorization {
  users = [
    { user: admin, password: $${NATS_PASSWORD_ENV.admin} }
    { user: pipeline, password: $${NATS_PASSWORD_ENV.pipeline} }
  ]
}
`;

/** Starts the server; the cleanup closes its connections, stops it and removes its directory. */
export async function startBenchNats(cleanup: CleanupStack): Promise<BenchNats> {
  const dir = await benchTempDir(cleanup);
  const configFile = join(dir, 'bench-nats.conf');
  await writeFile(configFile, benchConfig());
  const server = await startNatsServer({ dataDir: dir, configFile });
  cleanup.push('stop the bench nats-server', () => server.stop());
  const connections: NatsConnection[] = [];
  cleanup.push('close the bench nats connections', async () => void (await Promise.allSettled(connections.map((nc) => nc.close()))));
  const creds = server.users.pipeline;
  return {
    url: server.url,
    pid: server.pid,
    async connect(name) {
      const nc = await connectNats({ servers: server.url, user: creds.user, pass: creds.pass, name });
      connections.push(nc);
      return nc;
    },
  };
}
