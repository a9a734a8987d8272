/**
 * NATS / JetStream adapter: the embedded server, connections, the topology, publishing and
 * consuming. The library types callers need (connection, JetStream client and manager) are
 * re-exported here so that only adapters/ imports `@nats-io/*`.
 */
export { connectNats } from './connection.ts';
export type { ConnectNatsOptions } from './connection.ts';
export { openBatchConsumer, streamInfo, streamMessages } from './consume.ts';
export type { BatchConsumer, Delivered, StoredMessage } from './consume.ts';
export { NATS_PASSWORD_ENV, NATS_USERS, startNatsServer } from './embedded-server.ts';
export type { NatsClusterNode, NatsCredentials, NatsServerProcess, NatsUser, StartNatsServerOptions } from './embedded-server.ts';
export { jsonBytes, publishError, publishJson } from './publish.ts';
export { CONTENTION_BACKOFF_MS, chainsOf, PUBLISH_WINDOW, publishMany } from './ordered-publish.ts';
export type { PublishFailure, PublishItem, PublishResult } from './publish.ts';
export { applyTopology, consumerConfigOf, streamConfigOf, TOPOLOGY } from './topology.ts';
export type { ConsumerSpec, StreamSpec, Topology } from './topology.ts';
export { jetstream, jetstreamManager } from '@nats-io/jetstream';
export type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
export type { NatsConnection } from '@nats-io/transport-node';
export { FOLLOWER_PREFIX, followStream } from './follow.ts';
export type { FollowedMessage, FollowOptions, Follower } from './follow.ts';
export { CONFIG_BUCKET, CONFIG_KEY, configReader, ensureConfigBucket, writeConfigVersion } from './config-kv.ts';
export { ensureLeaseBucket, LEASE_BUCKET, leaseStore } from './lease-kv.ts';
export type { AcquireResult, LeaseStore, LeaseValue } from './lease-kv.ts';
