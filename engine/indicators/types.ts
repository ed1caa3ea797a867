/**
 * What every streaming indicator has in common. Each indicator adds its own `add(...)` / `replace(...)`
 * (same arguments: a close, or high/low/close[/volume] numbers) and its named outputs.
 *
 * - `add(...)` takes a new completed value/bar (O(1), no allocation).
 * - `replace(...)` rewrites the last value/bar (the still-forming one) in place: it recomputes from the
 *   state before the last `add`, so `add(a); replace(b)` leaves exactly the state of `add(b)`, and any
 *   number of `replace` calls in a row is fine. `replace` before any `add` behaves as `add`.
 * - Outputs are NaN until `isReady` (after `warmup` inputs); `value` is the primary output.
 * - A NaN or ±Infinity input throws `EngineError` `indicator.invalid_input` and leaves the state untouched.
 */
export interface StreamingIndicator {
  /** Inputs taken so far (`add` calls; `replace` does not count). */
  readonly count: number;
  /** Number of inputs needed before the first value (for pivot points: at least this many). */
  readonly warmup: number;
  /** True once the first value is out: `count >= warmup` (pivot points: once a period has completed). */
  readonly isReady: boolean;
  /** Primary output (NaN while warming up). */
  readonly value: number;
  /** Back to the state right after construction. */
  reset(): void;
}
