import { describe, expect, it } from 'vitest';
import { defaultDataDir, resolveDataDir } from '../../../../engine/node/journal/data-dir';

describe('defaultDataDir', () => {
  it('uses $XDG_DATA_HOME on Linux', () => {
    expect(defaultDataDir({ platform: 'linux', env: { XDG_DATA_HOME: '/data/xdg' }, home: '/home/ann' })).toBe('/data/xdg/trading-workstation');
  });

  it('falls back to ~/.local/share on Linux without (or with an empty or relative) XDG_DATA_HOME', () => {
    const want = '/home/ann/.local/share/trading-workstation';
    expect(defaultDataDir({ platform: 'linux', env: {}, home: '/home/ann' })).toBe(want);
    expect(defaultDataDir({ platform: 'linux', env: { XDG_DATA_HOME: '' }, home: '/home/ann' })).toBe(want);
    expect(defaultDataDir({ platform: 'freebsd', env: { XDG_DATA_HOME: 'relative/dir' }, home: '/home/ann' })).toBe(want);
  });

  it('uses Application Support on macOS, ignoring XDG', () => {
    expect(defaultDataDir({ platform: 'darwin', env: { XDG_DATA_HOME: '/x' }, home: '/Users/ann' })).toBe('/Users/ann/Library/Application Support/Trading Workstation');
  });

  it('uses %APPDATA% on Windows, else the roaming folder under the home directory', () => {
    expect(defaultDataDir({ platform: 'win32', env: { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, home: 'C:\\Users\\ann' })).toBe(
      'C:\\Users\\ann\\AppData\\Roaming\\Trading Workstation',
    );
    expect(defaultDataDir({ platform: 'win32', env: {}, home: 'C:\\Users\\bob' })).toBe('C:\\Users\\bob\\AppData\\Roaming\\Trading Workstation');
  });

  it('resolveDataDir prefers the configured directory', () => {
    const input = { platform: 'linux', env: {}, home: '/home/ann' };
    expect(resolveDataDir('/srv/engine', input)).toBe('/srv/engine');
    expect(resolveDataDir('', input)).toBe('/home/ann/.local/share/trading-workstation');
    expect(resolveDataDir(null, input)).toBe('/home/ann/.local/share/trading-workstation');
  });
});
