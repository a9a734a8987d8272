/** Roles (actors/auth/roles.ts): the permission table, spelled out independently here. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ACTIONS, PERMISSIONS, ROLES, can, isAction, isRole } from '../../actors/auth/roles.ts';

const s = suite('roles');

s('the four roles, least to most trusted', () => {
  assert.equal([...ROLES], ['viewer', 'trader', 'approver', 'admin']);
});

s('approving, rejecting and resetting the breaker: approver and admin only', () => {
  for (const action of ['orders.approve', 'orders.reject', 'breaker.reset'] as const) {
    assert.equal(ROLES.filter((r) => can(r, action)), ['approver', 'admin'], action);
  }
});

s('managing users and changing config: admin only', () => {
  assert.equal(ROLES.filter((r) => can(r, 'users.manage')), ['admin']);
  assert.equal(ROLES.filter((r) => can(r, 'config.change')), ['admin']);
});

s('a trader proposes but cannot approve; a viewer only views', () => {
  assert.ok(can('trader', 'orders.propose'));
  assert.not.ok(can('trader', 'orders.approve'));
  assert.equal(ACTIONS.filter((a) => can('viewer', a)), ['view']);
});

s('admin may do everything', () => {
  assert.equal(ACTIONS.filter((a) => !can('admin', a)), []);
});

s('every action has a permission row and the table is frozen', () => {
  assert.equal(Object.keys(PERMISSIONS).sort(), [...ACTIONS].sort());
  assert.ok(Object.isFrozen(PERMISSIONS));
  assert.ok(Object.isFrozen(PERMISSIONS['orders.approve']));
});

s('isRole and isAction accept only the listed names', () => {
  assert.ok(isRole('approver'));
  assert.not.ok(isRole('Approver'));
  assert.not.ok(isRole('root'));
  assert.not.ok(isRole(undefined));
  assert.ok(isAction('breaker.reset'));
  assert.not.ok(isAction('toString'));
});

s('the role table in docs/security.md says what PERMISSIONS says', () => {
  const md = readFileSync(join(resolve(import.meta.dirname, '../..'), 'docs/security.md'), 'utf8');
  const start = md.indexOf('## Roles');
  assert.ok(start >= 0, 'docs/security.md has a "## Roles" section');
  const section = md.slice(start, md.indexOf('\n## ', start + 1));
  const documented = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const m = /^\|\s*(`[a-z.]+`(?:,\s*`[a-z.]+`)*)[^|]*\|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    const roles = m[2]!.split('|').map((c, i) => (c.trim() === '✓' ? ROLES[i] : undefined)).filter((r) => r !== undefined);
    for (const a of m[1]!.matchAll(/`([a-z.]+)`/g)) documented.set(a[1]!, roles);
  }
  assert.equal([...documented.keys()].sort(), [...ACTIONS].sort());
  for (const action of ACTIONS) assert.equal(documented.get(action), [...PERMISSIONS[action]], action);
});

s.run();
