/**
 * Draws Dockside's application icon and writes it as PNGs under build/icons/ (committed; run
 * again only to change the drawing): a loading-dock door with an upward arrow on a rounded blue
 * square. electron-builder turns these into the .ico (Windows) and .icns (macOS) it needs and
 * installs the sized ones on Linux.
 *
 *   node --import tsx scripts/make-icons.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

/** Sizes written: 1024 for macOS, 512 and 256 for Linux, 256 also for Windows. */
export const ICON_SIZES = [1024, 512, 256] as const;

type Rgba = readonly [number, number, number, number];

/** The icon at `size` × `size` pixels as RGBA bytes (4× supersampled edges). */
export function drawIcon(size: number): Buffer {
  const pixels = Buffer.alloc(size * size * 4);
  const samples = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const [pr, pg, pb, pa] = shade((x + (sx + 0.5) / samples) / size, (y + (sy + 0.5) / samples) / size);
          r += pr * pa;
          g += pg * pa;
          b += pb * pa;
          a += pa;
        }
      }
      const offset = (y * size + x) * 4;
      const n = samples * samples;
      pixels[offset] = a ? Math.round(r / a) : 0;
      pixels[offset + 1] = a ? Math.round(g / a) : 0;
      pixels[offset + 2] = a ? Math.round(b / a) : 0;
      pixels[offset + 3] = Math.round((a / n) * 255);
    }
  }
  return pixels;
}

/** Colour at (u, v) in [0, 1]²: alpha 0 outside the rounded square. */
function shade(u: number, v: number): Rgba {
  const margin = 0.06;
  const radius = 0.2;
  if (!insideRoundedRect(u, v, margin, 1 - margin, margin, 1 - margin, radius)) return [0, 0, 0, 0];
  // Background: deep blue, lighter towards the top.
  const t = (v - margin) / (1 - 2 * margin);
  const background: Rgba = [Math.round(30 + 20 * (1 - t)), Math.round(90 + 50 * (1 - t)), Math.round(170 + 50 * (1 - t)), 1];
  // The dock door: a light frame with horizontal slats in the lower half.
  const door = { left: 0.24, right: 0.76, top: 0.5, bottom: 0.8 };
  if (u >= door.left && u <= door.right && v >= door.top && v <= door.bottom) {
    const frame = 0.03;
    const onFrame = u < door.left + frame || u > door.right - frame || v < door.top + frame;
    if (onFrame) return [235, 242, 250, 1];
    const slat = Math.floor(((v - door.top - frame) / (door.bottom - door.top - frame)) * 5);
    return slat % 2 === 0 ? [200, 215, 235, 1] : [170, 190, 220, 1];
  }
  // The arrow: a shaft and a head pointing up, over the door.
  const shaft = u >= 0.44 && u <= 0.56 && v >= 0.3 && v <= 0.62;
  const headTop = 0.14;
  const headBottom = 0.34;
  const half = ((v - headTop) / (headBottom - headTop)) * 0.2;
  const head = v >= headTop && v <= headBottom && Math.abs(u - 0.5) <= half;
  if (shaft || head) return [255, 196, 61, 1];
  return background;
}

function insideRoundedRect(u: number, v: number, left: number, right: number, top: number, bottom: number, radius: number): boolean {
  if (u < left || u > right || v < top || v > bottom) return false;
  const cx = Math.min(Math.max(u, left + radius), right - radius);
  const cy = Math.min(Math.max(v, top + radius), bottom - radius);
  return (u - cx) ** 2 + (v - cy) ** 2 <= radius ** 2;
}

/** RGBA pixels as a PNG file (8-bit truecolour with alpha, no interlace, filter 0 on every row). */
export function encodePng(width: number, height: number, rgba: Buffer): Buffer {
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type 6 (RGBA), deflate, filter set 0, no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData) >>> 0);
  return Buffer.concat([length, typeAndData, crc]);
}

/**
 * The tray icons (32 px, shown at 16 pt on high-density screens): the app icon for Windows and
 * Linux, and for macOS a template image (black plus alpha; the menu bar tints it for light and dark).
 */
export function trayIcons(): Record<'tray.png' | 'trayTemplate.png', Buffer> {
  const size = 32;
  const colour = drawIcon(size);
  const template = Buffer.from(colour);
  for (let i = 0; i < template.length; i += 4) {
    template[i] = 0;
    template[i + 1] = 0;
    template[i + 2] = 0;
  }
  return { 'tray.png': encodePng(size, size, colour), 'trayTemplate.png': encodePng(size, size, template) };
}

const isEntry = process.argv[1] !== undefined && /make-icons\.(ts|js)$/.test(process.argv[1]);
if (isEntry) {
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'icons');
  mkdirSync(out, { recursive: true });
  for (const size of ICON_SIZES) {
    const file = join(out, `${size}x${size}.png`);
    writeFileSync(file, encodePng(size, size, drawIcon(size)));
    process.stdout.write(`${file}\n`);
  }
  for (const [name, image] of Object.entries(trayIcons())) {
    writeFileSync(join(out, name), image);
    process.stdout.write(`${join(out, name)}\n`);
  }
}
