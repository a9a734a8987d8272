/**
 * FAKEOUT_STREAM_REPLICAS against the server fakeout is connected to: how many servers its
 * cluster has, and the refusal that names the variable when the replicas cannot be placed.
 *
 * The cluster size is read from the server's own INFO (nats.js `nc.info`): no `cluster` there
 * means a server outside any cluster (size 1); otherwise `connect_urls`, the client URLs of the
 * cluster's servers that are up, the connected one included, which nats-server gossips to every
 * client and updates as servers come and go.
 */
import { JetStreamApiError } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeoutError } from '../../actors/domain/errors.ts';

export const REPLICAS_VARIABLE = 'FAKEOUT_STREAM_REPLICAS';

/**
 * nats-server's answers to replicas it cannot place (errors.json): 10074 "replicas > 1 not
 * supported in non-clustered mode", 10005 "no suitable peers for placement" (fewer servers up
 * than replicas).
 */
const PLACEMENT_CODES = new Set([10074, 10005]);

/** What the server says of its cluster: its name (undefined outside a cluster) and the servers up in it. */
export function clusterOf(nc: NatsConnection): { name: string | undefined; size: number } {
  const info = nc.info;
  if (info?.cluster === undefined || info.cluster === '') return { name: undefined, size: 1 };
  return { name: info.cluster, size: Math.max(1, new Set(info.connect_urls ?? []).size) };
}

/**
 * Refuses `replicas` greater than the cluster's size. A cluster that is still forming (its routes
 * connect within a second or two of the servers starting) is given `settleMs` to report enough
 * servers before the refusal.
 *
 * @throws FakeoutError FAKEOUT_ERR_CONFIG_INVALID naming FAKEOUT_STREAM_REPLICAS
 */
export async function checkReplicasFit(nc: NatsConnection, replicas: number, settleMs = 2_000): Promise<void> {
  if (replicas <= 1) return;
  const deadline = performance.now() + settleMs;
  let seen = clusterOf(nc);
  while (seen.size < replicas && seen.name !== undefined && performance.now() < deadline) {
    await sleep(100);
    seen = clusterOf(nc);
  }
  if (seen.size >= replicas) return;
  throw replicasError(replicas, seen.name === undefined ? 'the NATS server is not part of a cluster (1 server)' : `cluster ${seen.name} has ${seen.size} server${seen.size === 1 ? '' : 's'} up`);
}

/**
 * Runs a stream create or update, retrying for up to `retryMs` while the server refuses to place
 * the replicas although its INFO counts enough servers: a cluster that has just formed routes its
 * servers before each has joined JetStream's placement (seen: 10005 for a second or so after start).
 */
export async function placing<T>(nc: NatsConnection, replicas: number, run: () => Promise<T>, retryMs = 10_000): Promise<T> {
  const deadline = performance.now() + retryMs;
  for (;;) {
    try {
      return await run();
    } catch (err) {
      const api = err instanceof JetStreamApiError ? err : (err as { cause?: unknown } | undefined)?.cause;
      const placement = api instanceof JetStreamApiError && PLACEMENT_CODES.has(api.code);
      if (!placement || clusterOf(nc).size < replicas || performance.now() > deadline) throw err;
      await sleep(250);
    }
  }
}

/** The refusal naming the variable, from the server's own placement error when it is one (else undefined). */
export function replicasRefusal(err: unknown, replicas: number, stream: string): FakeoutError | undefined {
  if (!(err instanceof JetStreamApiError) || !PLACEMENT_CODES.has(err.code)) return undefined;
  return replicasError(replicas, `the server refused stream ${stream}: ${err.message}`, err, stream);
}

function replicasError(replicas: number, why: string, cause?: unknown, stream?: string): FakeoutError {
  return new FakeoutError(
    'FAKEOUT_ERR_CONFIG_INVALID',
    `${REPLICAS_VARIABLE}: ${replicas} replicas asked, but ${why}; set ${REPLICAS_VARIABLE} to at most the number of servers in the cluster (1 without one)`,
    { ...(cause === undefined ? {} : { cause }), details: { field: REPLICAS_VARIABLE, replicas, ...(stream === undefined ? {} : { stream }) } },
  );
}
