/**
 * The human decisions on the ORDERS stream: the contract between the approval surface (HTTP and
 * CLI, actors/app/order-approvals.ts) and the execution gateway that consumes them. Pure data:
 * message shapes, subjects and their deterministic Nats-Msg-Ids.
 *
 * The publisher verifies the person (role, password, single-use TOTP) and publishes as the
 * `gateway` NATS user; the gateway decides what the message does (it may find the order already
 * decided or expired, and then records that instead).
 */
import { symbolToken } from '../domain/messages.ts';

/** A person approved an order waiting at the gate (`orders.approved.<symbolToken>`). */
export interface OrderApprovedMessage {
  /** `<signal id>:entry`, the orders table's key */
  clientOrderId: string;
  symbol: string;
  /** the approving user */
  user: string;
  /** their role when they approved (approver or admin) */
  role: string;
  /** epoch ms, the approving process's clock */
  at: number;
}

/** A person rejected an order waiting at the gate (`orders.rejected.<symbolToken>`). */
export interface OrderRejectedMessage {
  clientOrderId: string;
  symbol: string;
  user: string;
  /** free text, 1..500 characters */
  reason: string;
  at: number;
}

/** A person reset the open circuit breaker with a TOTP code ({@link BREAKER_RESET_SUBJECT}). */
export interface BreakerResetMessage {
  user: string;
  role: string;
  at: number;
}

export function orderApprovedSubject(symbol: string): string {
  return `orders.approved.${symbolToken(symbol)}`;
}

export function orderRejectedSubject(symbol: string): string {
  return `orders.rejected.${symbolToken(symbol)}`;
}

/** The breaker lives in the gateway; its reset is one subject, not per symbol. */
export const BREAKER_RESET_SUBJECT = 'orders.breaker.reset';

/**
 * POLICY: one decision message per order and kind: two approvers approving the same order at
 * once publish the same id and the stream keeps one (duplicate window); an approval and a
 * rejection race as two messages and the gateway applies the first it reads.
 */
export function orderApprovedMsgId(clientOrderId: string): string {
  return `approved:${clientOrderId}`;
}

export function orderRejectedMsgId(clientOrderId: string): string {
  return `rejected:${clientOrderId}`;
}

/** A reset is an event, not a state: each one (user, instant) is its own message. */
export function breakerResetMsgId(user: string, at: number): string {
  return `reset:${user}:${at}`;
}

/** The status the gateway gives an order waiting for a person (orders.status). */
export const PENDING_APPROVAL = 'pending_approval';
