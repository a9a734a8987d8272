/**
 * The command line's grammar: each command declares its flags and positional arguments as data,
 * one strict parser reads them, and the usage text is generated from the same table, so the
 * usage, the parser and the README's command table cannot drift apart (spec/app/cli-args.test.ts).
 *
 * POLICY: anything the table does not declare is refused (unknown flag, extra argument, a flag
 * twice): a typo must never be silently ignored by a tool that writes durable state.
 */
import { FakeoutError } from '../domain/errors.ts';
import { normalizeTimestamp } from '../../adapters/time/normalize.ts';

/** One flag: `arg` names its value (`--symbol SYMBOL`); without `arg` it is a switch. */
export interface FlagSyntax {
  arg?: string;
  help: string;
  /** a one-letter alias, given as `-n` (`fakeout audit tail -n 5`) */
  short?: string;
  /** the command cannot run without it (shown without brackets) */
  required?: boolean;
}

export interface CommandSyntax {
  summary: string;
  /** flag names without the leading `--` */
  flags: Readonly<Record<string, FlagSyntax>>;
  /** required positional arguments, in order; a last one ending in `…` (`FILE…`) takes one or more */
  positionals: readonly string[];
}

export interface ParsedArgs {
  /** flag name → value (`'true'` for a switch) */
  flags: Record<string, string>;
  positionals: string[];
}

/** A command line that cannot be understood: the CLI prints why and the usage, and exits 2. */
export function usageError(message: string, field: string): FakeoutError {
  return new FakeoutError('FAKEOUT_ERR_CLI_USAGE', message, { details: { field } });
}

/** A `--flag TIME` value (ISO 8601 or epoch ms) as epoch ms; a usage error naming the flag otherwise. */
export function timeFlag(command: string, flag: string, v: string): number {
  try {
    return normalizeTimestamp(v);
  } catch {
    throw usageError(`fakeout ${command}: --${flag} ${JSON.stringify(v)} is not a time (ISO 8601 or epoch ms)`, `--${flag}`);
  }
}

/**
 * Reads `args` (what follows the command name) against `syntax`. Accepts `--name value`,
 * `--name=value` and `--` (everything after it is positional).
 * @throws FakeoutError FAKEOUT_ERR_CLI_USAGE naming the flag or argument at fault
 */
export function parseCommandArgs(command: string, args: readonly string[], syntax: CommandSyntax): ParsedArgs {
  const flags: Record<string, string> = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const alias = a.startsWith('--') ? undefined : Object.entries(syntax.flags).find(([, f]) => f.short !== undefined && a === `-${f.short}`)?.[0];
    const name = alias ?? (a.startsWith('--') ? a.slice(2, eq < 0 ? undefined : eq) : a);
    const spec = (alias !== undefined || a.startsWith('--')) && Object.hasOwn(syntax.flags, name) ? syntax.flags[name] : undefined;
    if (spec === undefined) {
      throw usageError(`fakeout ${command}: unknown flag ${eq < 0 ? a : a.slice(0, eq)}`, a);
    }
    if (Object.hasOwn(flags, name)) throw usageError(`fakeout ${command}: --${name} given twice`, `--${name}`);
    if (spec.arg === undefined) {
      if (eq >= 0) throw usageError(`fakeout ${command}: --${name} takes no value`, `--${name}`);
      flags[name] = 'true';
      continue;
    }
    const value = eq >= 0 && alias === undefined ? a.slice(eq + 1) : args[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) {
      throw usageError(`fakeout ${command}: --${name} needs a value (${spec.arg})`, `--${name}`);
    }
    flags[name] = value;
  }
  for (const [name, f] of Object.entries(syntax.flags)) {
    if (f.required === true && !Object.hasOwn(flags, name)) throw usageError(`fakeout ${command}: --${name} ${f.arg ?? ''} is required`.replace('  ', ' '), `--${name}`);
  }
  const want = syntax.positionals;
  if (positionals.length < want.length) {
    const missing = want[positionals.length]!;
    throw usageError(`fakeout ${command}: missing ${missing}`, missing);
  }
  // a last positional named `FILE…` takes one or more
  if (positionals.length > want.length && !(want.at(-1)?.endsWith('…') ?? false)) {
    throw usageError(`fakeout ${command}: unexpected argument ${JSON.stringify(positionals[want.length])}`, positionals[want.length]!);
  }
  return { flags, positionals };
}

/** `fakeout replay FILE [--symbol SYMBOL] [--format FORMAT]`; a command may be two words (`users add`). */
export function synopsis(command: string, syntax: CommandSyntax): string {
  const flags = Object.entries(syntax.flags).map(([name, f]) => {
    const text = `${f.short === undefined ? '' : `-${f.short}|`}--${name}${f.arg === undefined ? '' : ` ${f.arg}`}`;
    return f.required === true ? text : `[${text}]`;
  });
  return ['fakeout', command, ...syntax.positionals, ...flags].join(' ');
}

/** The usage text: one synopsis and summary per command, then each flag's help. */
export function usageText(commands: Readonly<Record<string, CommandSyntax>>): string {
  const lines = ['usage:'];
  for (const [name, c] of Object.entries(commands)) {
    lines.push(`  ${synopsis(name, c)}`, `      ${c.summary}`);
    for (const [flag, f] of Object.entries(c.flags)) lines.push(`      ${f.short === undefined ? '' : `-${f.short}, `}--${flag}${f.arg === undefined ? '' : ` ${f.arg}`}: ${f.help}`);
  }
  lines.push('  fakeout help', 'configuration: environment variables, see README.md');
  return lines.join('\n');
}
