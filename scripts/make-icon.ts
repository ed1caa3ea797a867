/**
 * Draws the application icon, resources/icons/icon.png (512x512 RGBA), with no image library: the
 * pixels are computed here (4x4 supersampled) and written as a PNG with node:zlib.
 * The PNG is committed; run again only to change it:  npx tsx scripts/make-icon.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const SIZE = 512;
const SS = 4; // samples per pixel along each axis

type Rgba = readonly [number, number, number, number];

const BACKGROUND: Rgba = [15, 18, 22, 255];
const GRID: Rgba = [38, 45, 54, 255];
const UP: Rgba = [38, 166, 154, 255];
const DOWN: Rgba = [229, 83, 75, 255];

interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function inRoundedRect(x: number, y: number, r: Rect, radius: number): boolean {
  if (x < r.x0 || x >= r.x1 || y < r.y0 || y >= r.y1) return false;
  const cx = Math.min(Math.max(x, r.x0 + radius), r.x1 - radius);
  const cy = Math.min(Math.max(y, r.y0 + radius), r.y1 - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

/** One candle: a wick from `high` to `low` and a body from `open` to `close` (y grows downwards). */
interface Candle {
  x: number;
  high: number;
  low: number;
  open: number;
  close: number;
}

const CANDLES: Candle[] = [
  { x: 136, high: 300, low: 410, open: 390, close: 330 },
  { x: 216, high: 250, low: 370, open: 340, close: 270 },
  { x: 296, high: 230, low: 330, open: 250, close: 310 },
  { x: 376, high: 100, low: 260, open: 240, close: 130 },
];
const BODY_HALF = 26;
const WICK_HALF = 5;

/** The colour at a sample point, or null where the icon is transparent. */
function sample(x: number, y: number): Rgba | null {
  const tile: Rect = { x0: 16, y0: 16, x1: SIZE - 16, y1: SIZE - 16 };
  if (!inRoundedRect(x, y, tile, 96)) return null;
  for (const c of CANDLES) {
    const colour = c.close <= c.open ? UP : DOWN;
    const top = Math.min(c.open, c.close);
    const bottom = Math.max(c.open, c.close);
    if (inRoundedRect(x, y, { x0: c.x - BODY_HALF, y0: top, x1: c.x + BODY_HALF, y1: bottom }, 6)) return colour;
    if (Math.abs(x - c.x) <= WICK_HALF && y >= c.high && y <= c.low) return colour;
  }
  for (const gy of [176, 288, 400]) {
    if (Math.abs(y - gy) <= 1.5 && x >= 72 && x <= SIZE - 72) return GRID;
  }
  return BACKGROUND;
}

function render(): Buffer {
  const stride = SIZE * 4 + 1;
  const raw = Buffer.alloc(stride * SIZE);
  for (let py = 0; py < SIZE; py++) {
    raw[py * stride] = 0; // filter: none
    for (let px = 0; px < SIZE; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const c = sample(px + (sx + 0.5) / SS, py + (sy + 0.5) / SS);
          if (!c) continue;
          // Premultiplied accumulation, so edges blend towards transparent, not towards black.
          r += c[0] * c[3];
          g += c[1] * c[3];
          b += c[2] * c[3];
          a += c[3];
        }
      }
      const o = py * stride + 1 + px * 4;
      raw[o] = a ? Math.round(r / a) : 0;
      raw[o + 1] = a ? Math.round(g / a) : 0;
      raw[o + 2] = a ? Math.round(b / a) : 0;
      raw[o + 3] = Math.round(a / (SS * SS));
    }
  }
  return raw;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

function encodePng(width: number, height: number, rawScanlines: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  ihdr[10] = 0; // compression
  ihdr[11] = 0; // filter method
  ihdr[12] = 0; // no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rawScanlines, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const out = join(dirname(fileURLToPath(import.meta.url)), '../resources/icons/icon.png');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, encodePng(SIZE, SIZE, render()));
process.stdout.write(`wrote ${out}\n`);
