/** Reading nats-server's reason out of its log (lines as nats-server 2.9.10 writes them). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { serverFailureReason, tailLines } from '../../adapters/nats/server-log.ts';

const s = suite('nats-server log');

s('the reason is the last fatal line, without its prefix', () => {
  const log = [
    '[10926] 2026/11/25 14:48:33.264868 [INF] Starting nats-server',
    '[10926] 2026/11/25 14:48:33.264987 [WRN] Plaintext passwords detected, use nkeys or bcrypt',
    '[10926] 2026/11/25 14:48:33.270000 [ERR] first problem',
    '[10926] 2026/11/25 14:48:33.274979 [FTL] Error listening on port: 127.0.0.1:4222, "listen tcp 127.0.0.1:4222: bind: address already in use"',
    '',
  ].join('\n');
  assert.is(serverFailureReason(log), 'Error listening on port: 127.0.0.1:4222, "listen tcp 127.0.0.1:4222: bind: address already in use"');
});

s('a fatal line wins over an error logged after it, and the ports-file complaint of a shutdown is never the reason', () => {
  const log = [
    '[7] 2026/11/25 15:08:00.9 [FTL] the real cause',
    '[7] 2026/11/25 15:08:01.0 [ERR] Error cleaning up ports file /x/nats-server_7.ports: remove /x/nats-server_7.ports: no such file or directory',
  ].join('\n');
  assert.is(serverFailureReason(log), 'the real cause');
});

s('a server that was told to stop says so instead of quoting its shutdown noise', () => {
  // the tail of a real server.log (nats-server 2.9.10) stopped by a signal while starting
  const log = [
    "[2097] 2026/11/25 15:08:01.034625 [INF]   Recovering 1 consumers for stream - '$G > FEATURES'",
    '[2097] 2026/11/25 15:08:01.038575 [INF] Initiating Shutdown...',
    '[2097] 2026/11/25 15:08:01.038613 [INF] Initiating JetStream Shutdown...',
    '[2097] 2026/11/25 15:08:01.038833 [INF] JetStream Shutdown',
    '[2097] 2026/11/25 15:08:01.039044 [ERR] Error cleaning up ports file /tmp/d/nats/nats-server_2097.ports: remove /tmp/d/nats/nats-server_2097.ports: no such file or directory',
    '[2097] 2026/11/25 15:08:01.039062 [INF] Server Exiting..',
  ].join('\n');
  assert.match(serverFailureReason(log)!, 'told to shut down');
});

s('a config error printed before the logger exists (no prefix, no newline) is the reason', () => {
  assert.is(serverFailureReason("nats-server: variable reference for 'X' on line 3 can not be found"), "nats-server: variable reference for 'X' on line 3 can not be found");
});

s('a log with only ordinary lines gives no reason', () => {
  assert.is(serverFailureReason('[1] 2026/11/25 14:48:33.264868 [INF] Starting nats-server\n[1] 2026/11/25 14:48:33.3 [WRN] slow\n'), undefined);
  assert.is(serverFailureReason(''), undefined);
});

s('the tail keeps the last n non-empty lines', () => {
  assert.is(tailLines('a\n\nb\nc\n\nd\n', 3), 'b\nc\nd');
});

s.run();
