/** Watchlist: live bid / ask / spread per instrument (the `quotes` view); a click selects the chart's instrument. */
import { memo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../../store/hooks';

const Row = memo(function Row({ id, selected, onSelect }: { id: string; selected: boolean; onSelect: (id: string) => void }) {
  const q = useApp((s) => s.views.quotes.get(id));
  return (
    <tr className={selected ? 'selected' : ''} onClick={() => onSelect(id)} data-quote={id} aria-selected={selected}>
      <td>{id}</td>
      <td className="num" data-field="bid">{q?.bid ?? '—'}</td>
      <td className="num" data-field="ask">{q?.ask ?? '—'}</td>
      <td className="num muted" data-field="spread">{q?.spread ?? '—'}</td>
    </tr>
  );
});

export function Watchlist() {
  const ids = useApp(useShallow((s) => [...s.instruments.keys()]));
  const selected = useApp((s) => s.layout.instrumentId);
  const setLayout = useApp((s) => s.setLayout);
  return (
    <section className="panel watchlist" aria-label="Watchlist" data-testid="watchlist">
      <h2>Watchlist</h2>
      <table className="grid">
        <thead>
          <tr><th>Instrument</th><th>Bid</th><th>Ask</th><th>Spread</th></tr>
        </thead>
        <tbody>
          {ids.map((id) => (
            <Row key={id} id={id} selected={id === selected} onSelect={(i) => setLayout({ instrumentId: i })} />
          ))}
        </tbody>
      </table>
    </section>
  );
}
