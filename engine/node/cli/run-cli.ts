/**
 * Shared shell of the command-line tools: coded errors become one clear line and a non-zero exit,
 * never a stack trace (set DEBUG=1 to see one). Exit codes follow sysexits: 64 usage, 65 bad data,
 * 78 bad configuration, 70 internal error.
 */
import { CommanderError } from 'commander';
import { isEngineError } from '../../core/errors';

export const EXIT = { ok: 0, usage: 64, data: 65, internal: 70, config: 78 } as const;

export function exitCodeFor(code: string): number {
  if (code.startsWith('config.') || code.startsWith('strategy.') || code.startsWith('instrument.')) return EXIT.config;
  if (code.startsWith('data.')) return EXIT.data;
  if (code.startsWith('usage.')) return EXIT.usage;
  return EXIT.internal;
}

export async function runCli(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : EXIT.usage;
      return;
    }
    if (isEngineError(e)) {
      process.stderr.write(`error [${e.code}]: ${e.message}\n`);
      process.exitCode = exitCodeFor(e.code);
    } else {
      process.stderr.write(`error [internal]: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = EXIT.internal;
    }
    if (process.env.DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  }
}

/** A one-line progress bar on stderr (only when stderr is a terminal); synchronous, so it redraws inside a busy loop. */
export class ProgressLine {
  private last = 0;
  constructor(
    private readonly label: string,
    private readonly enabled: boolean,
  ) {}

  update(done: number, total: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (done < total && now - this.last < 100) return;
    this.last = now;
    const width = 30;
    const frac = total > 0 ? done / total : 1;
    const fill = Math.round(frac * width);
    process.stderr.write(`\r${this.label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`);
    if (done >= total) process.stderr.write('\n');
  }
}
