/**
 * The alert router: takes alerts from anywhere (engine events through from-events.ts, the host, venue
 * clients, the summary scheduler) and delivers each to the channels its severity is routed to.
 *
 *   publish(alert) ──> validate ──> kind override (another severity, or off)
 *                  ──> fold duplicates: the same `key` again inside `dedupeWindowMs` is counted, not
 *                      sent; when the window ends, one "repeated N more times" alert follows
 *                  ──> per channel: storm limit (at most `rateLimit.max` alerts per `windowMs`; the
 *                      rest are counted and become ONE digest "N more alerts suppressed" when the
 *                      window allows again; critical alerts are never suppressed, they only count)
 *                  ──> per channel queue, delivered in order, one at a time
 *
 * Failure never reaches the caller. `publish` is synchronous, never throws and never waits for a
 * channel: it runs inside the engine's event handlers (the trading path), so all sending happens later,
 * on the host's event loop. A failed delivery is retried with exponential backoff and jitter (a
 * channel's `retryAfterMs`, e.g. HTTP 429 Retry-After, is honoured); a delivery that never succeeds is
 * dropped once the alert is `giveUpAfterMs` old; a send that hangs counts as failed after
 * `sendTimeoutMs`; an error marked not retryable (bad token, unknown chat) drops that alert at once.
 * Each channel has its own queue, so a channel that is down delays only itself. Every drop and every
 * contained failure is reported to `onError` (the host logs it): nothing is swallowed silently.
 *
 * Pure: time and timers come from the injected clock (a WallClock in the engine process, a SimClock in
 * tests), randomness (jitter) from `random`.
 */
import type { Clock } from '../../core/clock';
import { alertInputSchema, SEVERITY_RANK, type Alert, type AlertInput, type AlertKind, type Severity } from './alert';

/** A place alerts go: Telegram, Slack, e-mail, the log, the desktop feed. */
export interface AlertChannel {
  readonly name: string;
  /** Delivers one alert; rejects when it could not (an AlertSendError says whether to retry, and when). */
  send(alert: Alert): Promise<void>;
}

/** A failed delivery: `retryable` false drops the alert at once; `retryAfterMs` is the service's own wait. */
export class AlertSendError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'AlertSendError';
  }
}

export interface RetryPolicy {
  /** First retry after about this long (ms); doubles per attempt. */
  initialMs: number;
  /** Longest wait between attempts (ms), unless the service asks for longer. */
  maxMs: number;
  /** Drop an alert still undelivered this long after it was published (ms). */
  giveUpAfterMs: number;
}

export interface AlertRouterOptions {
  clock: Pick<Clock, 'now' | 'setTimer'>;
  channels: readonly AlertChannel[];
  /** Channel names per severity; names without a channel (not enabled) are skipped. */
  routing: Readonly<Record<Severity, readonly string[]>>;
  /** Per kind: another severity, or 'off'. */
  kinds?: Readonly<Partial<Record<AlertKind, Severity | 'off'>>>;
  /** 0 = no folding. */
  dedupeWindowMs: number;
  /** Per channel; null = no storm limit. */
  rateLimit: { max: number; windowMs: number } | null;
  retry: RetryPolicy;
  /** Alerts waiting per channel (default 500). */
  queueLimit?: number;
  /** A send that has not settled after this long counts as a failed attempt (default 30 s). */
  sendTimeoutMs?: number;
  /** Uniform [0, 1) for the jitter (default Math.random). */
  random?: () => number;
  /** Every contained failure and every dropped alert (context names the channel and what happened). */
  onError?: (err: unknown, context: string) => void;
  /** After each successful delivery. */
  onDelivered?: (channel: string, alert: Alert, attempts: number) => void;
}

export type PublishResult = 'routed' | 'folded' | 'off' | 'unrouted' | 'invalid' | 'closed';

export interface ChannelStats {
  delivered: number;
  failedAttempts: number;
  dropped: number;
  suppressed: number;
  queued: number;
}

interface Item {
  alert: Alert;
  /** Router time when it was published (for giveUpAfterMs). */
  since: number;
  attempts: number;
}

interface Lane {
  channel: AlertChannel;
  items: Item[];
  running: boolean;
  /** Wakes a pending backoff sleep early (close). */
  wake: (() => void) | null;
  /** Admission times inside the storm window, oldest first. */
  admitted: number[];
  suppressed: { count: number; bySeverity: Record<Severity, number>; titles: string[]; maxSeverity: Severity } | null;
  cancelDigest: (() => void) | null;
  stats: ChannelStats;
  idle: (() => void)[];
}

interface Fold {
  until: number;
  count: number;
  last: Alert;
  cancel: (() => void) | null;
}

const DIGEST_TITLES = 5;
/** Keys remembered for folding at most (beyond it the oldest windows end early). */
const MAX_FOLDS = 10_000;

export class AlertRouter {
  private readonly o: AlertRouterOptions;
  private readonly lanes = new Map<string, Lane>();
  private readonly folds = new Map<string, Fold>();
  private readonly random: () => number;
  private readonly queueLimit: number;
  private readonly sendTimeoutMs: number;
  private closed = false;
  private foldedTotal = 0;

  constructor(opts: AlertRouterOptions) {
    this.o = opts;
    this.random = opts.random ?? Math.random;
    this.queueLimit = opts.queueLimit ?? 500;
    this.sendTimeoutMs = opts.sendTimeoutMs ?? 30_000;
    for (const ch of opts.channels) {
      if (this.lanes.has(ch.name)) throw new Error(`alert channel "${ch.name}" given twice`);
      this.lanes.set(ch.name, {
        channel: ch,
        items: [],
        running: false,
        wake: null,
        admitted: [],
        suppressed: null,
        cancelDigest: null,
        stats: { delivered: 0, failedAttempts: 0, dropped: 0, suppressed: 0, queued: 0 },
        idle: [],
      });
    }
  }

  /** Names of the channels this router delivers to. */
  get channelNames(): string[] {
    return [...this.lanes.keys()];
  }

  /**
   * Routes one alert. Synchronous, never throws, never waits for a channel. Returns what happened:
   * routed, folded (a duplicate inside the window), off (its kind is switched off), unrouted (no
   * enabled channel for its severity), invalid (reported to onError with `alert.invalid`), closed.
   */
  publish(input: AlertInput): PublishResult {
    try {
      if (this.closed) return 'closed';
      const r = alertInputSchema.safeParse(input);
      if (!r.success) {
        this.report(new AlertSendError(`invalid alert: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, 'alert.invalid', false), 'publish');
        return 'invalid';
      }
      const now = this.o.clock.now();
      const over = this.o.kinds?.[r.data.kind];
      if (over === 'off') return 'off';
      const { channels, ...rest } = r.data;
      const alert: Alert = { ...rest, severity: over ?? r.data.severity, ts: r.data.ts ?? now, ...(channels !== undefined ? { channels } : {}) };
      if (this.fold(alert, now)) return 'folded';
      return this.route(alert, now) ? 'routed' : 'unrouted';
    } catch (err) {
      this.report(err, 'publish');
      return 'invalid';
    }
  }

  /** Delivery counters per channel, and the number of folded duplicates. */
  stats(): { channels: Record<string, ChannelStats>; folded: number } {
    const channels: Record<string, ChannelStats> = {};
    for (const [name, lane] of this.lanes) channels[name] = { ...lane.stats, queued: lane.items.length };
    return { channels, folded: this.foldedTotal };
  }

  /** Resolves once every queue is empty (or after `timeoutMs` of the router's clock). */
  drained(timeoutMs = Infinity): Promise<boolean> {
    const waits = [...this.lanes.values()].filter((l) => l.items.length > 0 || l.running).map((l) => new Promise<void>((res) => l.idle.push(res)));
    if (waits.length === 0) return Promise.resolve(true);
    const all = Promise.all(waits).then(() => true);
    if (!Number.isFinite(timeoutMs)) return all;
    return new Promise<boolean>((resolve) => {
      const cancel = this.o.clock.setTimer(this.o.clock.now() + timeoutMs, () => resolve(false));
      void all.then(() => {
        cancel();
        resolve(true);
      });
    });
  }

  /**
   * Stops accepting alerts, waits up to `drainMs` for the queues to empty (so that an "engine stopped"
   * alert can still go out), then drops what is left (reported) and cancels every timer.
   */
  async close(drainMs = 0): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.folds.values()) f.cancel?.();
    this.folds.clear();
    if (drainMs > 0) await this.drained(drainMs);
    for (const lane of this.lanes.values()) {
      lane.cancelDigest?.();
      lane.cancelDigest = null;
      for (const it of lane.items.splice(lane.running ? 1 : 0)) this.drop(lane, it, 'the router was closed');
      lane.wake?.();
    }
  }

  // ------------------------------------------------------------------ folding

  private fold(alert: Alert, now: number): boolean {
    const win = this.o.dedupeWindowMs;
    if (!(win > 0)) return false;
    const f = this.folds.get(alert.key);
    if (f !== undefined && now < f.until) {
      f.count++;
      f.last = alert;
      this.foldedTotal++;
      if (f.cancel === null) f.cancel = this.o.clock.setTimer(f.until, () => this.endFold(alert.key));
      return true;
    }
    // Re-inserted, not updated in place: the map stays in order of `until`, so pruning stops early.
    if (f !== undefined) this.folds.delete(alert.key);
    this.pruneFolds(now);
    this.folds.set(alert.key, { until: now + win, count: 0, last: alert, cancel: null });
    return false;
  }

  private endFold(key: string): void {
    try {
      const f = this.folds.get(key);
      if (f === undefined) return;
      this.folds.delete(key);
      if (f.count === 0 || this.closed) return;
      const a = f.last;
      const secs = Math.round(this.o.dedupeWindowMs / 1000);
      this.route(
        {
          severity: a.severity,
          kind: 'alerts.repeated',
          key: `${a.key}#repeated`,
          title: `${a.title} (repeated ${f.count} more ${f.count === 1 ? 'time' : 'times'} in ${secs} s)`,
          text: a.text,
          ts: a.ts,
          ...(a.channels !== undefined ? { channels: a.channels } : {}),
        },
        this.o.clock.now(),
      );
    } catch (err) {
      this.report(err, 'fold');
    }
  }

  /**
   * Forgets windows that have ended (oldest first; amortized O(1) per publish). Past MAX_FOLDS keys,
   * the oldest windows without a pending "repeated" report end early (that key is just news again).
   */
  private pruneFolds(now: number): void {
    for (const [k, f] of this.folds) {
      const ended = now >= f.until;
      if (!ended && this.folds.size < MAX_FOLDS) return;
      if (f.cancel !== null) {
        if (!ended) return;
        continue; // its timer reports the repeats and removes it
      }
      this.folds.delete(k);
    }
  }

  // ------------------------------------------------------------------ routing and the storm limit

  private route(alert: Alert, now: number): boolean {
    let any = false;
    const seen = new Set<string>();
    for (const name of alert.channels ?? this.o.routing[alert.severity]) {
      const lane = this.lanes.get(name);
      if (lane === undefined || seen.has(name)) continue;
      seen.add(name);
      any = true;
      this.admit(lane, alert, now);
    }
    return any;
  }

  private admit(lane: Lane, alert: Alert, now: number): void {
    const rl = this.o.rateLimit;
    if (rl !== null) {
      const from = now - rl.windowMs;
      while (lane.admitted.length > 0 && lane.admitted[0]! <= from) lane.admitted.shift();
      if (lane.admitted.length >= rl.max && alert.severity !== 'critical') {
        this.suppress(lane, alert, rl.windowMs);
        return;
      }
      lane.admitted.push(now);
    }
    this.enqueue(lane, alert, now);
  }

  private suppress(lane: Lane, alert: Alert, windowMs: number): void {
    lane.stats.suppressed++;
    const s = (lane.suppressed ??= { count: 0, bySeverity: { critical: 0, warning: 0, info: 0 }, titles: [], maxSeverity: 'info' });
    s.count++;
    s.bySeverity[alert.severity]++;
    if (s.titles.length < DIGEST_TITLES) s.titles.push(alert.title);
    if (SEVERITY_RANK[alert.severity] > SEVERITY_RANK[s.maxSeverity]) s.maxSeverity = alert.severity;
    if (lane.cancelDigest === null) {
      const at = lane.admitted[0]! + windowMs;
      lane.cancelDigest = this.o.clock.setTimer(at, () => this.digest(lane));
    }
  }

  private digest(lane: Lane): void {
    try {
      lane.cancelDigest = null;
      const s = lane.suppressed;
      lane.suppressed = null;
      if (s === null || this.closed) return;
      const now = this.o.clock.now();
      const parts = (['critical', 'warning', 'info'] as const).filter((k) => s.bySeverity[k] > 0).map((k) => `${s.bySeverity[k]} ${k}`);
      const more = s.count > s.titles.length ? `\n... and ${s.count - s.titles.length} more` : '';
      const alert: Alert = {
        severity: s.maxSeverity,
        kind: 'alerts.suppressed',
        key: `suppressed:${lane.channel.name}`,
        title: `${s.count} more ${s.count === 1 ? 'alert' : 'alerts'} suppressed (${parts.join(', ')})`,
        text: `Storm limit of ${lane.channel.name}: ${this.o.rateLimit?.max ?? 0} alerts per ${Math.round((this.o.rateLimit?.windowMs ?? 0) / 1000)} s.\n${s.titles.map((t) => `- ${t}`).join('\n')}${more}`,
        ts: now,
      };
      // The digest takes a slot of the window like any alert, but is never suppressed itself.
      lane.admitted.push(now);
      this.enqueue(lane, alert, now);
    } catch (err) {
      this.report(err, `digest for ${lane.channel.name}`);
    }
  }

  // ------------------------------------------------------------------ queues and delivery

  private enqueue(lane: Lane, alert: Alert, now: number): void {
    if (lane.items.length >= this.queueLimit) {
      // Drop the oldest of the least severe waiting alerts (never the one being sent).
      const first = lane.running ? 1 : 0;
      let victim = -1;
      for (let i = first; i < lane.items.length; i++) {
        if (victim < 0 || SEVERITY_RANK[lane.items[i]!.alert.severity] < SEVERITY_RANK[lane.items[victim]!.alert.severity]) victim = i;
      }
      if (victim < 0 || SEVERITY_RANK[lane.items[victim]!.alert.severity] > SEVERITY_RANK[alert.severity]) {
        this.drop(lane, { alert, since: now, attempts: 0 }, `queue full (${this.queueLimit})`);
        return;
      }
      const [gone] = lane.items.splice(victim, 1);
      this.drop(lane, gone!, `queue full (${this.queueLimit})`);
    }
    lane.items.push({ alert, since: now, attempts: 0 });
    if (!lane.running) {
      lane.running = true;
      // Later, on the host's event loop: never inside the caller's (the engine's) call stack.
      void Promise.resolve().then(() => this.pump(lane));
    }
  }

  private async pump(lane: Lane): Promise<void> {
    try {
      while (lane.items.length > 0) {
        const item = lane.items[0]!;
        const now = this.o.clock.now();
        if (this.closed && item.attempts > 0) {
          lane.items.shift();
          this.drop(lane, item, `the router was closed after ${item.attempts} failed attempts`);
          continue;
        }
        if (now - item.since > this.o.retry.giveUpAfterMs) {
          lane.items.shift();
          this.drop(lane, item, `undelivered after ${item.attempts} attempts in ${Math.round((now - item.since) / 1000)} s`);
          continue;
        }
        item.attempts++;
        const err = await this.attempt(lane.channel, item.alert);
        if (lane.items[0] !== item) continue; // dropped by close() meanwhile
        if (err === null) {
          lane.items.shift();
          lane.stats.delivered++;
          this.safe(() => this.o.onDelivered?.(lane.channel.name, item.alert, item.attempts));
          continue;
        }
        lane.stats.failedAttempts++;
        const se = err instanceof AlertSendError ? err : null;
        if (se !== null && !se.retryable) {
          lane.items.shift();
          this.drop(lane, item, `${se.code}: ${se.message}`);
          continue;
        }
        if (this.closed) {
          lane.items.shift();
          this.drop(lane, item, `the router was closed after a failed attempt (${errorMessage(err)})`);
          continue;
        }
        const delay = this.backoff(item.attempts, se?.retryAfterMs ?? null);
        this.report(err, `${lane.channel.name}: attempt ${item.attempts} failed; retrying in ${delay} ms`);
        await this.sleep(lane, delay);
      }
    } catch (err) {
      this.report(err, `${lane.channel.name} queue`);
    } finally {
      lane.running = false;
      for (const f of lane.idle.splice(0)) f();
      // Something arrived after the loop's last look (or the loop failed): go on.
      if (lane.items.length > 0 && !this.closed) {
        lane.running = true;
        void Promise.resolve().then(() => this.pump(lane));
      }
    }
  }

  /** One send with a timeout; resolves with the error or null. */
  private attempt(ch: AlertChannel, alert: Alert): Promise<unknown> {
    return new Promise<unknown>((resolve) => {
      let settled = false;
      const cancel = this.o.clock.setTimer(this.o.clock.now() + this.sendTimeoutMs, () => {
        if (settled) return;
        settled = true;
        resolve(new AlertSendError(`no answer within ${this.sendTimeoutMs} ms`, 'alert.send_timeout', true));
      });
      let p: Promise<void>;
      try {
        p = ch.send(alert);
      } catch (err) {
        p = Promise.reject(err);
      }
      p.then(
        () => {
          if (settled) return;
          settled = true;
          cancel();
          resolve(null);
        },
        (err: unknown) => {
          if (settled) return;
          settled = true;
          cancel();
          resolve(err ?? new Error('send failed'));
        },
      );
    });
  }

  /** Exponential backoff with equal jitter: half the step fixed, half random; at least `retryAfterMs`. */
  backoff(attempt: number, retryAfterMs: number | null): number {
    const r = this.o.retry;
    const step = Math.min(r.maxMs, r.initialMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
    const jittered = Math.round(step / 2 + this.random() * (step / 2));
    return retryAfterMs !== null && retryAfterMs > jittered ? retryAfterMs : jittered;
  }

  private sleep(lane: Lane, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let cancel: (() => void) | null = null;
      const done = () => {
        lane.wake = null;
        cancel?.();
        resolve();
      };
      lane.wake = done;
      cancel = this.o.clock.setTimer(this.o.clock.now() + ms, done);
    });
  }

  private drop(lane: Lane, item: Item, why: string): void {
    lane.stats.dropped++;
    this.report(new AlertSendError(`alert dropped: ${why}`, 'alert.dropped', false), `${lane.channel.name}: [${item.alert.severity}] ${item.alert.kind} "${item.alert.title}"`);
  }

  private report(err: unknown, context: string): void {
    this.safe(() => this.o.onError?.(err, context));
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch {
      // The host's own hook failed; there is nowhere further to report it, and the router must go on.
    }
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
