/**
 * What an alert is. Every alert has a severity (critical, warning, info), a stable `kind` (a dotted
 * code, the same one the desktop feed shows), a `key` naming the condition it reports (two alerts with
 * one key inside the dedupe window are the same news: the second is folded), a one-line `title`, a
 * plain-text `text` and the time it happened (`ts`, epoch ms). Alerts carry no secrets and no money as
 * floats: amounts are already formatted text.
 *
 * `alertInputSchema` validates what the host, the venue clients and the engine-event mapping hand to
 * `router.publish`; a bad input is refused with `alert.invalid` and never reaches a channel.
 */
import { z } from 'zod';

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is more severe. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 2, warning: 1, info: 0 };

export const ALERT_KINDS = [
  'trade.executed',
  'position.closed',
  'position.stop_loss',
  'order.rejected',
  'risk.limit_breached',
  'risk.state_changed',
  'risk.kill_switch',
  'risk.flatten_completed',
  'strategy.faulted',
  'data.stale',
  'data.restored',
  'venue.disconnected',
  'venue.reconnected',
  'reconcile.difference',
  'reconcile.completed',
  'reconcile.failed',
  'engine.started',
  'engine.stopped',
  'engine.restarted',
  'summary.daily',
  'summary.weekly',
  'performance.milestone',
  'alerts.suppressed',
  'alerts.repeated',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface Alert {
  severity: Severity;
  kind: AlertKind;
  /** The condition reported: equal keys inside the dedupe window are folded. */
  key: string;
  title: string;
  text: string;
  /** When it happened, epoch ms. */
  ts: number;
  /** Channels to use instead of the severity's routing (summaries have their own list). */
  channels?: readonly string[];
}

export const alertInputSchema = z
  .object({
    severity: z.enum(SEVERITIES),
    kind: z.enum(ALERT_KINDS),
    key: z.string().min(1).max(200),
    title: z.string().min(1).max(300),
    text: z.string().max(20_000).default(''),
    ts: z.number().finite().optional(),
    channels: z.array(z.string().min(1)).max(20).optional(),
  })
  .strict();
export type AlertInput = z.input<typeof alertInputSchema>;

/** Plain text of an alert for channels without formatting: `[CRITICAL] title` then the text. */
export function alertText(a: Pick<Alert, 'severity' | 'title' | 'text'>): string {
  return a.text === '' ? `[${a.severity.toUpperCase()}] ${a.title}` : `[${a.severity.toUpperCase()}] ${a.title}\n${a.text}`;
}

/** ISO-8601 UTC without milliseconds: `2024-01-02T14:30:00Z`. */
export function isoUtc(ts: number): string {
  return new Date(ts).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
