/**
 * The command-line grammar: the strict parser, and the usage and the docs kept in step with the
 * command table (every flag the docs show exists, every flag that exists is shown).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { COMMANDS, USAGE } from '../../actors/app/cli.ts';
import { parseCommandArgs, synopsis, type CommandSyntax } from '../../actors/app/cli-args.ts';
import { isFakeoutError, type FakeoutError } from '../../actors/domain/errors.ts';
import { REPO } from '../helpers/app.ts';

const s = suite('cli arguments');

const SYNTAX: CommandSyntax = {
  summary: 'test',
  flags: { symbol: { arg: 'SYMBOL', help: '' }, dry: { help: '' } },
  positionals: ['FILE'],
};

function refusal(args: string[]): { message: string; field: unknown } {
  try {
    parseCommandArgs('replay', args, SYNTAX);
  } catch (err) {
    assert.ok(isFakeoutError(err, 'FAKEOUT_ERR_CLI_USAGE'), String(err));
    return { message: (err as FakeoutError).message, field: (err as FakeoutError).info.field };
  }
  throw new Error(`accepted ${JSON.stringify(args)}`);
}

s('reads flags before or after the argument, with a space or =, and switches', () => {
  assert.equal(parseCommandArgs('replay', ['a.csv', '--symbol', 'SPY'], SYNTAX), { flags: { symbol: 'SPY' }, positionals: ['a.csv'] });
  assert.equal(parseCommandArgs('replay', ['--symbol=BTC/USDT', 'a.csv', '--dry'], SYNTAX), { flags: { symbol: 'BTC/USDT', dry: 'true' }, positionals: ['a.csv'] });
  assert.equal(parseCommandArgs('replay', ['--', '--odd-name.csv'], SYNTAX), { flags: {}, positionals: ['--odd-name.csv'] });
});

s('refuses an unknown flag, naming it', () => {
  assert.equal(refusal(['a.csv', '--symbl', 'SPY']), { message: 'fakeout replay: unknown flag --symbl', field: '--symbl' });
  assert.equal(refusal(['a.csv', '--symbl=SPY']).message, 'fakeout replay: unknown flag --symbl');
  assert.equal(refusal(['a.csv', '-s', 'SPY']).message, 'fakeout replay: unknown flag -s');
  // an inherited property name is not a flag
  assert.equal(refusal(['a.csv', '--constructor', 'x']).message, 'fakeout replay: unknown flag --constructor');
});

s('refuses a flag without its value, twice, or a value on a switch', () => {
  assert.equal(refusal(['a.csv', '--symbol']), { message: 'fakeout replay: --symbol needs a value (SYMBOL)', field: '--symbol' });
  assert.equal(refusal(['--symbol', '--dry', 'a.csv']).field, '--symbol');
  assert.equal(refusal(['a.csv', '--symbol=']).field, '--symbol');
  assert.equal(refusal(['a.csv', '--symbol', 'A', '--symbol', 'B']).message, 'fakeout replay: --symbol given twice');
  assert.equal(refusal(['a.csv', '--dry=yes']).message, 'fakeout replay: --dry takes no value');
});

s('refuses a missing or an extra argument', () => {
  assert.equal(refusal([]), { message: 'fakeout replay: missing FILE', field: 'FILE' });
  assert.equal(refusal(['a.csv', 'b.csv']).message, 'fakeout replay: unexpected argument "b.csv"');
});

s('a one-letter alias reads as its flag, and a required flag must be given', () => {
  const syntax: CommandSyntax = { summary: 't', flags: { lines: { arg: 'N', short: 'n', help: '' }, user: { arg: 'NAME', help: '', required: true } }, positionals: [] };
  assert.equal(parseCommandArgs('audit tail', ['-n', '5', '--user', 'a'], syntax).flags, { lines: '5', user: 'a' });
  assert.equal(parseCommandArgs('audit tail', ['--lines=5', '--user=a'], syntax).flags, { lines: '5', user: 'a' });
  assert.equal(synopsis('audit tail', syntax), 'fakeout audit tail [-n|--lines N] --user NAME');
  const refused = (args: string[]) => {
    try {
      parseCommandArgs('audit tail', args, syntax);
    } catch (err) {
      return [(err as FakeoutError).message, (err as FakeoutError).info.field];
    }
    return 'accepted';
  };
  assert.equal(refused(['-n', '5']), ['fakeout audit tail: --user NAME is required', '--user']);
  assert.equal(refused(['-n', '5', '--lines', '6', '--user', 'a']), ['fakeout audit tail: --lines given twice', '--lines']);
  assert.equal(refused(['-m', '5', '--user', 'a']), ['fakeout audit tail: unknown flag -m', '-m']);
});

/** `npx fakeout …` cells of the first column of a markdown table. */
function documentedCommands(md: string): string[] {
  // a `|` inside a table cell is written `\|` (GitHub tables split cells on it even in code)
  return [...md.matchAll(/^\| `npx (fakeout [^`]+)` \|/gm)].map((m) => m[1]!.replaceAll('\\|', '|'));
}

s('the usage and the command tables of README.md and docs/operations.md show exactly the commands and flags that exist', () => {
  const synopses = Object.entries(COMMANDS as Record<string, CommandSyntax>).map(([name, c]) => synopsis(name, c));
  assert.ok(synopses.includes('fakeout replay FILE [--symbol SYMBOL] [--format FORMAT]'), synopses.join('\n'));
  for (const line of synopses) assert.ok(USAGE.includes(`  ${line}\n`), `usage shows ${line}`);
  for (const doc of ['README.md', 'docs/operations.md']) {
    const documented = documentedCommands(readFileSync(join(REPO, doc), 'utf8'));
    assert.equal([...documented].sort(), [...synopses].sort(), doc);
  }
});

s.run();
