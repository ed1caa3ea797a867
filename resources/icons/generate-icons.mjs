/**
 * Generates the app icons in this folder with no network and no image library: a dark rounded
 * square with three candlesticks (green, red, green), drawn per pixel with 4× supersampling, written as
 *   icon.png (512×512, Linux and the electron-builder source), icon-256.png,
 *   icon.ico (Windows: PNG-compressed 256×256 and 32×32 entries),
 *   icon.icns (macOS: ic09 512×512 and ic08 256×256 PNG entries),
 *   tray.png (32×32, the tray icon).
 * Run: node resources/icons/generate-icons.mjs (deterministic: the same bytes every run).
 */
import { Buffer } from 'node:buffer';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { deflateSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const BG = [15, 18, 22];
const GREEN = [38, 166, 154];
const RED = [239, 83, 80];
const WICK = [200, 206, 214];
// Shapes in unit coordinates (0..1): [x0, y0, x1, y1, colour]
const SHAPES = [
  [0.265, 0.2, 0.285, 0.72, WICK],
  [0.215, 0.32, 0.335, 0.62, GREEN],
  [0.49, 0.28, 0.51, 0.8, WICK],
  [0.44, 0.4, 0.56, 0.7, RED],
  [0.715, 0.14, 0.735, 0.6, WICK],
  [0.665, 0.22, 0.785, 0.5, GREEN],
];

function colourAt(u, v) {
  // rounded square, corner radius 0.18, margin 0.04
  const m = 0.04, r = 0.18;
  const cx = Math.min(Math.max(u, m + r), 1 - m - r);
  const cy = Math.min(Math.max(v, m + r), 1 - m - r);
  if ((u - cx) ** 2 + (v - cy) ** 2 > r * r) return null;
  for (let i = SHAPES.length - 1; i >= 0; i--) {
    const [x0, y0, x1, y1, c] = SHAPES[i];
    if (u >= x0 && u <= x1 && v >= y0 && v <= y1) return c;
  }
  return BG;
}

function render(size) {
  const out = Buffer.alloc(size * size * 4);
  const S = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const c = colourAt((x + (sx + 0.5) / S) / size, (y + (sy + 0.5) / S) / size);
          if (!c) continue;
          r += c[0]; g += c[1]; b += c[2]; a++;
        }
      }
      const o = (y * size + x) * 4;
      if (a > 0) {
        out[o] = Math.round(r / a);
        out[o + 1] = Math.round(g / a);
        out[o + 2] = Math.round(b / a);
      }
      out[o + 3] = Math.round((a / (S * S)) * 255);
    }
  }
  return png(size, out);
}

function ico(entries) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(entries.length, 4);
  const dir = [];
  let offset = 6 + 16 * entries.length;
  for (const { size, data } of entries) {
    const d = Buffer.alloc(16);
    d[0] = size >= 256 ? 0 : size;
    d[1] = size >= 256 ? 0 : size;
    d.writeUInt16LE(1, 4); // planes
    d.writeUInt16LE(32, 6); // bits per pixel
    d.writeUInt32LE(data.length, 8);
    d.writeUInt32LE(offset, 12);
    offset += data.length;
    dir.push(d);
  }
  return Buffer.concat([header, ...dir, ...entries.map((e) => e.data)]);
}

function icns(entries) {
  const parts = entries.map(({ type, data }) => {
    const h = Buffer.alloc(8);
    h.write(type, 0, 'ascii');
    h.writeUInt32BE(data.length + 8, 4);
    return Buffer.concat([h, data]);
  });
  const body = Buffer.concat(parts);
  const h = Buffer.alloc(8);
  h.write('icns', 0, 'ascii');
  h.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([h, body]);
}

const p512 = render(512);
const p256 = render(256);
const p32 = render(32);
writeFileSync(join(here, 'icon.png'), p512);
writeFileSync(join(here, 'icon-256.png'), p256);
writeFileSync(join(here, 'tray.png'), p32);
writeFileSync(join(here, 'icon.ico'), ico([{ size: 256, data: p256 }, { size: 32, data: p32 }]));
writeFileSync(join(here, 'icon.icns'), icns([{ type: 'ic09', data: p512 }, { type: 'ic08', data: p256 }]));
process.stdout.write('icons written: icon.png icon-256.png tray.png icon.ico icon.icns\n');
