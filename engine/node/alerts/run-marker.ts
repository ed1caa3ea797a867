/**
 * Tells a restart after a crash from a clean start: a small file in the data dir
 * (`alerts-run.json`, 0600) says that an engine is running (pid, start time). It is written when
 * alerting starts and removed by a clean stop; finding it at start means the previous run ended
 * without stopping (SIGKILL, a crash, a power cut), which is the `engine.restarted` alert.
 * Written atomically (temporary file + rename), so a crash while writing never leaves half a file.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../errno';

export const RUN_MARKER_FILE = 'alerts-run.json';

export interface RunMarker {
  pid: number;
  startedAt: number;
}

export interface PreviousRun {
  /** The earlier run's marker, or null when it could not be read (still an unclean end). */
  marker: RunMarker | null;
}

export class RunMarkerFile {
  readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, RUN_MARKER_FILE);
  }

  /** The marker a previous run left (it did not stop cleanly), or null when there is none. */
  previous(): PreviousRun | null {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return null;
      throw err;
    }
    try {
      const m = JSON.parse(text) as Partial<RunMarker>;
      return { marker: typeof m.pid === 'number' && typeof m.startedAt === 'number' ? { pid: m.pid, startedAt: m.startedAt } : null };
    } catch {
      return { marker: null };
    }
  }

  write(m: RunMarker): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(m), { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}
