/**
 * Runs every uvu suite under spec/ in one process (tsx loads TypeScript), then prints uvu's
 * summary followed by one plain `N passed, N failed` line that CI tooling can read.
 * `npm test -- features` runs only the files whose path contains "features".
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { run } from 'uvu/run';

const root = resolve(import.meta.dirname);
const filters = process.argv.slice(2);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return walk(full);
    return name.endsWith('.test.ts') ? [full] : [];
  });
}

const files = walk(root)
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

let total = 0;
let passed = 0;
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
  const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
  const t = /Total:\s+(\d+)/.exec(plain);
  if (t) total = Number(t[1]);
  const p = /Passed:\s+(\d+)/.exec(plain);
  if (p) passed = Number(p[1]);
  return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stdout.write;

await run(files.map((file) => ({ name: relative(root, file), file })), { bail: false });
process.stdout.write = write;
write(`tests: ${passed} passed, ${total - passed} failed\n`);
// Integration suites close their servers; anything left open must not keep CI waiting.
setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
