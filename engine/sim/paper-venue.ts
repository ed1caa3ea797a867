/**
 * The paper venue: the simulated venue on its quote path (market orders fill at the next quote, BUY at
 * the ask, SELL at the bid, with the configured latency and slippage models; see the header of
 * simulated-venue.ts), with its own account. It matches quotes only: bars the kernel hands it (a paper
 * session replays bars after their quotes, for bar strategies) are ignored, so an order never fills
 * twice against one stretch of market. Every fill is booked in the `PaperAccount` before the engine
 * hears of it.
 */
import type { VenueEventSink } from '../core/venue';
import type { PaperAccount } from './paper-account';
import { SimulatedVenue, type SimulatedVenueOptions } from './simulated-venue';

export interface PaperVenueOptions extends SimulatedVenueOptions {
  account: PaperAccount;
}

export class PaperVenue extends SimulatedVenue {
  readonly account: PaperAccount;

  constructor(opts: PaperVenueOptions) {
    super({ venue: 'PAPER', ...opts });
    this.account = opts.account;
  }

  override bind(sink: VenueEventSink): void {
    super.bind((e) => {
      if (e.type === 'OrderFilled') this.account.book(e);
      sink(e);
    });
  }

  /** Quotes only: a paper venue does not match bars. */
  override onBar(): void {
    return;
  }
}
