/**
 * Errors with a stable machine-readable code. Expected failures travel as events or
 * `{ ok: false, error: { code, message } }` replies; EngineError is what code throws when it
 * cannot go on (validation at a boundary, or a broken invariant).
 */
export class EngineError extends Error {
  readonly code: string;
  readonly details: unknown;

  constructor(code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    this.details = details;
  }
}

/** Throws an `invariant.*` EngineError when `condition` is false. */
export function invariant(condition: unknown, code: string, message: string): asserts condition {
  if (!condition) throw new EngineError(code, message);
}

export function isEngineError(e: unknown): e is EngineError {
  return e instanceof EngineError;
}

