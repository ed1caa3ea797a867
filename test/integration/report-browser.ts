/**
 * Opens an HTML page in real Chromium (playwright-core, /usr/bin/chromium or CHROMIUM_PATH), served
 * over HTTP on 127.0.0.1 from a fresh server, with a fresh user data dir; records every request the
 * page makes, and reads the tester report's figures back from its `data-figure` cells.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';

export interface ShownPage {
  page: Page;
  url: string;
  /** Every URL the page requested (the document included), in order. */
  requests: string[];
}

export async function showInChromium<T>(html: string, fn: (p: ShownPage) => Promise<T>): Promise<T> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/report.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/report.html`;
  const userData = mkdtempSync(join(tmpdir(), 'report-chromium-'));
  const ctx = await chromium.launchPersistentContext(userData, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  try {
    const page = await ctx.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const resp = await page.goto(url, { waitUntil: 'load' });
    if (!resp || resp.status() !== 200) throw new Error(`report page answered ${resp?.status() ?? 'nothing'}`);
    return await fn({ page, url, requests });
  } finally {
    await ctx.close();
    await new Promise<void>((res) => server.close(() => res()));
    rmSync(userData, { recursive: true, force: true });
  }
}

export interface DomFigure {
  value: string;
  kind: string;
  text: string;
}

/** name -> {exact value, kind, shown text} of every `data-figure` element. */
export async function readFigures(page: Page): Promise<Map<string, DomFigure>> {
  const rows = await page.$$eval('[data-figure]', (els) =>
    els.map((e) => [e.getAttribute('data-figure') ?? '', e.getAttribute('data-value') ?? '', e.getAttribute('data-kind') ?? '', e.textContent ?? ''] as const),
  );
  const out = new Map<string, DomFigure>();
  for (const [name, value, kind, text] of rows) {
    if (out.has(name)) throw new Error(`figure ${name} appears twice`);
    out.set(name, { value, kind, text });
  }
  return out;
}
