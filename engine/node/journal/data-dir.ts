/**
 * The per-user application data directory, where the journal lives unless the configuration names
 * another one. Pure: the platform, the environment and the home directory are arguments, so every
 * platform's rule is testable on any machine.
 *
 *   Linux (and other Unix): $XDG_DATA_HOME/trading-workstation, else ~/.local/share/trading-workstation
 *   macOS:                  ~/Library/Application Support/Trading Workstation
 *   Windows:                %APPDATA%\Trading Workstation, else <home>\AppData\Roaming\Trading Workstation
 *
 * A relative XDG_DATA_HOME is ignored, as the XDG Base Directory specification requires.
 */
import { posix, win32 } from 'node:path';

export const APP_DIR_UNIX = 'trading-workstation';
export const APP_DIR_DESKTOP = 'Trading Workstation';

export interface DataDirInput {
  /** `process.platform`. */
  platform: string;
  env: Readonly<Record<string, string | undefined>>;
  /** `os.homedir()`. */
  home: string;
}

export function defaultDataDir(input: DataDirInput): string {
  const { platform, env, home } = input;
  if (platform === 'win32') {
    const appData = env['APPDATA'];
    const base = appData !== undefined && appData !== '' ? appData : win32.join(home, 'AppData', 'Roaming');
    return win32.join(base, APP_DIR_DESKTOP);
  }
  if (platform === 'darwin') return posix.join(home, 'Library', 'Application Support', APP_DIR_DESKTOP);
  const xdg = env['XDG_DATA_HOME'];
  if (xdg !== undefined && xdg !== '' && posix.isAbsolute(xdg)) return posix.join(xdg, APP_DIR_UNIX);
  return posix.join(home, '.local', 'share', APP_DIR_UNIX);
}

/** The configured data directory when given (non-empty), else the per-user default. */
export function resolveDataDir(configured: string | null | undefined, input: DataDirInput): string {
  return configured !== undefined && configured !== null && configured !== '' ? configured : defaultDataDir(input);
}

/** File name of the journal inside the data directory. */
export const JOURNAL_FILE = 'journal.sqlite';
