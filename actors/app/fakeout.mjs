#!/usr/bin/env node
// The `fakeout` bin: loads the TypeScript CLI through tsx's loader (no build step). `npm start`
// execs this file, so signals sent to npm's process reach fakeout itself (docs/operations.md).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('./cli.ts');
await runCli(process.argv.slice(2));
