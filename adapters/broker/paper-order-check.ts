/**
 * What the paper broker refuses before it stores anything (pure): an order it cannot place, each
 * refusal naming the field. The instrument it trades on when the order is fine.
 */
import { floorToStep, lookupInstrument, type Instrument } from '../../actors/execution/instruments.ts';
import type { OrderRejection, OrderRequest } from './broker.ts';

export type PaperOrderCheck = { instrument: Instrument } | { reason: OrderRejection['reason']; message: string; field: string };

export function checkPaperOrder(req: OrderRequest): PaperOrderCheck {
  const invalid = (field: string, message: string): PaperOrderCheck => ({ reason: 'invalid_order', message, field });
  if (typeof req.clientOrderId !== 'string' || req.clientOrderId.length === 0 || req.clientOrderId.length > 200) return invalid('clientOrderId', 'clientOrderId: expected 1..200 characters');
  const instrument = lookupInstrument(req.symbol);
  if (instrument === undefined) return { reason: 'unknown_symbol', message: `symbol: no instrument configured for ${JSON.stringify(req.symbol)}`, field: 'symbol' };
  if (req.side !== 'buy' && req.side !== 'sell') return invalid('side', `side: expected buy or sell, got ${JSON.stringify(req.side)}`);
  if (req.type !== 'market') return invalid('type', `type: the paper broker takes market orders only, got ${JSON.stringify(req.type)}`);
  if (!(Number.isFinite(req.qty) && req.qty >= instrument.minQty) || floorToStep(req.qty, instrument.qtyStep) !== req.qty) {
    return invalid('qty', `qty: expected a multiple of ${instrument.qtyStep} of at least ${instrument.minQty}, got ${req.qty}`);
  }
  const sigma = req.hints?.sigma;
  if (sigma === undefined || !Number.isFinite(sigma) || sigma < 0) return invalid('hints.sigma', 'hints.sigma: the paper broker needs the per-bar volatility (ATR / price) to model impact');
  return { instrument };
}
