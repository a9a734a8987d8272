/**
 * Roles and what each may do, as data. One table, read by `can`; the gateway, the CLI and the
 * HTTP API all ask it rather than comparing role names themselves.
 */

export const ROLES = Object.freeze(['viewer', 'trader', 'approver', 'admin'] as const);
export type Role = (typeof ROLES)[number];

export const ACTIONS = Object.freeze([
  /** read signals, orders, fills, the actor tree */
  'view',
  /** propose an order from a signal (it still needs approval while the gate is gated) */
  'orders.propose',
  /** approve or reject an order waiting at the gate (2FA) */
  'orders.approve',
  'orders.reject',
  /** pause the gate by hand: anyone trusted with orders may stop them */
  'gate.pause',
  /** trip the circuit breaker by hand (the kill switch; password, no 2FA: stopping must be easy) */
  'breaker.trip',
  /** close an open circuit breaker (2FA) */
  'breaker.reset',
  /** read the audit log */
  'audit.read',
  /** propose a change of the governed strategy and risk parameters (docs/config.md) */
  'config.propose',
  /** approve or reject a proposed config change (2FA); a second approval must come from someone else */
  'config.approve',
  /** apply a config change alone within desk hours (an admin's approval; machines/config.machine.ts) */
  'config.change',
  /** add users, change roles, enrol TOTP */
  'users.manage',
  /** crash an actor on purpose from the dashboard (a drill of the supervisor; audited before it is done) */
  'actors.fault',
] as const);
export type Action = (typeof ACTIONS)[number];

/**
 * Who may do what. POLICY: least privilege: a trader cannot approve (so no one approves their
 * own proposal by role alone), and only an admin manages users.
 */
export const PERMISSIONS: Readonly<Record<Action, readonly Role[]>> = Object.freeze({
  view: Object.freeze(['viewer', 'trader', 'approver', 'admin'] as const),
  'orders.propose': Object.freeze(['trader', 'admin'] as const),
  'orders.approve': Object.freeze(['approver', 'admin'] as const),
  'orders.reject': Object.freeze(['approver', 'admin'] as const),
  'gate.pause': Object.freeze(['trader', 'approver', 'admin'] as const),
  'breaker.trip': Object.freeze(['trader', 'approver', 'admin'] as const),
  'breaker.reset': Object.freeze(['approver', 'admin'] as const),
  'audit.read': Object.freeze(['approver', 'admin'] as const),
  'config.propose': Object.freeze(['trader', 'approver', 'admin'] as const),
  'config.approve': Object.freeze(['approver', 'admin'] as const),
  'config.change': Object.freeze(['admin'] as const),
  'users.manage': Object.freeze(['admin'] as const),
  'actors.fault': Object.freeze(['admin'] as const),
});

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isAction(value: unknown): value is Action {
  return typeof value === 'string' && (ACTIONS as readonly string[]).includes(value);
}

/** Whether `role` may perform `action`. */
export function can(role: Role, action: Action): boolean {
  return PERMISSIONS[action].includes(role);
}
