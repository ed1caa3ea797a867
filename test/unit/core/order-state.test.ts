import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ORDER_TRANSITIONS, TERMINAL_STATUSES, canTransition, transition, type Order, type OrderStatus } from '../../../engine/core/order';
import { newOrder } from './fixtures';

const ALL = Object.keys(ORDER_TRANSITIONS) as OrderStatus[];

describe('order state machine', () => {
  it('walks the normal life of an order', () => {
    const o: Order = newOrder();
    for (const s of ['SUBMITTED', 'ACCEPTED', 'PARTIALLY_FILLED', 'PARTIALLY_FILLED', 'FILLED'] as const) transition(o, s, 1);
    expect(o.status).toBe('FILLED');
  });

  it('remembers the status before a pending request', () => {
    const o = newOrder();
    transition(o, 'SUBMITTED', 1);
    transition(o, 'ACCEPTED', 2);
    transition(o, 'PENDING_CANCEL', 3);
    expect(o.statusBeforePending).toBe('ACCEPTED');
    transition(o, 'CANCELED', 4);
    expect(o.statusBeforePending).toBeNull();
  });

  it('throws a coded error for every transition outside the table', () => {
    for (const from of ALL) {
      for (const to of ALL) {
        const o = { ...newOrder(), status: from };
        if (canTransition(from, to)) expect(() => transition(o, to, 1)).not.toThrow();
        else expect(() => transition(o, to, 1)).toThrow(expect.objectContaining({ code: 'order.illegal_transition' }));
      }
    }
  });

  it('never leaves a terminal state, whatever is tried', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ALL), { maxLength: 40 }), (steps) => {
        const o = newOrder();
        let terminalSeen: OrderStatus | null = null;
        for (const s of steps) {
          try {
            transition(o, s, 1);
          } catch {
            // refused moves leave the order as it was
          }
          if (terminalSeen) expect(o.status).toBe(terminalSeen);
          if (TERMINAL_STATUSES.has(o.status)) terminalSeen = o.status;
        }
      }),
    );
  });
});

describe('pending requests on top of each other', () => {
  it('a cancel asked while an update is pending keeps the status from before both', () => {
    const o = newOrder();
    transition(o, 'SUBMITTED', 1);
    transition(o, 'ACCEPTED', 2);
    transition(o, 'PENDING_UPDATE', 3);
    transition(o, 'PENDING_CANCEL', 4);
    expect(o.statusBeforePending).toBe('ACCEPTED');
    // the venue refuses the cancel: back to ACCEPTED, a legal move
    transition(o, o.statusBeforePending!, 5);
    expect(o.status).toBe('ACCEPTED');
  });
});
