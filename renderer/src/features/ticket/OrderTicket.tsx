/**
 * The order ticket: market / limit / stop, buy or sell, size in units or risk % (needs a stop loss),
 * optional SL / TP prices. The engine validates everything; its coded refusal is shown as is.
 * Shortcuts (when focus is not in a field): B = buy side, S = sell side, F2 or T = focus the ticket,
 * Ctrl+Enter = submit. One-click mode adds Buy/Sell market buttons that send at once.
 */
import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { CommandArgsIn } from '../../../../engine/protocol/contract';
import { useApp } from '../../store/hooks';
import { ErrorText } from '../../ui/ErrorText';
import { useCommand } from '../../ui/use-command';
import { unitsForRisk } from './sizing';

type Side = 'BUY' | 'SELL';
type Kind = 'MARKET' | 'LIMIT' | 'STOP';

export function OrderTicket() {
  const { instrumentId, oneClick, setLayout } = useApp(useShallow((s) => ({ instrumentId: s.layout.instrumentId, oneClick: s.layout.oneClick, setLayout: s.setLayout })));
  const inst = useApp((s) => (instrumentId ? s.instruments.get(instrumentId) : undefined));
  const quote = useApp((s) => (instrumentId ? s.views.quotes.get(instrumentId) : undefined));
  const account = useApp((s) => s.views.account);
  const { run, busy, error, setError } = useCommand();
  const [side, setSide] = useState<Side>('BUY');
  const [kind, setKind] = useState<Kind>('MARKET');
  const [sizeMode, setSizeMode] = useState<'units' | 'risk'>('units');
  const [qty, setQty] = useState('10');
  const [riskPct, setRiskPct] = useState('0.5');
  const [price, setPrice] = useState('');
  const [sl, setSl] = useState('');
  const [tp, setTp] = useState('');
  const [last, setLast] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      const inField = t !== null && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA');
      if (e.ctrlKey && e.key === 'Enter' && formRef.current?.contains(t)) {
        e.preventDefault();
        formRef.current.requestSubmit();
        return;
      }
      if (inField || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'b' || e.key === 'B') setSide('BUY');
      else if (e.key === 's' || e.key === 'S') setSide('SELL');
      else if (e.key === 'F2' || e.key === 't' || e.key === 'T') {
        e.preventDefault();
        formRef.current?.querySelector<HTMLInputElement>('input[name=qty],input[name=riskPct]')?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const resolveQty = (s: Side): string | null => {
    if (sizeMode === 'units') return qty.trim();
    if (!inst || !account) return null;
    if (inst.quoteCurrency !== account.currency) {
      setError({ code: 'ui.risk_sizing_currency', message: `risk % sizing needs an instrument quoted in ${account.currency}` });
      return null;
    }
    const entry = Number(kind === 'MARKET' ? (s === 'BUY' ? quote?.ask : quote?.bid) : price);
    const r = unitsForRisk({ equity: account.equity, riskPct: Number(riskPct), entry, stop: Number(sl), pricePrecision: inst.pricePrecision, unitPrecision: inst.unitPrecision, minQty: Number(inst.minQty) });
    if ('error' in r) {
      setError({ code: 'ui.risk_sizing', message: r.error });
      return null;
    }
    return r.qty;
  };

  const submit = (s: Side, k: Kind, withProtection: boolean) => {
    if (!instrumentId) return;
    const q = resolveQty(s);
    if (q === null) return;
    const args: CommandArgsIn<'orders.submit'> = { instrumentId, side: s, type: k, qty: q };
    if (k === 'LIMIT' && price.trim()) args.price = price.trim();
    if (k === 'STOP' && price.trim()) args.triggerPrice = price.trim();
    if (withProtection && sl.trim()) args.stopLoss = sl.trim();
    if (withProtection && tp.trim()) args.takeProfit = tp.trim();
    void run(async (c) => {
      const r = await c.request('orders.submit', args);
      setLast(`${r.clientOrderId}: ${s} ${r.qty} ${instrumentId} ${k}`);
    });
  };

  return (
    <section className="panel ticket" aria-label="Order ticket" data-testid="ticket">
      <h2>
        Order ticket <span className="muted">{instrumentId ?? ''}</span>
      </h2>
      <form
        ref={formRef}
        onSubmit={(e) => {
          e.preventDefault();
          submit(side, kind, true);
        }}
      >
        <div className="seg" role="group" aria-label="Side">
          <button type="button" className={side === 'BUY' ? 'on buy' : ''} aria-pressed={side === 'BUY'} onClick={() => setSide('BUY')}>Buy</button>
          <button type="button" className={side === 'SELL' ? 'on sell' : ''} aria-pressed={side === 'SELL'} onClick={() => setSide('SELL')}>Sell</button>
        </div>
        <label>
          Type
          <select name="type" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            <option value="MARKET">Market</option>
            <option value="LIMIT">Limit</option>
            <option value="STOP">Stop</option>
          </select>
        </label>
        {kind !== 'MARKET' ? (
          <label>
            {kind === 'LIMIT' ? 'Limit price' : 'Stop trigger'}
            <input name="price" inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} />
          </label>
        ) : null}
        <div className="seg" role="group" aria-label="Size in">
          <button type="button" className={sizeMode === 'units' ? 'on' : ''} onClick={() => setSizeMode('units')}>Units</button>
          <button type="button" className={sizeMode === 'risk' ? 'on' : ''} onClick={() => setSizeMode('risk')}>Risk %</button>
        </div>
        {sizeMode === 'units' ? (
          <label>
            Quantity
            <input name="qty" inputMode="decimal" value={qty} onChange={(e) => setQty(e.target.value)} />
          </label>
        ) : (
          <label>
            Risk % of equity (needs SL)
            <input name="riskPct" inputMode="decimal" value={riskPct} onChange={(e) => setRiskPct(e.target.value)} />
          </label>
        )}
        <label>
          Stop loss
          <input name="stopLoss" inputMode="decimal" value={sl} onChange={(e) => setSl(e.target.value)} placeholder={quote?.bid ?? ''} />
        </label>
        <label>
          Take profit
          <input name="takeProfit" inputMode="decimal" value={tp} onChange={(e) => setTp(e.target.value)} placeholder={quote?.ask ?? ''} />
        </label>
        <button type="submit" className={side === 'BUY' ? 'buy' : 'sell'} disabled={busy || !instrumentId} data-testid="ticket-submit">
          {side === 'BUY' ? 'Buy' : 'Sell'} {kind.toLowerCase()} (Ctrl+Enter)
        </button>
        <label className="check">
          <input type="checkbox" checked={oneClick} onChange={(e) => setLayout({ oneClick: e.target.checked })} /> One-click trading
        </label>
        {oneClick ? (
          <div className="seg oneclick">
            <button type="button" className="sell" disabled={busy} onClick={() => submit('SELL', 'MARKET', false)} data-testid="oneclick-sell">
              SELL {quote?.bid ?? ''}
            </button>
            <button type="button" className="buy" disabled={busy} onClick={() => submit('BUY', 'MARKET', false)} data-testid="oneclick-buy">
              BUY {quote?.ask ?? ''}
            </button>
          </div>
        ) : null}
        <ErrorText error={error} testId="ticket-error" />
        {last && !error ? <div className="ok" data-testid="ticket-ok">sent {last}</div> : null}
      </form>
    </section>
  );
}
