/** The `code` of a Node system error (ENOENT, EADDRINUSE, SQLITE_BUSY, ...), or undefined. */
export function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}
