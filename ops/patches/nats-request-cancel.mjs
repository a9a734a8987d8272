#!/usr/bin/env node
/**
 * Patches @nats-io/nats-core 3.4.x (node_modules) so that a request that got its reply no longer
 * builds an Error it throws away. Run by ops/setup.sh after every install; idempotent.
 *
 * Why: `RequestOne.resolver` settles the request's promise and then calls `cancel()`, which does
 * `this.deferred.reject(err ? err : new RequestError("cancelled"))`. The promise is already
 * settled, so that reject does nothing, but the RequestError (an Error: it captures a stack) is
 * built for every request that succeeded: every JetStream publish and every JetStream API call.
 * In the pipeline benchmark that is about 8 % of the Node process's CPU (docs/benchmarks.md).
 *
 * The patch: at the end of `resolver`, do only what `cancel()` does besides that reject, i.e.
 * take the request out of the mux (the timer was already cancelled at the top of `resolver`).
 * `cancel()` itself is unchanged for its other callers (timeouts, a closed connection).
 * To be reported upstream (nats-io/nats.js); drop this file once a release carries a fix.
 *
 * Fails loudly (exit 1) when neither the original nor the patched text is found: a different
 * nats-core version needs this patch reviewed, not silently skipped.
 *   node ops/patches/nats-request-cancel.mjs [node_modules dir]   (default: ./node_modules)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const MARKER = 'fakeout patch: nats-request-cancel';
const ORIGINAL = `            this.deferred.resolve(msg);
        }
        this.cancel();
    }
    cancel(err) {`;
const PATCHED = `            this.deferred.resolve(msg);
        }
        // ${MARKER} (ops/patches/nats-request-cancel.mjs): the deferred is settled above and the
        // timer cancelled; cancel() would also build a RequestError("cancelled") only to reject it.
        this.mux.cancel(this);
    }
    cancel(err) {`;

const nodeModules = resolve(process.argv[2] ?? 'node_modules');
const file = join(nodeModules, '@nats-io/nats-core/lib/request.js');
const say = (msg) => process.stdout.write(`patch nats-request-cancel: ${msg}\n`);

let text;
try {
  text = readFileSync(file, 'utf8');
} catch (err) {
  process.stderr.write(`patch nats-request-cancel: ERROR: cannot read ${file}: ${err.message}\n`);
  process.exit(1);
}
if (text.includes(MARKER)) {
  say(`already applied to ${file}`);
} else {
  const at = text.indexOf(ORIGINAL);
  if (at < 0 || text.indexOf(ORIGINAL, at + 1) >= 0) {
    process.stderr.write(
      `patch nats-request-cancel: ERROR: ${file} does not contain the expected RequestOne.resolver text exactly once ` +
        `(another @nats-io/nats-core version?). Review ops/patches/nats-request-cancel.mjs against it.\n`,
    );
    process.exit(1);
  }
  writeFileSync(file, text.slice(0, at) + PATCHED + text.slice(at + ORIGINAL.length));
  say(`applied to ${file}`);
}
