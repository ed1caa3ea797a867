/**
 * The workstation shell: header (trading-state banner, re-arm, latest alert, connection, emergency
 * liquidate), watchlist | chart | ticket + account + risk, and the bottom tabs (positions, orders,
 * fills, strategies, backtests, config, alerts). Layout choices persist (store/layout.ts).
 * Shortcuts: Ctrl+Shift+X flatten (typed confirmation), B / S / T for the ticket, Alt+1..7 tabs.
 */
import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { desktopApi } from './desktop';
import { useEngineConnection } from './engine-client/use-engine-connection';
import { AccountPanel } from './features/account/AccountPanel';
import { AlertsFeed, LatestAlert } from './features/alerts/AlertsFeed';
import { Backtests } from './features/backtest/Backtests';
import { ChartPanel } from './features/chart/ChartPanel';
import { ConfigEditor } from './features/config/ConfigEditor';
import { Fills } from './features/fills/Fills';
import { KillSwitch, ReArm } from './features/killswitch/KillSwitch';
import { Login } from './features/login/Login';
import { WorkingOrders } from './features/orders/WorkingOrders';
import { Positions } from './features/positions/Positions';
import { RiskMeters } from './features/risk/RiskMeters';
import { Strategies } from './features/strategies/Strategies';
import { ConnectionStatus, TradingBanner } from './features/status/TradingBanner';
import { OrderTicket } from './features/ticket/OrderTicket';
import { Watchlist } from './features/watchlist/Watchlist';
import type { AppStore } from './store/app-store';
import { ClientContext, StoreContext, useApp } from './store/hooks';
import { BOTTOM_TABS, type BottomTab } from './store/layout';
import { Splitter } from './ui/Splitter';

export const APP_NAME = 'Trading Workstation';

const TAB_LABEL: Record<BottomTab, string> = {
  positions: 'Positions',
  orders: 'Working orders',
  fills: 'Fills',
  strategies: 'Strategies',
  backtests: 'Backtests',
  config: 'Configuration',
  alerts: 'Alerts',
};

function BottomPanel() {
  const tab = useApp((s) => s.layout.bottomTab);
  const setLayout = useApp((s) => s.setLayout);
  const counts = useApp(useShallow((s) => ({ positions: s.views.positions.size, alerts: s.alerts.length })));
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const n = Number(e.key);
      if (e.altKey && n >= 1 && n <= BOTTOM_TABS.length) {
        e.preventDefault();
        setLayout({ bottomTab: BOTTOM_TABS[n - 1]! });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setLayout]);
  return (
    <section className="panel bottom" aria-label="Trading tables">
      <div className="tabs" role="tablist">
        {BOTTOM_TABS.map((t, i) => (
          <button key={t} type="button" role="tab" aria-selected={t === tab} className={t === tab ? 'on' : ''} onClick={() => setLayout({ bottomTab: t })} title={`Alt+${i + 1}`} data-tab={t}>
            {TAB_LABEL[t]}
            {t === 'positions' && counts.positions > 0 ? ` (${counts.positions})` : ''}
            {t === 'alerts' && counts.alerts > 0 ? ` (${counts.alerts})` : ''}
          </button>
        ))}
      </div>
      <div className="tabs__body" role="tabpanel">
        {tab === 'positions' ? <Positions /> : null}
        {tab === 'orders' ? <WorkingOrders /> : null}
        {tab === 'fills' ? <Fills /> : null}
        {tab === 'strategies' ? <Strategies /> : null}
        {tab === 'backtests' ? <Backtests /> : null}
        {tab === 'config' ? <ConfigEditor /> : null}
        {tab === 'alerts' ? <AlertsFeed /> : null}
      </div>
    </section>
  );
}

function Workstation() {
  const { sideWidth, bottomHeight, setLayout } = useApp(useShallow((s) => ({ sideWidth: s.layout.sideWidth, bottomHeight: s.layout.bottomHeight, setLayout: s.setLayout })));
  return (
    <main className="workstation" style={{ gridTemplateColumns: `260px 1fr 6px ${sideWidth}px`, gridTemplateRows: `1fr 6px ${bottomHeight}px` }}>
      <Watchlist />
      <ChartPanel />
      <Splitter axis="x" label="Resize the side column" value={sideWidth} onChange={(v) => setLayout({ sideWidth: Math.max(260, Math.min(700, v)) })} />
      <div className="side">
        <OrderTicket />
        <AccountPanel />
        <RiskMeters />
      </div>
      <Splitter axis="y" label="Resize the bottom panel" value={bottomHeight} onChange={(v) => setLayout({ bottomHeight: Math.max(120, Math.min(700, v)) })} />
      <BottomPanel />
    </main>
  );
}

export function App({ store }: { store: AppStore }) {
  const desktop = desktopApi();
  const conn = useEngineConnection(store, desktop);
  const host = desktop ? `desktop · ${desktop.platform} · electron ${desktop.versions.electron}` : 'browser';
  return (
    <StoreContext.Provider value={store}>
      <ClientContext.Provider value={conn.client}>
        <div className="shell">
          <header className="shell__header">
            <h1 className="shell__title">{APP_NAME}</h1>
            <TradingBanner />
            <ReArm />
            <LatestAlert />
            <span className="spacer" />
            <KillSwitch />
          </header>
          {conn.needToken && !desktop ? <Login onToken={conn.submitToken} error={conn.loginError} busy={conn.connecting} /> : <Workstation />}
          <footer className="shell__status" role="status" aria-live="polite">
            <ConnectionStatus />
            <span className="shell__host">{host}</span>
          </footer>
        </div>
      </ClientContext.Provider>
    </StoreContext.Provider>
  );
}
