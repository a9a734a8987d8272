/**
 * One proposed config change (docs/config.md):
 *
 *   proposed ──APPROVE (admin, in desk hours)────────────────────────────► applied
 *      │      ──APPROVE (anyone else who may approve) ─► pendingSecondApproval
 *      │                                                 │ APPROVE by a *different* approver/admin ─► applied
 *      │                                                 │ APPROVE by the proposer or the first approver: refused, stays
 *      ├─REJECT / pendingSecondApproval─REJECT ──────────────────────────────► rejected
 *      └─EXPIRE, or any event at or after expiresAt ─────────────────────────► expired
 *
 * A proposer who may approve (approver, admin) gives the first approval by proposing: an admin
 * in desk hours applies alone; out of hours the change waits in `pendingSecondApproval` for a
 * second, different person. A second approval always comes from someone else. The wiring
 * (actors/config/config.service.ts) sends the proposer's APPROVE right after creation, authenticates
 * every person (password, TOTP for approvals) and decides `inHours` with the pure desk-hours
 * function at the event's `at`: the machine takes time only from its events.
 *
 * Persistence: the context is plain JSON and there are no timers, so
 * `createActor(configMachine, { snapshot })` restores it completely (config_proposals.context).
 */
import { assign, setup } from 'xstate';

export type ApprovingRole = 'approver' | 'admin';
export const APPROVING_ROLES: readonly string[] = Object.freeze(['approver', 'admin']);

export interface ConfigApproval {
  by: string;
  role: string;
  at: number;
  inHours: boolean;
}

export type ConfigRefusal = 'self-approval' | 'role' | null;

export interface ConfigProposalContext {
  id: string;
  proposer: string;
  proposerRole: string;
  expiresAt: number;
  approvals: ConfigApproval[];
  /** why the last APPROVE changed nothing; null when it did */
  lastRefusal: ConfigRefusal;
  decidedBy: string | null;
  decidedAt: number | null;
  reason: string | null;
}

export interface ConfigProposalInput {
  id: string;
  proposer: string;
  proposerRole: string;
  expiresAt: number;
}

export type ConfigEvent =
  | { type: 'APPROVE'; by: string; role: string; at: number; inHours: boolean }
  | { type: 'REJECT'; by: string; at: number; reason: string }
  | { type: 'EXPIRE'; at: number };

export type ConfigStateValue = 'proposed' | 'pendingSecondApproval' | 'applied' | 'rejected' | 'expired';
export const OPEN_STATES: readonly ConfigStateValue[] = Object.freeze(['proposed', 'pendingSecondApproval']);

const past = ({ context, event }: { context: ConfigProposalContext; event: ConfigEvent }) => event.at >= context.expiresAt;
const mayApprove = (event: ConfigEvent) => event.type === 'APPROVE' && APPROVING_ROLES.includes(event.role);

export const configMachine = setup({
  types: {
    context: {} as ConfigProposalContext,
    input: {} as ConfigProposalInput,
    events: {} as ConfigEvent,
  },
  guards: {
    expired: past,
    notApprover: ({ event }) => !mayApprove(event),
    /** an admin inside desk hours may apply a change alone */
    adminInHours: ({ event }) => event.type === 'APPROVE' && event.role === 'admin' && event.inHours,
    /** the proposer or someone who already approved */
    samePerson: ({ context, event }) => event.type === 'APPROVE' && (event.by === context.proposer || context.approvals.some((a) => a.by === event.by)),
  },
  actions: {
    recordApproval: assign({
      approvals: ({ context, event }) => (event.type === 'APPROVE' ? [...context.approvals, { by: event.by, role: event.role, at: event.at, inHours: event.inHours }] : context.approvals),
      lastRefusal: null,
    }),
    refuseRole: assign({ lastRefusal: 'role' as ConfigRefusal }),
    refuseSelf: assign({ lastRefusal: 'self-approval' as ConfigRefusal }),
    decide: assign({
      decidedBy: ({ event }) => (event.type === 'EXPIRE' ? null : event.by),
      decidedAt: ({ event }) => event.at,
      reason: ({ event, context }) => (event.type === 'REJECT' ? event.reason : context.reason),
    }),
  },
}).createMachine({
  id: 'config-proposal',
  context: ({ input }) => ({
    id: input.id, proposer: input.proposer, proposerRole: input.proposerRole, expiresAt: input.expiresAt,
    approvals: [], lastRefusal: null, decidedBy: null, decidedAt: null, reason: null,
  }),
  initial: 'proposed',
  states: {
    proposed: {
      on: {
        APPROVE: [
          { guard: 'expired', target: 'expired', actions: 'decide' },
          { guard: 'notApprover', actions: 'refuseRole' },
          { guard: 'adminInHours', target: 'applied', actions: ['recordApproval', 'decide'] },
          { target: 'pendingSecondApproval', actions: 'recordApproval' },
        ],
        REJECT: [{ guard: 'expired', target: 'expired', actions: 'decide' }, { target: 'rejected', actions: 'decide' }],
        EXPIRE: { guard: 'expired', target: 'expired', actions: 'decide' },
      },
    },
    pendingSecondApproval: {
      on: {
        APPROVE: [
          { guard: 'expired', target: 'expired', actions: 'decide' },
          { guard: 'notApprover', actions: 'refuseRole' },
          { guard: 'samePerson', actions: 'refuseSelf' },
          { target: 'applied', actions: ['recordApproval', 'decide'] },
        ],
        REJECT: [{ guard: 'expired', target: 'expired', actions: 'decide' }, { target: 'rejected', actions: 'decide' }],
        EXPIRE: { guard: 'expired', target: 'expired', actions: 'decide' },
      },
    },
    applied: { type: 'final' },
    rejected: { type: 'final' },
    expired: { type: 'final' },
  },
});
