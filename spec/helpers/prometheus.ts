/**
 * Prometheus helpers for the ops tests: run Debian's promtool (a missing one fails the test
 * with what to run, never skips it) and read family names from a text exposition.
 */
import { spawnSync } from 'node:child_process';
import * as assert from 'uvu/assert';

/** Runs promtool; a missing promtool is a failure that says how to get it. */
export function promtool(args: string[], input: string | undefined, cwd: string): { code: number | null; out: string } {
  const r = spawnSync('promtool', args, { cwd, input, encoding: 'utf8', timeout: 60_000 });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    assert.unreachable("promtool is not installed: run ops/setup.sh (it installs Debian's prometheus package, which ships promtool)");
  }
  if (r.error) throw r.error;
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Family names announced by `# TYPE` lines of a text exposition. */
export function families(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

