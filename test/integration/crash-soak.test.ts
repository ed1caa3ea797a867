/**
 * The crash soak (test/soak/crash-soak.ts), short: a few SIGKILLs of the real engine process at random
 * moments of a fast paper session, restarts, a last run to the end of the data; then no client order
 * id sent twice, no fill lost or doubled, journal = venue (positions, working orders, cash), every
 * start reconciled, both SQLite files intact. The documented full run is `npm run soak` (100 kills).
 */
import { describe, expect, it } from 'vitest';
import { runCrashSoak } from '../soak/crash-soak';

describe('crash soak (short)', () => {
  it('survives SIGKILLs at random moments with nothing lost, nothing sent twice, and the journal equal to the venue', async () => {
    const r = await runCrashSoak({ kills: 4, seed: 7, bars: 1500, symbols: 6, minMs: 50, maxMs: 1500 });
    expect(r.failures).toEqual([]);
    expect(r.starts).toBe(5);
    // A kill during start-up may land before the reconciliation ended; every start that got further reconciled.
    expect(r.reconciliations.failed).toBe(0);
    expect(r.reconciliations.ok).toBeGreaterThanOrEqual(r.starts - r.killsDuringStart);
    expect(r.killsMidReplay).toBeGreaterThan(0);
    expect(r.duplicateSubmissions).toEqual([]);
    expect(r.lostFills).toEqual([]);
    expect(r.doubledFills).toEqual([]);
    expect(r.journalFills).toBe(r.venueFills);
    expect(r.venueFills).toBeGreaterThan(100);
    expect(r.positions.journal).toEqual(r.positions.venue);
    expect(r.cash.journal).toBe(r.cash.venue);
  }, 300_000);
});
