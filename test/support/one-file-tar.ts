/**
 * A tar archive (ustar) holding one file, for `docker image import`: each distinct content makes
 * a distinct image. `mtimeSeconds` defaults to 0, so equal content makes equal archives.
 */
export function singleFileTar(name: string, content: Buffer, mtimeSeconds = 0): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${octal(content.length, 11)}\0`, 124);
  header.write(`${octal(mtimeSeconds, 11)}\0`, 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${octal(sum, 6)}\0 `, 148);
  const padding = (512 - (content.length % 512)) % 512;
  return Buffer.concat([header, content, Buffer.alloc(padding), Buffer.alloc(1024)]);
}

/** A tar archive with one 5-byte file, for `docker image import`: each distinct content makes a distinct image. */
export function oneFileTar(content = `${process.pid}\n`): Buffer {
  return singleFileTar('hello.txt', Buffer.from(content.slice(0, 5).padEnd(5, '\n')));
}

function octal(value: number, digits: number): string {
  return value.toString(8).padStart(digits, '0');
}
