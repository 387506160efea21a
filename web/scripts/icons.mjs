// Draws the app icon (the same shapes as public/icon.svg) into PNGs of 192 and 512 pixels, with
// no image library: shapes are tested per pixel (4×4 supersampled) and written as a PNG with
// Node's zlib. Run `npm run icons` after changing the icon; the PNGs are committed.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';

const BLUE = [0x1d, 0x4e, 0xd8], WHITE = [255, 255, 255], LIGHT = [0x93, 0xc5, 0xfd];

function inRoundRect(x, y, rx, ry, w, h, r) {
  if (x < rx || y < ry || x > rx + w || y > ry + h) return false;
  const cx = Math.min(Math.max(x, rx + r), rx + w - r);
  const cy = Math.min(Math.max(y, ry + r), ry + h - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

// Shapes in the 512-unit space of icon.svg, painted in order; null = transparent.
function colourAt(x, y, maskable) {
  let colour = maskable ? BLUE : inRoundRect(x, y, 0, 0, 512, 512, 96) ? BLUE : null;
  if (inRoundRect(x, y, 96, 136, 320, 240, 28)) colour = WHITE;
  if ((x - 184) ** 2 + (y - 228) ** 2 <= 44 * 44) colour = BLUE;
  if (inRoundRect(x, y, 256, 200, 120, 20, 10)) colour = BLUE;
  if (inRoundRect(x, y, 256, 240, 96, 20, 10)) colour = LIGHT;
  if (inRoundRect(x, y, 136, 304, 240, 20, 10)) colour = LIGHT;
  return colour;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function png(size, maskable) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  const scale = 512 / size;
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) {
        const c = colourAt((x + (sx + 0.5) / 4) * scale, (y + (sy + 0.5) / 4) * scale, maskable);
        if (c) { sum[0] += c[0]; sum[1] += c[1]; sum[2] += c[2]; sum[3] += 255; }
      }
      const alpha = sum[3] / 16;
      const at = y * (size * 4 + 1) + 1 + x * 4;
      raw[at] = alpha ? Math.round(sum[0] * 255 / sum[3]) : 0;
      raw[at + 1] = alpha ? Math.round(sum[1] * 255 / sum[3]) : 0;
      raw[at + 2] = alpha ? Math.round(sum[2] * 255 / sum[3]) : 0;
      raw[at + 3] = Math.round(alpha);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; header[9] = 6; // 8-bit RGBA
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const out = new URL('../public/', import.meta.url);
writeFileSync(new URL('icon-192.png', out), png(192, false));
writeFileSync(new URL('icon-512.png', out), png(512, false));
writeFileSync(new URL('icon-maskable-512.png', out), png(512, true));
console.log('icons written');
