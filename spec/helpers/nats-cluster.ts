/**
 * Test helper: a 3-node nats-server cluster of the test's own on loopback (adapters/nats/cluster.ts:
 * the project's nats.conf on each node, free client and route ports, a temp directory), and
 * connections to it as the nats.conf users. `cleanup()` closes them, stops every node and removes
 * the directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsCluster, type NatsCluster } from '../../adapters/nats/cluster.ts';
import { generateNatsUsers } from '../../adapters/nats/embedded-server.ts';
import { connectNats, type NatsConnection, type NatsUser } from '../../adapters/nats/index.ts';
import { PROJECT_NATS_CONF } from './nats-server.ts';

export type TestCluster = {
  cluster: NatsCluster;
  /** every node's client URL, comma-separated (NATS_URL) */
  url: string;
  users: NatsCluster['users'];
  /** a connection as a nats.conf user (default pipeline) to `servers` (default every node), closed by cleanup() */
  connect(user?: NatsUser, servers?: string): Promise<NatsConnection>;
  cleanup(): Promise<void>;
};

export async function startTestCluster(size = 3): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'fakeout-cluster-'));
  let cluster: NatsCluster;
  try {
    cluster = await startNatsCluster({ dir, size, configFile: PROJECT_NATS_CONF, users: generateNatsUsers(), binary: process.env.NATS_SERVER_BIN ?? 'nats-server' });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const connections: NatsConnection[] = [];
  return {
    cluster,
    url: cluster.url,
    users: cluster.users,
    async connect(user: NatsUser = 'pipeline', servers = cluster.url) {
      const nc = await connectNats({ servers, user, pass: cluster.users[user].pass, name: `fakeout-test-${user}` });
      connections.push(nc);
      return nc;
    },
    async cleanup() {
      await Promise.allSettled(connections.map((nc) => nc.close()));
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
