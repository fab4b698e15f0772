/**
 * Checks an XLSX (a ZIP archive) before it is read: every entry listed in the central directory
 * must be where its local header says, decompress, and match its CRC-32 and size. exceljs' streaming
 * reader can wait forever on a damaged archive; a damaged file is refused here with what is wrong.
 * Costs one extra decompression pass, without holding anything in memory.
 */
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import zlib from 'node:zlib';

const EOCD_SIG = 0x06054b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

interface Entry { name: string; method: number; flags: number; crc: number; compressed: number; size: number; localOffset: number }

async function read(fd: fs.promises.FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fd.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

function entries(dir: Buffer, count: number): Entry[] | string {
  const out: Entry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > dir.length || dir.readUInt32LE(p) !== CENTRAL_SIG) return 'its table of contents is damaged';
    const nameLen = dir.readUInt16LE(p + 28), extraLen = dir.readUInt16LE(p + 30), commentLen = dir.readUInt16LE(p + 32);
    out.push({
      flags: dir.readUInt16LE(p + 8), method: dir.readUInt16LE(p + 10), crc: dir.readUInt32LE(p + 16),
      compressed: dir.readUInt32LE(p + 20), size: dir.readUInt32LE(p + 24), localOffset: dir.readUInt32LE(p + 42),
      name: dir.toString('utf8', p + 46, p + 46 + nameLen),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** What is wrong with the archive, or undefined when every entry is intact. */
export async function zipProblem(filePath: string): Promise<string | undefined> {
  const fd = await fs.promises.open(filePath, 'r');
  try {
    const size = (await fd.stat()).size;
    const tailLen = Math.min(size, 65_557);
    const tail = await read(fd, size - tailLen, tailLen);
    let e = tail.length - 22;
    while (e >= 0 && tail.readUInt32LE(e) !== EOCD_SIG) e--;
    if (e < 0) return 'the archive is incomplete (its end is missing): the file was cut short';
    const count = tail.readUInt16LE(e + 10);
    const dirSize = tail.readUInt32LE(e + 12);
    const dirOffset = tail.readUInt32LE(e + 16);
    if (dirOffset === 0xffffffff || count === 0xffff) return undefined; // ZIP64: far beyond a spreadsheet's size, let the reader judge
    if (dirOffset + dirSize > size) return 'its table of contents points past the end of the file: the file was cut short';
    const list = entries(await read(fd, dirOffset, dirSize), count);
    if (typeof list === 'string') return list;
    for (const entry of list) {
      if (entry.name.endsWith('/')) continue;
      if (entry.flags & 1) return 'the workbook is encrypted (password protected): remove the password and save it again';
      const local = await read(fd, entry.localOffset, 30);
      if (local.length < 30 || local.readUInt32LE(0) !== LOCAL_SIG) return `the entry ${entry.name} is damaged`;
      const start = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      if (start + entry.compressed > size) return `the entry ${entry.name} is cut short`;
      if (entry.method !== 0 && entry.method !== 8) return `the entry ${entry.name} uses an unsupported compression method`;
      let crc = 0;
      let length = 0;
      const measure = new Transform({
        transform(chunk: Buffer, _enc, done) { crc = zlib.crc32(chunk, crc); length += chunk.length; done(); },
      });
      try {
        if (entry.compressed > 0) {
          const source = fs.createReadStream(filePath, { start, end: start + entry.compressed - 1, highWaterMark: 1 << 20 });
          if (entry.method === 8) await pipeline(source, zlib.createInflateRaw(), measure);
          else await pipeline(source, measure);
        }
      } catch {
        return `the entry ${entry.name} does not decompress`;
      }
      if (crc >>> 0 !== entry.crc || length !== entry.size) return `the entry ${entry.name} is damaged (its checksum does not match)`;
    }
    return undefined;
  } finally {
    await fd.close();
  }
}
