/**
 * Display formatting. Money arrives as exact decimal strings (6 decimals); it is shown rounded to
 * cents by string arithmetic (no float round-trip), with thousands separators.
 */
export function money(s: string | null | undefined, decimals = 2): string {
  if (s === null || s === undefined || s === '') return '—';
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return s;
  const [, sign, int, frac = ''] = m;
  const padded = (frac + '0'.repeat(decimals + 1)).slice(0, decimals + 1);
  // Round half away from zero on the digit after `decimals`.
  let digits = (int! + padded.slice(0, decimals)).replace(/^0+(?=\d)/, '');
  if (Number(padded[decimals]) >= 5) digits = addOne(digits);
  const whole = digits.length > decimals ? digits.slice(0, digits.length - decimals) : '0';
  const cents = digits.padStart(decimals, '0').slice(-decimals);
  const grouped = whole.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const zero = /^[0,]*$/.test(grouped) && /^0*$/.test(cents);
  return `${sign && !zero ? '-' : ''}${grouped}${decimals > 0 ? `.${cents}` : ''}`;
}

function addOne(digits: string): string {
  const a = digits.split('');
  for (let i = a.length - 1; i >= 0; i--) {
    if (a[i] === '9') a[i] = '0';
    else {
      a[i] = String(Number(a[i]) + 1);
      return a.join('');
    }
  }
  return `1${a.join('')}`;
}

export function signClass(s: string | null | undefined): string {
  if (!s) return '';
  return s.startsWith('-') ? 'neg' : /[1-9]/.test(s) ? 'pos' : '';
}

export function time(ts: number | null | undefined): string {
  if (ts === null || ts === undefined) return '—';
  return new Date(ts).toISOString().replace('T', ' ').slice(0, 19);
}

export function pct(n: number | null | undefined, digits = 1): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '—' : `${n.toFixed(digits)}%`;
}

export function age(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return '<1 s';
  if (ms < 120_000) return `${(ms / 1000).toFixed(0)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(0)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** a - b of two money strings (6 decimals), exactly (BigInt micro-units). */
export function moneySub(a: string, b: string): string {
  const micros = (s: string) => {
    const m = /^(-?)(\d+)(?:\.(\d{0,6}))?/.exec(s);
    if (!m) return 0n;
    const v = BigInt(m[2]!) * 1_000_000n + BigInt((m[3] ?? '').padEnd(6, '0'));
    return m[1] ? -v : v;
  };
  const d = micros(a) - micros(b);
  const neg = d < 0n;
  const abs = neg ? -d : d;
  return `${neg ? '-' : ''}${abs / 1_000_000n}.${(abs % 1_000_000n).toString().padStart(6, '0')}`;
}
