/**
 * The main window's position, size and maximized state, kept in `<userData>/window-state.json` and
 * restored at start. A saved state is used only when it is well-formed and its window still overlaps
 * a display's work area by at least 100×100 px (a monitor may have been unplugged); otherwise the
 * default size, centred. Written atomically (temporary file + rename). No electron import: the caller
 * passes the displays' work areas.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rect;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1440, height: 900 } as const;
export const MIN_SIZE = { width: 960, height: 600 } as const;
const MIN_VISIBLE = 100;

function isRect(r: unknown): r is Rect {
  if (typeof r !== 'object' || r === null) return false;
  const o = r as Record<string, unknown>;
  return ['x', 'y', 'width', 'height'].every((k) => Number.isInteger(o[k])) && (o['width'] as number) > 0 && (o['height'] as number) > 0;
}

/** The saved state, or null when there is none or it is unusable (read errors other than "missing" are returned). */
export function loadWindowState(file: string): { state: WindowState | null; error: string | null } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { state: null, error: code === 'ENOENT' ? null : `window state ${file} unreadable: ${err instanceof Error ? err.message : String(err)}` };
  }
  const o = raw as Partial<WindowState> | null;
  if (!o || !isRect(o.bounds) || typeof o.maximized !== 'boolean') return { state: null, error: `window state ${file} is not a window state` };
  return { state: { bounds: o.bounds, maximized: o.maximized }, error: null };
}

export function saveWindowState(file: string, state: WindowState): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}

/** The saved bounds if they are still visible on one of the work areas (size clamped to the minimum), else null. */
export function visibleBounds(saved: Rect, workAreas: readonly Rect[]): Rect | null {
  const b = { ...saved, width: Math.max(saved.width, MIN_SIZE.width), height: Math.max(saved.height, MIN_SIZE.height) };
  for (const a of workAreas) {
    const w = Math.min(b.x + b.width, a.x + a.width) - Math.max(b.x, a.x);
    const h = Math.min(b.y + b.height, a.y + a.height) - Math.max(b.y, a.y);
    if (w >= MIN_VISIBLE && h >= MIN_VISIBLE) return b;
  }
  return null;
}
