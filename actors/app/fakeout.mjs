#!/usr/bin/env node
// The `fakeout` bin: loads the TypeScript CLI through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`fakeout: ${err && err.code ? `${err.code}: ` : ''}${err && err.message ? err.message : String(err)}\n`);
  process.exit(1);
});
