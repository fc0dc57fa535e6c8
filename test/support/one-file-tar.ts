/** A tar archive with one 5-byte file, for `docker image import`: each distinct content makes a distinct image. */
export function oneFileTar(content = `${process.pid}\n`): Buffer {
  const header = Buffer.alloc(512);
  header.write('hello.txt', 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write('00000000005\0', 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const body = Buffer.alloc(512);
  body.write(content.slice(0, 5).padEnd(5, '\n'));
  return Buffer.concat([header, body, Buffer.alloc(1024)]);
}
