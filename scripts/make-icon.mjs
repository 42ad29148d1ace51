// Writes build/icon.png (512×512): a headset-blue rounded square with a white handset ring — no image tools needed.
// Run once: `node scripts/make-icon.mjs` (the PNG is committed; electron-builder derives .ico/.icns from it).
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const N = 512;
const px = Buffer.alloc(N * (N * 4 + 1));
const inRoundRect = (x, y, r) => {
  const cx = Math.min(Math.max(x, r), N - 1 - r);
  const cy = Math.min(Math.max(y, r), N - 1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
for (let y = 0; y < N; y++) {
  px[y * (N * 4 + 1)] = 0; // filter: none
  for (let x = 0; x < N; x++) {
    const o = y * (N * 4 + 1) + 1 + x * 4;
    let rgba = [0, 0, 0, 0];
    if (inRoundRect(x, y, 96)) {
      rgba = [30, 94, 168, 255];
      const d = Math.hypot(x - 256, y - 280);
      // Headband arc (upper half ring) and two ear cups.
      if (d > 130 && d < 160 && y < 300) rgba = [255, 255, 255, 255];
      if (Math.hypot(x - 118, y - 320) < 48 || Math.hypot(x - 394, y - 320) < 48) rgba = [255, 255, 255, 255];
      // Microphone boom.
      if (Math.abs(y - 400) < 10 && x > 140 && x < 300) rgba = [255, 255, 255, 255];
      if (Math.hypot(x - 300, y - 400) < 18) rgba = [255, 255, 255, 255];
    }
    px.set(rgba, o);
  }
}
const crcTable = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
const crc = (buf) => {
  let c = -1;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc(body));
  return Buffer.concat([len, body, sum]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(N, 0);
ihdr.writeUInt32BE(N, 4);
ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(px, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('../build/icon.png', import.meta.url), png);
console.log(`build/icon.png: ${png.length} bytes`);
