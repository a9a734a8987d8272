/**
 * README "NATS monitoring" and "Looking at it with the NATS CLI", checked on a real fakeout (its
 * embedded nats-server, PGlite): the monitoring port is on the loopback and shown by /healthz,
 * /jsz lists the project's streams, and the JetStream API calls the `nats` CLI makes for
 * `stream info ORDERS`, `stream view ORDERS|AUDIT` and `kv history config` answer what the README
 * says, with the users it names (the CLI itself is not installable here).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from '../../adapters/nats/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const s = suite('nats monitoring and the CLI calls');
const ctx: { t?: TestApp; admin?: NatsConnection; ops?: NatsConnection; monitor?: string } = {};
const STREAMS = ['RAW', 'BARS', 'FEATURES', 'SCORES', 'SIGNALS', 'ORDERS', 'AUDIT'];

s.before(async () => {
  ctx.t = await startTestApp({ kind: 'pglite' });
  const embedded = ctx.t.app.messaging.embedded!;
  // the passwords where the README says they are
  const users = JSON.parse(readFileSync(join(ctx.t.dataDir, 'nats', 'users.json'), 'utf8')) as Record<string, { user: string; pass: string }>;
  ctx.admin = await connectNats({ servers: embedded.url, user: users.admin!.user, pass: users.admin!.pass, name: 'test-cli-admin' });
  ctx.ops = await connectNats({ servers: embedded.url, user: users.ops!.user, pass: users.ops!.pass, name: 'test-cli-ops' });
});

s.after(async () => {
  await ctx.admin?.close();
  await ctx.ops?.close();
  await ctx.t?.cleanup();
});

s('the monitoring port is on 127.0.0.1 and GET /healthz shows it', async () => {
  const res = await fetch(`${ctx.t!.app.httpUrl()}/healthz`);
  const body = (await res.json()) as { details: { natsMonitor?: string } };
  assert.type(body.details.natsMonitor, 'string');
  const url = new URL(body.details.natsMonitor!);
  assert.is(url.hostname, '127.0.0.1');
  assert.ok(Number(url.port) > 0);
  ctx.monitor = body.details.natsMonitor!;
  // varz reports the configured port (-1: a free one was asked for), the host it bound
  const varz = (await (await fetch(`${ctx.monitor}/varz`)).json()) as { http_host: string };
  assert.is(varz.http_host, '127.0.0.1');
});

s('/jsz lists the project\'s streams and /connz its connections by name', async () => {
  const jsz = (await (await fetch(`${ctx.monitor}/jsz?accounts=true&streams=true`)).json()) as {
    streams: number;
    account_details?: { stream_detail?: { name: string }[] }[];
  };
  const names = (jsz.account_details ?? []).flatMap((a) => (a.stream_detail ?? []).map((d) => d.name));
  for (const stream of STREAMS) assert.ok(names.includes(stream), `${stream} in /jsz (${names.join(', ')})`);
  assert.ok(names.includes('KV_config'), 'the config bucket is a stream too');
  assert.is(jsz.streams, names.length);
  const connz = (await (await fetch(`${ctx.monitor}/connz?auth=true`)).json()) as { connections: { name?: string; authorized_user?: string }[] };
  const users = new Set(connz.connections.map((c) => c.authorized_user));
  for (const u of ['ingest', 'pipeline', 'gateway', 'ops']) assert.ok(users.has(u), `a ${u} connection in /connz`);
});

s('nats stream info ORDERS: $JS.API.STREAM.INFO.ORDERS as ops answers its subjects and state', async () => {
  const reply = await ctx.ops!.request('$JS.API.STREAM.INFO.ORDERS', '', { timeout: 5000 });
  const info = reply.json<{ config: { name: string; subjects: string[] }; state: { messages: number; last_seq: number }; error?: unknown }>();
  assert.is(info.error, undefined);
  assert.is(info.config.name, 'ORDERS');
  assert.ok(info.config.subjects.length > 0);
  assert.type(info.state.messages, 'number');
});

async function view(nc: NatsConnection, stream: string): Promise<{ seq: number; subject: string }[]> {
  // what `nats stream view` does: an ordered consumer from the first message
  const js = jetstream(nc);
  const c = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.All });
  const info = await jetstreamManager(nc).then((m) => m.streams.info(stream));
  const out: { seq: number; subject: string }[] = [];
  if (info.state.messages === 0) return out;
  const msgs = await c.consume();
  for await (const m of msgs) {
    out.push({ seq: m.seq, subject: m.subject });
    if (m.seq >= info.state.last_seq) break;
  }
  await msgs.close();
  return out;
}

s('nats stream view ORDERS and AUDIT as admin: every stored message, in order; ops may not (no consumers)', async () => {
  const jsm = await jetstreamManager(ctx.admin!);
  for (const stream of ['ORDERS', 'AUDIT']) {
    const state = (await jsm.streams.info(stream)).state;
    const seen = await view(ctx.admin!, stream);
    assert.is(seen.length, state.messages, `${stream}: the view shows what the stream info counts`);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.seq > seen[i - 1]!.seq, `${stream} in sequence order`);
  }
  const refused = await ctx.ops!.request('$JS.API.CONSUMER.CREATE.ORDERS', JSON.stringify({ stream_name: 'ORDERS', config: { ack_policy: AckPolicy.None } }), { timeout: 2000 }).then(
    () => 'answered',
    (err: Error) => err.message,
  );
  assert.ok(refused !== 'answered', 'ops cannot create the consumer a view needs');
});

s('nats kv history config: the versions of key current, oldest first; ops reads one by direct get', async () => {
  const kv = await new Kvm(ctx.admin!).open('config');
  const history: { revision: number; value: { version: number } }[] = [];
  for await (const e of await kv.history({ key: 'current' })) history.push({ revision: e.revision, value: e.json<{ version: number }>() });
  assert.ok(history.length >= 1);
  assert.is(history[0]!.value.version, 1, 'the seeded version 1 comes first');
  const last = history.at(-1)!;
  // ops: `nats stream get KV_config --last-for '$KV.config.current'` as a direct get
  const direct = await ctx.ops!.request('$JS.API.DIRECT.GET.KV_config.$KV.config.current', '', { timeout: 5000 });
  assert.is(Number(direct.headers?.get('Nats-Sequence')), last.revision);
  assert.is((JSON.parse(direct.string()) as { version: number }).version, last.value.version);
  const governed = ctx.t!.app.messaging.governed!;
  assert.is(last.value.version, governed.version.version, 'the version in force is the last entry');
});

s.run();
