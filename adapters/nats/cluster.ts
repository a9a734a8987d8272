/**
 * A nats-server cluster on one machine (ops/cluster/start.ts, and the cluster test): N nodes of the
 * project's nats.conf (the same users and permissions as the embedded server), routes on loopback,
 * JetStream on each node with its own store, one set of passwords for all of them.
 *
 * Each node is a startNatsServer() with cluster flags (embedded-server.ts, `clusterArgs`); nothing
 * here is a cluster of fakeout's making: nats-server forms it and elects the JetStream leaders.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startNatsServer, type NatsCredentials, type NatsServerProcess, type NatsUser } from './embedded-server.ts';

export type ClusterNodeSpec = {
  serverName: string;
  /** `<dir>/<serverName>`: its store (`nats/jetstream`), log and pid file */
  dataDir: string;
  clientPort: number;
  routePort: number;
};

export type NatsClusterOptions = {
  /** each node's data directory is `<dir>/<serverName>` */
  dir: string;
  configFile: string;
  /** default 3 */
  size?: number;
  /** default `fakeout` */
  clusterName?: string;
  /** client ports, one per node; default free ports */
  clientPorts?: readonly number[];
  /** route ports, one per node; default free ports */
  routePorts?: readonly number[];
  users: Record<NatsUser, NatsCredentials>;
  host?: string;
  binary?: string;
  readyTimeoutMs?: number;
};

export type NatsCluster = {
  nodes: ClusterNodeSpec[];
  /** the running process of each node, by index (undefined while a node is stopped or killed) */
  procs: (NatsServerProcess | undefined)[];
  /** every node's client URL, comma-separated: what NATS_URL takes */
  url: string;
  users: Record<NatsUser, NatsCredentials>;
  /** (re)starts node `i` on its ports and store; resolves once it serves clients and JetStream */
  start(i: number): Promise<NatsServerProcess>;
  /** SIGKILLs node `i` (no goodbye to its routes or clients); resolves once it has exited */
  kill(i: number): Promise<void>;
  /** index of the node whose server name is `name` */
  indexOf(name: string): number;
  stop(): Promise<void>;
};

/** A port nothing listens on right now (for route ports, which nats-server cannot report back like -p -1). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Plans the nodes (names `n1`…, ports) without starting anything. */
export async function planCluster(opts: Pick<NatsClusterOptions, 'dir' | 'size' | 'clientPorts' | 'routePorts' | 'host'>): Promise<ClusterNodeSpec[]> {
  const size = opts.size ?? 3;
  const nodes: ClusterNodeSpec[] = [];
  for (let i = 0; i < size; i++) {
    const serverName = `n${i + 1}`;
    nodes.push({
      serverName,
      dataDir: join(opts.dir, serverName),
      clientPort: opts.clientPorts?.[i] ?? (await freePort(opts.host)),
      routePort: opts.routePorts?.[i] ?? (await freePort(opts.host)),
    });
  }
  return nodes;
}

/**
 * Starts every node at once (clustered JetStream answers only once a majority runs and a meta
 * leader is elected, so nodes started one after the other would each wait for the next).
 */
export async function startNatsCluster(opts: NatsClusterOptions): Promise<NatsCluster> {
  const host = opts.host ?? '127.0.0.1';
  const nodes = await planCluster(opts);
  const routes = nodes.map((n) => `nats://${host}:${n.routePort}`);
  const procs: (NatsServerProcess | undefined)[] = nodes.map(() => undefined);
  const start = async (i: number): Promise<NatsServerProcess> => {
    const n = nodes[i]!;
    const p = await startNatsServer({
      dataDir: n.dataDir,
      configFile: opts.configFile,
      port: n.clientPort,
      host,
      users: opts.users,
      ...(opts.binary === undefined ? {} : { binary: opts.binary }),
      readyTimeoutMs: opts.readyTimeoutMs ?? 30_000,
      cluster: { serverName: n.serverName, clusterName: opts.clusterName ?? 'fakeout', routePort: n.routePort, routes },
    });
    procs[i] = p;
    p.onExit(() => {
      if (procs[i] === p) procs[i] = undefined;
    });
    return p;
  };
  const stop = async () => {
    await Promise.allSettled(procs.map((p) => p?.stop()));
  };
  const started = await Promise.allSettled(nodes.map((_, i) => start(i)));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  return {
    nodes,
    procs,
    url: nodes.map((n) => `nats://${host}:${n.clientPort}`).join(','),
    users: opts.users,
    start,
    async kill(i) {
      const p = procs[i];
      if (p === undefined) return;
      const exited = new Promise<void>((r) => p.onExit(() => r()));
      process.kill(p.pid, 'SIGKILL');
      await exited;
    },
    indexOf(name) {
      return nodes.findIndex((n) => n.serverName === name);
    },
    stop,
  };
}
