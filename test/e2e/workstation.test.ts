/**
 * End to end: the built renderer in real Chromium, served by a real headless engine child process
 * that paper-trades the bundled sample data (replayed at 900x: a 15-minute bar per second). One
 * engine and one page for the whole flow, in order: a wrong token is refused; the token in the URL
 * fragment opens the UI (and is removed from the address bar, kept in sessionStorage only); candles
 * and quotes move; an invalid order shows the engine's coded error; a market order with SL / TP
 * gives a position and its price lines; the kill switch (hold to confirm) flattens: flat, HALTED and
 * the final report; re-arm. Screenshots of the main screens go to test-artifacts/e2e/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { artifactPath, ensureRendererBuilt, launchChromium, startEngine, type Browser, type EngineChild } from './support';

describe('workstation in Chromium against a headless engine', () => {
  let engine: EngineChild;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await ensureRendererBuilt();
    [engine, browser] = await Promise.all([startEngine(['--speed', '900', '--symbols', 'AAPL,MSFT,EUR_USD', '--from', '2024-01-02']), launchChromium()]);
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await engine?.stop();
  });

  const text = async (sel: string) => ((await page.locator(sel).first().textContent()) ?? '').trim();
  const attr = async (sel: string, name: string) => page.locator(sel).first().getAttribute(name);

  it('refuses a wrong token with the engine code, on the login form and on the WebSocket', async () => {
    await page.goto(engine.http);
    await page.getByTestId('token-input').fill('not-the-token');
    await page.getByTestId('token-submit').click();
    await expect.poll(() => attr('[data-testid=login-error]', 'data-code'), { timeout: 10_000 }).toBe('auth.unauthorized');
    const ws = await page.evaluate(
      `new Promise((resolve) => { const w = new WebSocket(location.origin.replace('http', 'ws') + '/ws?token=wrong'); w.onopen = () => resolve('open'); w.onclose = (e) => resolve('closed ' + e.code); })`,
    );
    expect(ws).toBe('closed 1006');
    expect(await page.evaluate('sessionStorage.length + localStorage.length')).toBe(0);
    await page.screenshot({ path: artifactPath('01-login-refused.png') });
  }, 30_000);

  it('opens with the token from the URL fragment, keeps it for the session only, and candles and quotes move', async () => {
    await page.goto(`${engine.http}#token=${encodeURIComponent(engine.token)}`);
    await expect.poll(() => attr('[data-testid=connection]', 'data-status'), { timeout: 15_000 }).toBe('connected');
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.evaluate(`sessionStorage.getItem('tw.engine-token')`)).toBe(engine.token);
    expect(await page.evaluate(`JSON.stringify(localStorage)`)).not.toContain(engine.token);
    await expect.poll(() => attr('[data-testid=trading-state]', 'data-state'), { timeout: 10_000 }).toBe('ACTIVE');

    const row = page.locator('[data-quote=AAPL]');
    await row.click();
    await expect.poll(async () => Number(await attr('[data-testid=chart]', 'data-bars')), { timeout: 15_000 }).toBeGreaterThan(2);
    const bid0 = await row.locator('[data-field=bid]').textContent();
    const bars0 = Number(await attr('[data-testid=chart]', 'data-bars'));
    const t0 = Number(await attr('[data-testid=chart]', 'data-last-time'));
    await expect.poll(() => row.locator('[data-field=bid]').textContent(), { timeout: 15_000 }).not.toBe(bid0);
    await expect.poll(async () => Number(await attr('[data-testid=chart]', 'data-last-time')), { timeout: 15_000 }).toBeGreaterThan(t0);
    expect(Number(await attr('[data-testid=chart]', 'data-bars'))).toBeGreaterThan(bars0);
    expect(await row.locator('[data-field=spread]').textContent()).toMatch(/^\d+\.\d+$/);
    await page.screenshot({ path: artifactPath('02-workstation.png') });
  }, 60_000);

  it('an invalid order shows the engine coded error', async () => {
    await page.locator('select[name=type]').selectOption('LIMIT');
    await page.locator('input[name=price]').fill('');
    await page.locator('input[name=qty]').fill('5');
    await page.getByTestId('ticket-submit').click();
    await expect.poll(() => attr('[data-testid=ticket-error]', 'data-code'), { timeout: 10_000 }).toBe('order.missing_price');
    await page.locator('input[name=price]').fill('100.123');
    await page.getByTestId('ticket-submit').click();
    await expect.poll(() => attr('[data-testid=ticket-error]', 'data-code'), { timeout: 10_000 }).toBe('decimal.precision');
    await page.screenshot({ path: artifactPath('03-order-refused.png') });
    await page.locator('select[name=type]').selectOption('MARKET');
  }, 30_000);

  it('a market order with SL/TP gives a position and its price lines', async () => {
    const ask = Number(await page.locator('[data-quote=AAPL] [data-field=ask]').textContent());
    expect(ask).toBeGreaterThan(0);
    const sl = (ask * 0.9).toFixed(2);
    const tp = (ask * 1.1).toFixed(2);
    await page.locator('input[name=qty]').fill('10');
    await page.locator('input[name=stopLoss]').fill(sl);
    await page.locator('input[name=takeProfit]').fill(tp);
    await page.getByTestId('ticket-submit').click();
    await expect.poll(() => text('[data-testid=ticket-ok]'), { timeout: 10_000 }).toMatch(/BUY 10 AAPL MARKET/);
    await page.locator('[data-tab=positions]').click();
    await expect.poll(() => text('[data-position=AAPL] td:nth-child(2)'), { timeout: 15_000 }).toBe('10');
    await expect.poll(() => attr('[data-testid=chart]', 'data-price-lines'), { timeout: 10_000 }).toMatch(new RegExp(`SL ${Number(sl)}.*TP ${Number(tp)}|TP ${Number(tp)}.*SL ${Number(sl)}`));
    expect(await attr('[data-testid=chart]', 'data-price-lines')).toContain('POS 10');
    await expect.poll(async () => Number(await attr('[data-testid=chart]', 'data-markers')), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.locator('[data-tab=orders]').click();
    await expect.poll(() => page.locator('[data-role=STOP_LOSS]').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('[data-role=TAKE_PROFIT]').count()).toBe(1);
    await expect.poll(async () => Number(await attr('[data-meter=positions]', 'data-level') !== null), { timeout: 5000 }).toBe(1);
    await page.screenshot({ path: artifactPath('04-position-price-lines.png') });
  }, 60_000);

  it('the kill switch needs a deliberate hold, then flattens: flat, HALTED, the final report; re-arm', async () => {
    const kill = page.getByTestId('kill-switch');
    const box = (await kill.boundingBox())!;
    // A short press does nothing.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.waitForTimeout(300);
    await page.mouse.up();
    await page.waitForTimeout(300);
    expect(await page.getByTestId('flatten-dialog').count()).toBe(0);
    // Holding it through the confirmation time fires it.
    await page.mouse.down();
    await page.waitForTimeout(1900);
    await page.mouse.up();
    await expect.poll(() => attr('[data-testid=flatten-dialog]', 'data-phase'), { timeout: 20_000 }).toBe('done');
    await expect.poll(() => text('[data-testid=flatten-status]'), { timeout: 10_000 }).toBe('completed');
    expect(await text('[data-close=AAPL] td:nth-child(5)')).toBe('closed');
    await expect.poll(() => attr('[data-testid=trading-state]', 'data-state'), { timeout: 10_000 }).toBe('HALTED');
    await page.screenshot({ path: artifactPath('05-flatten-report.png') });
    await page.getByTestId('flatten-dialog-close').click();
    await page.locator('[data-tab=positions]').click();
    await expect.poll(() => page.getByTestId('no-positions').count(), { timeout: 10_000 }).toBe(1);
    await page.locator('[data-tab=orders]').click();
    await expect.poll(() => page.locator('[data-role=STOP_LOSS]').count(), { timeout: 10_000 }).toBe(0);
    // HALTED refuses new orders with the engine's code.
    await page.getByTestId('ticket-submit').click();
    await expect.poll(() => attr('[data-testid=ticket-error]', 'data-code'), { timeout: 10_000 }).toBe('risk.halted');
    await page.screenshot({ path: artifactPath('06-halted.png') });

    await page.getByTestId('rearm').click();
    await expect.poll(() => attr('[data-testid=trading-state]', 'data-state'), { timeout: 10_000 }).toBe('ACTIVE');
    expect(await page.getByTestId('rearm').count()).toBe(0);
  }, 60_000);

  it('the other views render: risk meters, account, backtests, configuration with validation', async () => {
    expect(await page.locator('[data-meter]').count()).toBe(5);
    expect(await page.locator('[data-fresh]').count()).toBe(3);
    expect(await text('[data-testid=account] [data-field=Equity]')).toMatch(/^\d{1,3}(,\d{3})*\.\d{2}$/);
    await page.locator('[data-tab=backtests]').click();
    await page.getByTestId('backtest-run').click();
    await expect.poll(() => attr('[data-testid=backtest-result]', 'data-run'), { timeout: 20_000 }).toMatch(/^bt-\d+$/);
    expect(await attr('[data-testid=backtest-progress]', 'data-pct')).toBe('100');
    await page.screenshot({ path: artifactPath('07-backtest.png') });
    await page.locator('[data-tab=config]').click();
    await page.getByLabel('config path').fill('exposure.max_open_positions');
    await page.getByLabel('config value').fill('-1');
    await page.getByTestId('config-save').click();
    await expect.poll(() => attr('[data-testid=config-error]', 'data-code'), { timeout: 10_000 }).toBe('config.invalid');
    await page.getByLabel('config value').fill('4');
    await page.getByTestId('config-save').click();
    await expect.poll(() => text('[data-testid=config-history] tbody'), { timeout: 10_000 }).toContain('exposure.max_open_positions');
    await page.screenshot({ path: artifactPath('08-config.png') });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
