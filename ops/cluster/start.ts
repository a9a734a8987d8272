/**
 * Starts a 3-node nats-server cluster on this machine, in the foreground, for fakeout to run
 * against (docs/operations.md, "A NATS cluster"):
 *
 *   npx tsx ops/cluster/start.ts [--dir .fakeout-cluster] [--ports 4222,4223,4224] [--routes 6222,6223,6224]
 *
 * Each node is `nats-server -c nats.conf` (the project's users and permissions, JetStream on)
 * with its own store under `<dir>/<node>/nats` and the cluster flags (routes on 127.0.0.1). The
 * passwords are generated once into `<dir>/users.json` (owner-only) and reused on every start;
 * `<dir>/fakeout.env` (owner-only) holds NATS_URL, FAKEOUT_STREAM_REPLICAS=3 and the password
 * variables for `set -a; . <dir>/fakeout.env; set +a`. Ctrl-C stops the nodes.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadOrCreateNatsUsers } from '../../adapters/nats/credentials-file.ts';
import { startNatsCluster } from '../../adapters/nats/cluster.ts';
import { clusterArgs, NATS_PASSWORD_ENV, NATS_USERS } from '../../adapters/nats/embedded-server.ts';

const REPO = resolve(import.meta.dirname, '../..');

function ports(flag: string, text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(',').map((p) => Number(p.trim()));
  if (list.length !== 3 || list.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    throw new Error(`${flag}: expected three ports 1..65535, comma-separated, got ${JSON.stringify(text)}`);
  }
  return list;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { dir: { type: 'string', default: '.fakeout-cluster' }, ports: { type: 'string' }, routes: { type: 'string' } },
  });
  const dir = resolve(values.dir!);
  const users = loadOrCreateNatsUsers(dir);
  const cluster = await startNatsCluster({
    dir,
    configFile: join(REPO, 'nats.conf'),
    users,
    clientPorts: ports('--ports', values.ports) ?? [4222, 4223, 4224],
    routePorts: ports('--routes', values.routes) ?? [6222, 6223, 6224],
  });
  const routes = cluster.nodes.map((n) => `nats://127.0.0.1:${n.routePort}`);
  const env = [
    `NATS_URL=${cluster.url}`,
    'FAKEOUT_STREAM_REPLICAS=3',
    ...NATS_USERS.map((u) => `${NATS_PASSWORD_ENV[u]}=${users[u].pass}`),
  ];
  const envFile = join(dir, 'fakeout.env');
  writeFileSync(envFile, env.join('\n') + '\n', { mode: 0o600 });
  for (const [i, n] of cluster.nodes.entries()) {
    const args = ['-c', 'nats.conf', '-a', '127.0.0.1', '-p', String(n.clientPort), '-sd', join(n.dataDir, 'nats'), ...clusterArgs('127.0.0.1', { serverName: n.serverName, clusterName: 'fakeout', routePort: n.routePort, routes })];
    console.log(`${n.serverName}  pid ${cluster.procs[i]?.pid}  nats-server ${args.join(' ')}`);
  }
  console.log(`\ncluster fakeout running: ${cluster.url}`);
  console.log(`environment for fakeout (passwords inside, mode 0600): ${envFile}`);
  console.log(`  set -a; . ${envFile}; set +a; npm start`);
  console.log('Ctrl-C stops the three nodes.');

  const stop = async () => {
    console.log('stopping the cluster');
    await cluster.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  // a node that dies is said (restart this script to bring it back; the others go on)
  for (const [i, p] of cluster.procs.entries()) p?.onExit((code, signal) => console.log(`${cluster.nodes[i]!.serverName} exited (code ${code}, signal ${signal})`));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
