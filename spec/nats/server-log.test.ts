/** Reading nats-server's reason out of its log (lines as nats-server 2.9.10 writes them). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { serverFailureReason, tailLines } from '../../adapters/nats/server-log.ts';

const s = suite('nats-server log');

s('the reason is the last fatal or error line, without its prefix', () => {
  const log = [
    '[10926] 2026/11/25 14:48:33.264868 [INF] Starting nats-server',
    '[10926] 2026/11/25 14:48:33.264987 [WRN] Plaintext passwords detected, use nkeys or bcrypt',
    '[10926] 2026/11/25 14:48:33.270000 [ERR] first problem',
    '[10926] 2026/11/25 14:48:33.274979 [FTL] Error listening on port: 127.0.0.1:4222, "listen tcp 127.0.0.1:4222: bind: address already in use"',
    '',
  ].join('\n');
  assert.is(serverFailureReason(log), 'Error listening on port: 127.0.0.1:4222, "listen tcp 127.0.0.1:4222: bind: address already in use"');
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
