/**
 * Errors of the OANDA v20 client, all `EngineError`s with a stable code:
 *   oanda.http_<status>      the service answered with that status (body's errorCode/errorMessage kept)
 *   oanda.rejected.<REASON>  an order-type request refused with a reject/cancel transaction; REASON is
 *                            the spec's rejectReason / cancel reason (INSUFFICIENT_MARGIN, FIFO_VIOLATION ...)
 *   oanda.timeout            no complete answer within the deadline (the request may have been executed)
 *   oanda.unreachable        the connection failed or broke (refused, reset, DNS, TLS)
 *   oanda.bad_response       the answer is not JSON or does not match the spec's schema
 *   oanda.stream_line        one stream line that is not a JSON object of the expected shape
 * `retryable` says whether the same request may be sent again (429, 5xx, network, timeout); whether it
 * IS sent again is the caller's decision (only idempotent requests are).
 * `outcomeUnknown` marks failures after which a mutating request may or may not have been executed.
 */
import { EngineError } from '../../core/errors';

export interface OandaErrorDetails {
  status?: number;
  errorCode?: string;
  rejectReason?: string;
  /** Parsed body of the answer, when there was one. */
  body?: unknown;
  /** Request line, e.g. `POST /v3/accounts/1/orders` (never headers: they hold the token). */
  request?: string;
  retryAfterMs?: number;
}

export class OandaError extends EngineError {
  override readonly details: OandaErrorDetails;
  readonly retryable: boolean;
  readonly outcomeUnknown: boolean;

  constructor(code: string, message: string, details: OandaErrorDetails = {}, opts: { retryable?: boolean; outcomeUnknown?: boolean } = {}) {
    super(code, message, details);
    this.name = 'OandaError';
    this.details = details;
    this.retryable = opts.retryable ?? false;
    this.outcomeUnknown = opts.outcomeUnknown ?? false;
  }

  get status(): number | undefined {
    return this.details.status;
  }
}

export function isOandaError(e: unknown): e is OandaError {
  return e instanceof OandaError;
}

/** Whether a status may be retried (rate limit and server-side failures). */
export function retryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Wraps anything thrown into an OandaError (unknown errors keep their message, code `oanda.unreachable`). */
export function toOandaError(e: unknown, request?: string): OandaError {
  if (e instanceof OandaError) return e;
  if (e instanceof EngineError) return new OandaError(e.code, e.message, { request }, {});
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : '';
  const msg = err instanceof Error ? err.message : String(e);
  return new OandaError('oanda.unreachable', `${request ?? 'request'}: ${code ? code + ' ' : ''}${msg}`, { request }, { retryable: true, outcomeUnknown: true });
}
