/**
 * The market of the v20 test server: the current quote of each instrument, moved only by the test
 * (`setPrice`), and what the spec derives from it (v20.json definitions ClientPrice, PriceBucket,
 * QuoteHomeConversionFactors, HomeConversions; API-NOTES.md "Pricing" and "Value conventions"):
 * PRICE objects with one bid and one ask bucket, closeout prices, status tradeable/non-tradeable, and
 * the factors that turn quote-currency amounts into home currency — positive amounts with
 * `gain` (1/ask through HOME_QUOTE, bid through QUOTE_HOME), negative ones with `loss` (1/bid, ask),
 * position values with the mid. Factors are rounded half to even to 10 places once, and every P/L and
 * margin figure of the server is computed from the same rounded factor that the fill reports.
 */
import * as D from './decimal';
import type { Dec } from './decimal';
import { conversionRoute, quoteOf, type ConversionRoute, type InstrumentDef } from './instruments';
import { t } from './time';

export const LIQUIDITY = 10_000_000;
export const FACTOR_PLACES = 10;

export interface Quote {
  bid: Dec;
  ask: Dec;
  /** Epoch ms of the last change. */
  time: number;
  tradeable: boolean;
  /** Increases on every change (for `since` queries and stream fan-out). */
  seq: number;
}

export interface Factors {
  gain: Dec;
  loss: Dec;
  value: Dec;
}

export type PriceListener = (instrument: string, quote: Quote) => void;

export class Market {
  private readonly quotes = new Map<string, Quote>();
  private readonly routes = new Map<string, ConversionRoute>();
  private readonly listeners = new Set<PriceListener>();
  private seq = 0;

  constructor(
    readonly instruments: ReadonlyMap<string, InstrumentDef>,
    readonly home: string,
    startTime: number,
  ) {
    for (const def of instruments.values()) {
      this.quotes.set(def.name, { bid: D.dec(def.bid), ask: D.dec(def.ask), time: startTime, tradeable: true, seq: 0 });
      const ccy = quoteOf(def.name);
      const route = conversionRoute(ccy, home, instruments);
      if (!route) {
        throw new Error(
          `oanda-server: ${def.name} is quoted in ${ccy}; add ${home}_${ccy} or ${ccy}_${home} to convert its P/L to ${home}`,
        );
      }
      this.routes.set(ccy, route);
    }
  }

  def(name: string): InstrumentDef | undefined {
    return this.instruments.get(name);
  }

  quote(name: string): Quote {
    const q = this.quotes.get(name);
    if (!q) throw new Error(`oanda-server: unknown instrument ${name}`);
    return q;
  }

  onPrice(listener: PriceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Moves the market. Validation errors are a test's setup mistake and throw. */
  set(name: string, bid: Dec, ask: Dec, time: number): Quote {
    const def = this.instruments.get(name);
    if (!def) throw new Error(`oanda-server: setPrice: unknown instrument ${name}`);
    if (!(bid > 0n) || ask < bid) throw new Error(`oanda-server: setPrice ${name}: need 0 < bid <= ask`);
    if (!D.fitsPlaces(bid, def.displayPrecision) || !D.fitsPlaces(ask, def.displayPrecision)) {
      throw new Error(`oanda-server: setPrice ${name}: more than ${def.displayPrecision} decimals`);
    }
    const prev = this.quote(name);
    const q: Quote = { bid, ask, time, tradeable: prev.tradeable, seq: ++this.seq };
    this.quotes.set(name, q);
    for (const l of this.listeners) l(name, q);
    return q;
  }

  setTradeable(name: string, tradeable: boolean, time: number): void {
    const prev = this.quote(name);
    if (prev.tradeable === tradeable) return;
    const q: Quote = { ...prev, tradeable, time, seq: ++this.seq };
    this.quotes.set(name, q);
    for (const l of this.listeners) l(name, q);
  }

  mid(name: string): Dec {
    const q = this.quote(name);
    return D.divRoundHalfEven(q.bid + q.ask, 2n);
  }

  /** Quote-currency → home-currency factors for an instrument's quote currency. */
  factors(instrument: string): Factors {
    const route = this.routes.get(quoteOf(instrument));
    if (!route) throw new Error(`oanda-server: no conversion for ${instrument}`);
    return this.routeFactors(route);
  }

  private routeFactors(route: ConversionRoute): Factors {
    const r = (x: Dec): Dec => D.round(x, FACTOR_PLACES);
    if (route.kind === 'identity') return { gain: D.ONE, loss: D.ONE, value: D.ONE };
    const q = this.quote(route.via);
    const mid = this.mid(route.via);
    if (route.kind === 'divide') {
      return { gain: r(D.div(D.ONE, q.ask)), loss: r(D.div(D.ONE, q.bid)), value: r(D.div(D.ONE, mid)) };
    }
    return { gain: r(q.bid), loss: r(q.ask), value: r(mid) };
  }

  /** A quote-currency amount in home currency, rounded to 4 places (the money unit). */
  toHome(instrument: string, amountInQuote: Dec): Dec {
    const f = this.factors(instrument);
    return D.mulRound(amountInQuote, amountInQuote >= 0n ? f.gain : f.loss, 4);
  }

  /** Position value of `units` in home currency (mid price, mid factor), 4 places. */
  valueInHome(instrument: string, units: Dec): Dec {
    return D.mulRound(D.mul(D.abs(units), this.mid(instrument)), this.factors(instrument).value, 4);
  }

  fmtPrice(instrument: string, p: Dec): string {
    return D.fmt(p, this.quotePlaces(instrument));
  }

  /** Mid prices may carry one extra decimal (API-NOTES.md "Candles"). */
  fmtMid(instrument: string, p: Dec): string {
    const places = this.quotePlaces(instrument);
    return D.fmt(p, D.fitsPlaces(p, places) ? places : places + 1);
  }

  private quotePlaces(instrument: string): number {
    const def = this.instruments.get(instrument);
    if (!def) throw new Error(`oanda-server: unknown instrument ${instrument}`);
    return def.displayPrecision;
  }

  /** The PRICE object of the pricing stream and of GET …/pricing (ClientPrice). */
  clientPrice(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const q = this.quote(name);
    return {
      type: 'PRICE',
      time: t(q.time),
      bids: [{ price: this.fmtPrice(name, q.bid), liquidity: LIQUIDITY }],
      asks: [{ price: this.fmtPrice(name, q.ask), liquidity: LIQUIDITY }],
      closeoutBid: this.fmtPrice(name, q.bid),
      closeoutAsk: this.fmtPrice(name, q.ask),
      status: q.tradeable ? 'tradeable' : 'non-tradeable',
      tradeable: q.tradeable,
      instrument: name,
      ...extra,
    };
  }

  quoteHomeConversionFactors(name: string): { positiveUnits: string; negativeUnits: string } {
    const f = this.factors(name);
    return { positiveUnits: D.fmt(f.gain, FACTOR_PLACES), negativeUnits: D.fmt(f.loss, FACTOR_PLACES) };
  }

  /** HomeConversions for every currency the instruments involve (GET …/pricing?includeHomeConversions). */
  homeConversions(): Array<Record<string, string>> {
    const ccys = new Set<string>();
    for (const name of this.instruments.keys()) for (const c of name.split('_')) ccys.add(c);
    const out: Array<Record<string, string>> = [];
    for (const c of [...ccys].sort()) {
      const route = conversionRoute(c, this.home, this.instruments);
      if (!route) continue;
      const f = this.routeFactors(route);
      out.push({
        currency: c,
        accountGain: D.fmt(f.gain, FACTOR_PLACES),
        accountLoss: D.fmt(f.loss, FACTOR_PLACES),
        positionValue: D.fmt(f.value, FACTOR_PLACES),
      });
    }
    return out;
  }

  names(): string[] {
    return [...this.instruments.keys()];
  }
}
