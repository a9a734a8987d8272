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
