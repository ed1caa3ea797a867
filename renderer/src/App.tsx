import { desktopApi } from './desktop';

export const APP_NAME = 'Trading Workstation';

/** The application shell. The engine connection is not wired up yet, so the status says so. */
export function App() {
  const desktop = desktopApi();
  const host = desktop
    ? `desktop · ${desktop.platform} · electron ${desktop.versions.electron}`
    : 'browser';

  return (
    <div className="shell">
      <header className="shell__header">
        <h1 className="shell__title">{APP_NAME}</h1>
      </header>
      <main className="shell__main" />
      <footer className="shell__status" role="status" aria-live="polite">
        <span className="status status--down">engine: not connected</span>
        <span className="shell__host">{host}</span>
      </footer>
    </div>
  );
}
