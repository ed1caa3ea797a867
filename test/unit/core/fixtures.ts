import type { Order } from '../../../engine/core/order';

/** A fresh INITIALIZED market order; fields may be overridden. */
export function newOrder(over: Partial<Order> = {}): Order {
  return {
    clientOrderId: 'C-1',
    venueOrderId: null,
    strategyId: 's',
    instrumentId: 'AAPL',
    side: 'BUY',
    type: 'MARKET',
    qty: 100,
    price: null,
    triggerPrice: null,
    tif: 'GTC',
    expireTs: null,
    reduceOnly: false,
    role: 'ENTRY',
    parentId: null,
    ocoGroup: null,
    bracket: null,
    tag: '',
    status: 'INITIALIZED',
    statusBeforePending: null,
    filledQty: 0,
    fillCost: 0,
    tsInit: 0,
    tsLast: 0,
    ...over,
  };
}
