/**
 * A minimal ustar writer: regular files and directories, fixed owner and mtime, everything in
 * memory. Enough for `docker save` archives and image layers, and byte-for-byte deterministic, so
 * a layer's digest (its diff id) is the same on every run.
 */

const BLOCK = 512;

export interface TarEntry {
  /** Relative path; a directory ends with `/`. At most 100 bytes (no ustar prefix splitting). */
  readonly name: string;
  /** Absent for a directory. */
  readonly data?: Buffer | string;
  /** Default 0o644 for files, 0o755 for directories. */
  readonly mode?: number;
}

/** Seconds since the epoch stamped on every entry: fixed, so the output never changes. */
const MTIME = Date.UTC(2024, 0, 1) / 1000;

/** The archive: one header (+ data padded to 512 bytes) per entry, then two zero blocks. */
export function tarArchive(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const isDirectory = entry.name.endsWith('/');
    const data = isDirectory ? Buffer.alloc(0) : toBuffer(entry.data ?? '');
    parts.push(header(entry.name, data.length, isDirectory, entry.mode ?? (isDirectory ? 0o755 : 0o644)));
    if (data.length > 0) {
      parts.push(data);
      const padding = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (padding > 0) parts.push(Buffer.alloc(padding));
    }
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

function header(name: string, size: number, isDirectory: boolean, mode: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name longer than 100 bytes: ${name}`);
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  writeOctal(block, 100, 8, mode);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, MTIME);
  block.fill(' ', 148, 156); // checksum field counts as spaces while summing
  block.write(isDirectory ? '5' : '0', 156, 1, 'ascii');
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  block.write('root', 265, 32, 'ascii');
  block.write('root', 297, 32, 'ascii');
  let checksum = 0;
  for (const byte of block) checksum += byte;
  block.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

/** `width - 1` octal digits and a NUL, as GNU tar writes them. */
function writeOctal(block: Buffer, offset: number, width: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`value ${value} does not fit a ${width}-byte tar field`);
  block.write(`${digits.padStart(width - 1, '0')}\0`, offset, width, 'ascii');
}

function toBuffer(data: Buffer | string): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}
