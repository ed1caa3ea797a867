/**
 * The engine restart policy (engine/node/desktop/restart-policy.ts) and the window-state file
 * (electron/main/window-state.ts), both plain code run under Node.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RestartPolicy } from '../../../engine/node/desktop/restart-policy';
import { loadWindowState, saveWindowState, visibleBounds } from '../../../electron/main/window-state';

describe('restart policy', () => {
  it('backs off exponentially up to the cap, resets after a stable run, gives up after N fast crashes', () => {
    const p = new RestartPolicy({ initialMs: 500, factor: 2, maxMs: 3_000, stableMs: 60_000, maxFastCrashes: 5 });
    const crash = (uptimeMs: number) => p.decide({ code: 70, signal: null, uptimeMs });
    expect([crash(10), crash(10), crash(10), crash(10)].map((d) => (d.action === 'restart' ? d.delayMs : -1))).toEqual([500, 1_000, 2_000, 3_000]);
    expect(crash(60_000)).toMatchObject({ action: 'restart', delayMs: 500, attempt: 1 });
    for (let i = 0; i < 3; i++) crash(5);
    expect(p.decide({ code: null, signal: 'SIGSEGV', uptimeMs: 5 })).toMatchObject({ action: 'stop', code: 'engine.crash_loop', reason: expect.stringContaining('signal SIGSEGV') });
  });

  it('does not restart on 78/64/65; retries 75 without giving up', () => {
    const p = new RestartPolicy({ maxFastCrashes: 2, maxMs: 30_000 });
    expect(p.decide({ code: 78, signal: null, uptimeMs: 100 })).toMatchObject({ action: 'stop', code: 'engine.bad_config' });
    expect(p.decide({ code: 64, signal: null, uptimeMs: 100 })).toMatchObject({ action: 'stop', code: 'engine.bad_arguments' });
    expect(p.decide({ code: 65, signal: null, uptimeMs: 100 })).toMatchObject({ action: 'stop', code: 'engine.bad_data' });
    for (let i = 0; i < 20; i++) expect(p.decide({ code: 75, signal: null, uptimeMs: 10 }).action).toBe('restart');
    expect(p.decide({ code: 75, signal: null, uptimeMs: 10 })).toMatchObject({ delayMs: 30_000 });
    expect(() => new RestartPolicy({ maxFastCrashes: 0 })).toThrow(RangeError);
  });
});

describe('window state', () => {
  it('round-trips, refuses malformed files with a reason, and is missing without an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-win-'));
    try {
      const f = join(dir, 'sub', 'window-state.json');
      expect(loadWindowState(f)).toEqual({ state: null, error: null });
      saveWindowState(f, { bounds: { x: 10, y: 20, width: 1200, height: 800 }, maximized: true });
      expect(loadWindowState(f)).toEqual({ state: { bounds: { x: 10, y: 20, width: 1200, height: 800 }, maximized: true }, error: null });
      writeFileSync(f, '{"bounds":{"x":1,"y":2,"width":-5,"height":3},"maximized":false}');
      expect(loadWindowState(f)).toMatchObject({ state: null, error: expect.stringContaining('not a window state') });
      writeFileSync(f, '{');
      expect(loadWindowState(f)).toMatchObject({ state: null, error: expect.stringContaining('unreadable') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps saved bounds only while they are visible on a display', () => {
    const screens = [{ x: 0, y: 0, width: 1920, height: 1080 }];
    expect(visibleBounds({ x: 100, y: 100, width: 1200, height: 800 }, screens)).toEqual({ x: 100, y: 100, width: 1200, height: 800 });
    expect(visibleBounds({ x: 3000, y: 100, width: 1200, height: 800 }, screens)).toBeNull(); // an unplugged monitor
    expect(visibleBounds({ x: 1850, y: 100, width: 1200, height: 800 }, screens)).toBeNull(); // 70 px visible
    expect(visibleBounds({ x: 0, y: 0, width: 200, height: 100 }, screens)).toEqual({ x: 0, y: 0, width: 960, height: 600 });
  });
});
