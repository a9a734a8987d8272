/**
 * The Actors tab's "inject fault": find the worker the operator named, write the audit entry,
 * then crash it through the supervisor's own fault seam (`Supervisor.injectFault`, the same one
 * the fault e2e tests and the (k) benchmark use), so the drill exercises the real restart path.
 *
 * POLICY: the audit entry is written BEFORE the fault: if it cannot be written, nothing is
 * injected (an unaudited crash of a production actor must not happen). A request refused
 * before that (unknown actor, not running) changed nothing and is not audited.
 */
import { FakeoutError } from '../../../actors/domain/errors.ts';
import type { SupervisionNode } from '../../../supervision/index.ts';

export const FAULT_AUDIT_ACTION = 'actor.fault';

export interface ActorFaultDeps {
  /** the tree of the supervisor `inject` goes to (only actors it can reach) */
  tree(): SupervisionNode;
  /** `Supervisor.injectFault`: false when the actor is not running right now */
  inject(path: string, reason: string): boolean;
  /** appends one audit entry (adapters/db appendAudit) */
  audit(entry: { at: number; actor: string; action: string; subject: string; details: Record<string, unknown> }): Promise<unknown>;
  now(): number;
}

function walk(node: SupervisionNode): SupervisionNode[] {
  return [node, ...(node.children ?? []).flatMap(walk)];
}

/**
 * The worker `id` names: a full supervision path (`fakeout/pipeline/bar-builder`) or an id that
 * only one node of the tree has (`bar-builder`).
 * @throws FakeoutError FAKEOUT_ERR_SUPERVISOR_UNKNOWN_CHILD naming `id` when no worker (or more than one) answers to it
 */
export function resolveWorker(tree: SupervisionNode, id: string): SupervisionNode {
  const nodes = walk(tree);
  const matches = id.includes('/') ? nodes.filter((n) => n.path === id) : nodes.filter((n) => n.id === id);
  if (matches.length === 0) {
    throw new FakeoutError('FAKEOUT_ERR_SUPERVISOR_UNKNOWN_CHILD', `no actor ${JSON.stringify(id)} in the supervision tree (see GET /ui/api/actors)`, { details: { path: id, field: 'id' } });
  }
  if (matches.length > 1) {
    throw new FakeoutError('FAKEOUT_ERR_SUPERVISOR_UNKNOWN_CHILD', `actor id ${JSON.stringify(id)} is ambiguous: give its path (${matches.map((n) => n.path).join(', ')})`, { details: { path: id, field: 'id' } });
  }
  const node = matches[0]!;
  if (node.kind !== 'worker') {
    throw new FakeoutError('FAKEOUT_ERR_SUPERVISOR_UNKNOWN_CHILD', `${node.path} is a supervisor, not an actor that can be faulted`, { details: { path: node.path, field: 'id' } });
  }
  return node;
}

/** Audits, then injects the fault; resolves with the worker's path and when it was asked. */
export async function injectActorFault(deps: ActorFaultDeps, id: string, by: string): Promise<{ path: string; at: number }> {
  const node = resolveWorker(deps.tree(), id);
  if (node.status !== 'running') {
    throw new FakeoutError('FAKEOUT_ERR_SUPERVISOR_NOT_RUNNING', `${node.path} is ${node.status}, not running: nothing was injected`, { details: { path: node.path, status: node.status } });
  }
  const at = deps.now();
  const reason = `injected from the dashboard by ${by}`;
  await deps.audit({ at, actor: by, action: FAULT_AUDIT_ACTION, subject: `actor:${node.path}`, details: { path: node.path, reason, state: node.state ?? null } });
  if (!deps.inject(node.path, reason)) {
    // it went down between the check and now: the audit entry stays (it was asked for), nothing was injected
    throw new FakeoutError('FAKEOUT_ERR_SUPERVISOR_NOT_RUNNING', `${node.path} stopped running before the fault reached it: nothing was injected`, { details: { path: node.path } });
  }
  return { path: node.path, at };
}
