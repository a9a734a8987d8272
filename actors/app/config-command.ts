/**
 * `fakeout config propose|approve|reject|show|history|diff` (docs/config.md).
 *
 * propose, approve and reject go through the running fakeout's HTTP API
 * (adapters/http/config.routes.ts), which authenticates the person (password from the variable
 * named by --password-env, TOTP for approvals), runs the proposal's machine and, when it applies,
 * writes the KV bucket `config` as `admin`. show, history and diff read `config_versions` and
 * `config_proposals` from the database.
 */
import { formatUtc } from '../../adapters/time/clock.ts';
import type { ConfigProposalRecord } from '../../adapters/db/config.repo.ts';
import { FakeoutError } from '../domain/errors.ts';
import { diffParams, GOVERNED_NAMES, type GovernedParams, type GovernedVersion } from '../config/governed.ts';
import { OPEN_STATES, type ConfigStateValue } from '../../machines/config.machine.ts';
import { parseCommandArgs, type CommandSyntax } from './cli-args.ts';
import { callFakeout, PASSWORD_FLAG, passwordFrom, URL_FLAG } from './orders-command.ts';


export const CONFIG_COMMANDS = Object.freeze({
  'config propose': {
    summary: 'propose a change of governed parameters (--set triggerScore=75,riskPerTrade=0.004); an approver or admin adding --code gives the first approval (an admin in desk hours applies it)',
    flags: {
      user: { arg: 'NAME', help: 'who proposes (trader, approver or admin)', required: true },
      set: { arg: 'NAME=VALUE,…', help: `the changes: ${GOVERNED_NAMES.join(', ')}`, required: true },
      reason: { arg: 'TEXT', help: 'why (1..500 characters)', required: true },
      code: { arg: 'CODE', help: "optional: the proposer's current TOTP code, as their approval" },
      'password-env': PASSWORD_FLAG,
      url: URL_FLAG,
    },
    positionals: [],
  },
  'config approve': {
    summary: 'approve a proposed config change (approver or admin, TOTP); out of desk hours the second approval must come from someone else',
    flags: { user: { arg: 'NAME', help: 'who approves', required: true }, code: { arg: 'CODE', help: 'the six digits their authenticator shows now', required: true }, 'password-env': PASSWORD_FLAG, url: URL_FLAG },
    positionals: ['PROPOSAL_ID'],
  },
  'config reject': {
    summary: 'reject a proposed config change (approver, admin, or the proposer withdrawing it)',
    flags: { user: { arg: 'NAME', help: 'who rejects', required: true }, reason: { arg: 'TEXT', help: 'why (1..500 characters)', required: true }, 'password-env': PASSWORD_FLAG, url: URL_FLAG },
    positionals: ['PROPOSAL_ID'],
  },
  'config show': { summary: 'the governed config version in force (from the database mirror of the KV bucket)', flags: {}, positionals: [] },
  'config history': { summary: 'applied versions and proposals, newest first', flags: { limit: { arg: 'N', help: 'at most N of each (default 20)' } }, positionals: [] },
  'config diff': { summary: 'what changed between two applied versions (`config diff 1 3`)', flags: {}, positionals: ['FROM_VERSION', 'TO_VERSION'] },
} satisfies Record<string, CommandSyntax>);

export type ConfigCommand = keyof typeof CONFIG_COMMANDS;

export interface ConfigCliIo {
  env: Readonly<Record<string, string | undefined>>;
  defaultUrl: string;
  out: (line: string) => void;
  /** the database reads (withAuthDatabase in the CLI) */
  read: <T>(fn: (r: ConfigReads) => Promise<T>) => Promise<T>;
  now: () => number;
}

export interface ConfigReads {
  versions(limit: number): Promise<GovernedVersion[]>;
  version(n: number): Promise<GovernedVersion | undefined>;
  proposals(limit: number): Promise<ConfigProposalRecord[]>;
}

/** `triggerScore=75,riskPerTrade=0.004` → `{ triggerScore: '75', riskPerTrade: '0.004' }` (validated by the server). */
export function parseSet(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new FakeoutError('FAKEOUT_ERR_CLI_USAGE', `--set: expected NAME=VALUE, got ${JSON.stringify(part)}`, { details: { field: '--set' } });
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  if (Object.keys(out).length === 0) throw new FakeoutError('FAKEOUT_ERR_CLI_USAGE', '--set: expected at least one NAME=VALUE', { details: { field: '--set' } });
  return out;
}

const paramsLine = (p: GovernedParams) => GOVERNED_NAMES.map((k) => `${k}=${p[k]}`).join(' ');

function versionArg(text: string, field: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new FakeoutError('FAKEOUT_ERR_CLI_USAGE', `${field}: expected a version number ≥ 1, got ${JSON.stringify(text)}`, { details: { field } });
  return n;
}

/** An open proposal past its expiry shows as expired even before anyone touched it again. */
function shownState(p: ConfigProposalRecord, now: number): string {
  return OPEN_STATES.includes(p.state as ConfigStateValue) && now >= p.expiresAt ? 'expired' : p.state;
}

function outcome(r: { id: string; state: string; appliedVersion: number | null; inDeskHours: boolean }): string {
  if (r.state === 'applied') return `${r.id}: applied as version ${r.appliedVersion}; the stages use it from their next batch`;
  if (r.state === 'pendingSecondApproval') return `${r.id}: pending a second approval by a different approver or admin${r.inDeskHours ? '' : ' (out of desk hours)'}`;
  return `${r.id}: ${r.state}`;
}

export async function runConfigCommand(command: ConfigCommand, args: readonly string[], io: ConfigCliIo): Promise<void> {
  const { flags, positionals } = parseCommandArgs(command, args, CONFIG_COMMANDS[command]);
  const url = flags.url ?? io.defaultUrl;
  const path = (id: string, verb: string) => `/api/config/proposals/${encodeURIComponent(id)}/${verb}`;
  switch (command) {
    case 'config propose': {
      const user = flags.user!;
      const changes = parseSet(flags.set!);
      const body = { user, password: passwordFrom(flags, io.env, user), changes, reason: flags.reason!, ...(flags.code === undefined ? {} : { code: flags.code }) };
      const r = (await callFakeout(url, '/api/config/proposals', { method: 'POST', body })) as { id: string; state: string; appliedVersion: number | null; inDeskHours: boolean; changes: Record<string, [number, number]>; expiresAt: number };
      for (const [k, [a, b]] of Object.entries(r.changes)) io.out(`  ${k}: ${a} -> ${b}`);
      io.out(outcome(r));
      if (r.state === 'proposed') io.out(`waiting for approval until ${formatUtc(r.expiresAt)}: fakeout config approve ${r.id} --user NAME --code CODE`);
      return;
    }
    case 'config approve': {
      const user = flags.user!;
      const r = (await callFakeout(url, path(positionals[0]!, 'approve'), { method: 'POST', body: { user, password: passwordFrom(flags, io.env, user), code: flags.code! } })) as Parameters<typeof outcome>[0];
      io.out(outcome(r));
      return;
    }
    case 'config reject': {
      const user = flags.user!;
      const r = (await callFakeout(url, path(positionals[0]!, 'reject'), { method: 'POST', body: { user, password: passwordFrom(flags, io.env, user), reason: flags.reason! } })) as Parameters<typeof outcome>[0];
      io.out(outcome(r));
      return;
    }
    case 'config show': {
      const [v] = await io.read((r) => r.versions(1));
      if (v === undefined) {
        io.out('no governed config version yet: start fakeout once (it seeds version 1 from the environment)');
        return;
      }
      io.out(`version ${v.version}, applied ${formatUtc(v.appliedAt)} by ${v.appliedBy}${v.proposalId ? ` (${v.proposalId})` : ''}`);
      for (const k of GOVERNED_NAMES) io.out(`  ${k} = ${v.params[k]}`);
      return;
    }
    case 'config history': {
      const limit = flags.limit === undefined ? 20 : versionArg(flags.limit, '--limit');
      const { versions, proposals } = await io.read(async (r) => ({ versions: await r.versions(limit), proposals: await r.proposals(limit) }));
      io.out('versions:');
      for (const v of versions) io.out(`  ${v.version}\t${formatUtc(v.appliedAt)}\t${v.appliedBy}\t${v.proposalId ?? '-'}\t${paramsLine(v.params)}`);
      io.out('proposals:');
      if (proposals.length === 0) io.out('  none');
      const now = io.now();
      for (const p of proposals) {
        const changes = Object.entries(diffParams(p.before, p.after)).map(([k, [a, b]]) => `${k} ${a}->${b}`).join(', ');
        io.out(`  ${p.id}\t${formatUtc(p.proposedAt)}\t${p.proposedBy}\t${shownState(p, now)}\t${changes}\t${JSON.stringify(p.reason)}`);
      }
      return;
    }
    case 'config diff': {
      const a = versionArg(positionals[0]!, 'FROM_VERSION');
      const b = versionArg(positionals[1]!, 'TO_VERSION');
      const [va, vb] = await io.read(async (r) => [await r.version(a), await r.version(b)] as const);
      for (const [n, v] of [[a, va], [b, vb]] as const) {
        if (v === undefined) throw new FakeoutError('FAKEOUT_ERR_CONFIG_PROPOSAL_UNKNOWN', `no config version ${n} (fakeout config history lists them)`, { details: { field: n === a ? 'FROM_VERSION' : 'TO_VERSION' } });
      }
      const d = diffParams(va!.params, vb!.params);
      if (Object.keys(d).length === 0) io.out(`versions ${a} and ${b} hold the same parameters`);
      for (const [k, [x, y]] of Object.entries(d)) io.out(`${k}: ${x} -> ${y}`);
      return;
    }
  }
}
