/**
 * "Report": asks the engine for the tester report (`report.tester`, an HTML page) and opens it in a
 * new tab from a blob: URL (revoked after a minute). The command is called by name (requestRaw):
 * until the engine offers it, its coded refusal (`protocol.unknown_command`) is shown.
 */
import { useState } from 'react';
import { ErrorText } from './ErrorText';
import { useCommand } from './use-command';

export function ReportButton({ args, label = 'Report' }: { args: Record<string, unknown>; label?: string }) {
  const { run, busy, error } = useCommand();
  const [opened, setOpened] = useState(false);
  return (
    <span className="report-button">
      <button
        type="button"
        disabled={busy}
        data-testid="report-button"
        onClick={() =>
          void run(async (c) => {
            const r = (await c.requestRaw('report.tester', args, { timeoutMs: 60_000 })) as { html?: unknown };
            if (typeof r?.html !== 'string') throw new Error('the engine sent no report HTML');
            const url = URL.createObjectURL(new Blob([r.html], { type: 'text/html' }));
            window.open(url, '_blank', 'noopener');
            setTimeout(() => URL.revokeObjectURL(url), 60_000);
            setOpened(true);
          })
        }
      >
        {busy ? 'Making report…' : label}
      </button>
      {opened && !error ? <span className="muted"> opened in a new tab</span> : null}
      <ErrorText error={error} />
    </span>
  );
}
