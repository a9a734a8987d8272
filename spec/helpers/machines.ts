/**
 * The execution gate's and the circuit breaker's state values as `GET /actors` of a running
 * fakeout shows them (the two read-only children of the execution-gateway worker), or undefined
 * when nothing listens there yet or the gateway stage has not prepared.
 */
import type { SupervisionNode } from '../../supervision/index.ts';

export async function gatewayMachines(url: string): Promise<{ gate: string; breaker: string } | undefined> {
  const found: Record<string, string> = {};
  const visit = (n: SupervisionNode) => {
    if (n.path.endsWith('execution-gateway/gate') || n.path.endsWith('execution-gateway/breaker')) found[n.id] = String(n.state);
    n.children?.forEach(visit);
  };
  try {
    const body = (await (await fetch(`${url}/actors`)).json()) as SupervisionNode | { tree: SupervisionNode };
    visit('tree' in body ? body.tree : body);
  } catch {
    return undefined; // not listening yet
  }
  return found.gate === undefined ? undefined : { gate: found.gate, breaker: found.breaker! };
}

/**
 * The gateway-lease worker's state as `GET /actors` of a gateway process shows it: `standby`,
 * `acquiring`, `active` (the machine's `{ active: 'holding' | 'renewing' }`), `lost`…; undefined
 * when nothing listens there yet or the process runs no lease.
 */
export async function leaseState(url: string): Promise<string | undefined> {
  let state: unknown;
  const visit = (n: SupervisionNode) => {
    if (n.kind === 'worker' && n.id === 'gateway-lease') state = n.state;
    n.children?.forEach(visit);
  };
  try {
    const body = (await (await fetch(`${url}/actors`)).json()) as SupervisionNode | { tree: SupervisionNode };
    visit('tree' in body ? body.tree : body);
  } catch {
    return undefined;
  }
  if (state === undefined) return undefined;
  return typeof state === 'string' ? state : Object.keys(state as object)[0];
}

/** The ids of the workers under the gateway-lease worker in `GET /actors` (the stages it holds); [] for none. */
export async function heldWorkers(url: string): Promise<string[]> {
  const ids: string[] = [];
  const visit = (n: SupervisionNode, under: boolean) => {
    if (under && n.kind === 'worker') ids.push(n.id);
    n.children?.forEach((c) => visit(c, under || n.id === 'gateway-lease'));
  };
  const body = (await (await fetch(`${url}/actors`)).json()) as SupervisionNode | { tree: SupervisionNode };
  visit('tree' in body ? body.tree : body, false);
  return ids.filter((id) => id !== 'gate' && id !== 'breaker');
}
