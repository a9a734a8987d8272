/**
 * What one process shares between its execution stages: ONE paper broker (its calls are
 * serialised in memory, so the gateway's placements and the paper-broker stage's bars must go
 * through the same instance), its Postgres book, the gateway's parameters from the config, and
 * the live gateway processor for GET /actors and the summary.
 */
import { listBarsBetween, pgPaperBrokerStore, type Db } from '../../adapters/db/index.ts';
import { PaperBroker } from '../../adapters/broker/paper-broker.ts';
import type { PaperBrokerStore } from '../../adapters/broker/paper-store.ts';
import type { Clock } from '../../adapters/time/clock.ts';
import type { SupervisionNode } from '../../supervision/index.ts';
import type { Config } from '../domain/config.ts';
import { costModelFromConfig, type CostModelParams } from '../execution/cost-model.ts';
import { DEFAULT_LIQUIDITY } from '../execution/liquidity.ts';
import { breakerThresholdsFromConfig, gateThresholdsFromConfig } from '../risk/thresholds.ts';
import type { GatewayParams, GatewayProcessor } from './gateway-processor.ts';

export interface ExecutionWiring {
  params: GatewayParams;
  costModel: Readonly<CostModelParams>;
  store: PaperBrokerStore;
  paperBroker(): Promise<PaperBroker>;
  /** the current incarnation's processor (undefined before the gateway stage prepared) */
  gateway: GatewayProcessor | undefined;
}

export function gatewayParamsFromConfig(c: Readonly<Config>): GatewayParams {
  return {
    startingEquity: c.startingEquity, riskPerTrade: c.riskPerTrade, maxLeverage: c.maxLeverage, costs: costModelFromConfig(c), timeStopBars: c.timeStopBars,
    signalMaxAgeMs: c.signalMaxAgeSeconds * 1000, approvalTtlMs: c.approvalTtlSeconds * 1000,
    gate: gateThresholdsFromConfig(c as Config), breaker: breakerThresholdsFromConfig(c as Config),
  };
}

/** @param simulatedApprover backtests only (`fakeout backtest --engine nats`): see GatewayParams */
export function createExecutionWiring(config: Readonly<Config>, db: Db, clock: Clock, simulatedApprover?: string): ExecutionWiring {
  const store = pgPaperBrokerStore(db);
  const costModel = costModelFromConfig(config);
  let broker: Promise<PaperBroker> | undefined;
  // POLICY: inside the broker's transaction its bars are read on the same connection: PGlite has
  // one, and a read from the pool there waited forever for the connection the transaction held
  let barsDb: Db = db;
  return {
    params: { ...gatewayParamsFromConfig(config), ...(simulatedApprover === undefined ? {} : { simulatedApprover }) },
    costModel,
    store,
    paperBroker() {
      broker ??= PaperBroker.open({
        store, costModel, clock, liquidity: { ...DEFAULT_LIQUIDITY, percentile: config.lowLiqPercentile },
        storedBars: (symbol, tf, from, to) => listBarsBetween(barsDb, symbol, tf, from, to),
        // one commit per call or batch: its orders, fills and state together
        transaction: (fn) => db.transaction().execute(async (tx) => {
          barsDb = tx;
          try {
            return await fn(pgPaperBrokerStore(tx));
          } finally {
            barsDb = db;
          }
        }),
      });
      // a failed open is retried by the next caller (the stage restarts)
      broker.catch(() => (broker = undefined));
      return broker;
    },
    gateway: undefined,
  };
}

/**
 * The tree of GET /actors with the gate and the breaker as two read-only child nodes of the
 * execution-gateway worker, their state values those of its current processor.
 */
export function withMachines(root: SupervisionNode, ex: ExecutionWiring): SupervisionNode {
  const g = ex.gateway;
  const visit = (n: SupervisionNode): SupervisionNode => {
    if (n.kind === 'worker' && n.id === 'execution-gateway' && g !== undefined) {
      const machine = (id: string, state: string): SupervisionNode => ({ id, path: `${n.path}/${id}`, kind: 'worker', status: 'running', state, restarts: 0 });
      return { ...n, children: [machine('gate', g.gateState), machine('breaker', g.breakerState)] };
    }
    return n.children ? { ...n, children: n.children.map(visit) } : n;
  };
  return visit(root);
}
