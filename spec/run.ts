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
// How long each file took (from one file's name in uvu's output to the next), so the slowest are
// known when the suite nears its time budget.
const names = new Set(files.map((f) => relative(root, f)));
const took: { name: string; ms: number }[] = [];
let current: { name: string; at: number } | undefined;
const mark = (name: string | undefined) => {
  const now = performance.now();
  if (current) took.push({ name: current.name, ms: now - current.at });
  current = name === undefined ? undefined : { name, at: now };
};
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
  const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
  const t = /Total:\s+(\d+)/.exec(plain);
  if (t) total = Number(t[1]);
  const p = /Passed:\s+(\d+)/.exec(plain);
  if (p) passed = Number(p[1]);
  for (const line of plain.split('\n')) if (names.has(line.trim())) mark(line.trim());
  if (t) mark(undefined);
  return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stdout.write;

await run(files.map((file) => ({ name: relative(root, file), file })), { bail: false });
process.stdout.write = write;
const slowest = took.sort((a, b) => b.ms - a.ms).slice(0, 8);
if (slowest.length > 1) write(`slowest files: ${slowest.map((x) => `${x.name} ${(x.ms / 1000).toFixed(1)} s`).join(', ')}\n`);
write(`tests: ${passed} passed, ${total - passed} failed\n`);
// Integration suites close their servers; anything left open must not keep CI waiting.
setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
