/**
 * The alert channels inside this process and machine:
 *   log      one pino line per alert (critical -> error, warning -> warn, info -> info), event `alert`
 *   console  one human line per alert on stdout (`2024-01-02T14:30:00Z CRITICAL title: text`), for a
 *            person watching a terminal; the JSON log stays on stderr
 *   desktop  the contract's `alert` push to every connected view (the workstation's alerts feed)
 *
 * The desktop channel skips the kinds that createEngineProtocol already pushes as `alert` itself
 * (risk limit breached, kill switch, strategy faulted, order rejected), so the feed does not show them
 * twice; the router still sends those kinds to every other channel.
 */
import type { Logger } from 'pino';
import type { PushData } from '../../protocol/contract';
import { isoUtc, type Alert, type AlertKind } from '../../runtime/alerts/alert';
import type { AlertChannel } from '../../runtime/alerts/router';

export class LogChannel implements AlertChannel {
  readonly name = 'log';
  constructor(private readonly log: Logger) {}

  send(a: Alert): Promise<void> {
    const fields = { event: 'alert', severity: a.severity, kind: a.kind, key: a.key, ts: a.ts, text: a.text };
    if (a.severity === 'critical') this.log.error(fields, a.title);
    else if (a.severity === 'warning') this.log.warn(fields, a.title);
    else this.log.info(fields, a.title);
    return Promise.resolve();
  }
}

export class ConsoleChannel implements AlertChannel {
  readonly name = 'console';
  constructor(private readonly write: (line: string) => void = (l) => void process.stdout.write(l)) {}

  send(a: Alert): Promise<void> {
    const text = a.text === '' ? '' : `: ${a.text.replace(/\n/g, ' | ')}`;
    this.write(`${isoUtc(a.ts)} ${a.severity.toUpperCase()} ${a.title}${text}\n`);
    return Promise.resolve();
  }
}

/** Kinds createEngineProtocol pushes as `alert` on its own (engine/protocol/handlers.ts). */
export const PROTOCOL_PUSHED_KINDS: ReadonlySet<AlertKind> = new Set(['risk.limit_breached', 'risk.kill_switch', 'strategy.faulted', 'order.rejected']);

export class DesktopChannel implements AlertChannel {
  readonly name = 'desktop';
  constructor(
    private readonly broadcast: (data: PushData<'alert'>) => void,
    private readonly skip: ReadonlySet<AlertKind> = PROTOCOL_PUSHED_KINDS,
  ) {}

  send(a: Alert): Promise<void> {
    if (!this.skip.has(a.kind)) this.broadcast({ level: a.severity, code: a.kind, message: a.text === '' ? a.title : `${a.title}\n${a.text}`, ts: a.ts });
    return Promise.resolve();
  }
}
