import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { loadConfig } from '#libs/config';
import { DomainError } from '#libs/errors';
import { ImportArchives, ORPHAN_ARCHIVE_AGE_MS } from './import-archives.js';

const KiB = 1024;
const NAME = '0b6f2c1e-3f4a-4b5c-8d9e-0123456789ab.tar';
const OTHER = '1c7e3d2f-4a5b-4c6d-9e0f-123456789abc.tar';

describe('ImportArchives', () => {
  let stateDir: string;
  let uploads: string;
  const archivesWith = (env: NodeJS.ProcessEnv = {}) =>
    new ImportArchives(loadConfig({ STEVEDORE_STATE_DIR: stateDir, ...env }));
  const files = () => (existsSync(uploads) ? readdirSync(uploads).sort() : []);
  /** Bytes of the uploads still arriving (their `.part` files). */
  const partBytes = () =>
    files()
      .filter((name) => name.endsWith('.part'))
      .reduce((sum, name) => sum + statSync(join(uploads, name)).size, 0);
  const failure = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      return error instanceof DomainError ? { code: error.code, message: error.message } : { error };
    }
    throw new Error('expected a failure');
  };
  /** A body that arrives in `chunks` pieces of `size` bytes. */
  const body = (chunks: number, size: number) =>
    Readable.from(Array.from({ length: chunks }, () => Buffer.alloc(size, 7)));

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'stevedore-archives-'));
    uploads = join(stateDir, 'uploads');
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it('stores an upload under a new <uuid>.tar name and names its job upload:<name>', async () => {
    const stored = await archivesWith().store(body(3, 10 * KiB));
    expect(stored.sizeBytes).toBe(30 * KiB);
    expect(ImportArchives.isArchiveName(stored.fileName)).toBe(true);
    expect(files()).toEqual([stored.fileName]);
    expect(ImportArchives.fileNameOfRef(ImportArchives.refOf(stored.fileName))).toBe(stored.fileName);
    expect(ImportArchives.fileNameOfRef('upload:../../etc/passwd')).toBeNull();
    expect(ImportArchives.fileNameOfRef('docker.io/library/nginx:1')).toBeNull();
  });

  it('refuses an empty upload and one over IMPORT_MAX_BYTES, leaving nothing behind', async () => {
    const archives = archivesWith({ IMPORT_MAX_BYTES: String(64 * KiB) });
    expect(await failure(archives.store(body(0, 0)))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await failure(archives.store(body(5, 16 * KiB)))).toMatchObject({
      code: 'BAD_USER_INPUT',
      message: `The archive is larger than the limit of ${64 * KiB} bytes.`,
    });
    expect(files()).toEqual([]);
  });

  it('counts the archives already waiting against IMPORT_MAX_TOTAL_BYTES, and says the area is full', async () => {
    const archives = archivesWith({ IMPORT_MAX_TOTAL_BYTES: String(100 * KiB) });
    const first = await archives.store(body(6, 10 * KiB));
    const refused = await failure(archives.store(body(5, 10 * KiB)));
    expect(refused).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((refused as { message: string }).message).toMatch(/^The import area is full: .*Retry later/);
    expect(files()).toEqual([first.fileName]);
    // Once the first is released, there is room again.
    await archives.release(first.fileName);
    expect((await archives.store(body(9, 10 * KiB))).sizeBytes).toBe(90 * KiB);
  });

  it('refuses as soon as the limit is crossed, without reading the rest of the upload', async () => {
    const archives = archivesWith({ IMPORT_MAX_TOTAL_BYTES: String(100 * KiB) });
    mkdirSync(uploads, { recursive: true });
    writeFileSync(join(uploads, OTHER), Buffer.alloc(60 * KiB));
    const upload = new PassThrough();
    let written = 0;
    // A well-behaved sender: it writes only as fast as the store reads (backpressure), so the
    // bytes written measure what the store asked for, however slow the machine is.
    const pump = (async () => {
      for (let i = 0; i < 1000 && !upload.destroyed; i++) {
        written += 10 * KiB;
        if (!upload.write(Buffer.alloc(10 * KiB))) {
          await new Promise((resolve) => {
            upload.once('drain', resolve);
            upload.once('close', resolve);
          });
        }
      }
    })();
    const refused = await failure(archives.store(upload));
    await pump;
    expect(refused).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(written).toBeLessThan(200 * KiB);
    expect(files()).toEqual([OTHER]);
  });

  it('counts uploads of the same process still arriving', async () => {
    const archives = archivesWith({ IMPORT_MAX_TOTAL_BYTES: String(100 * KiB) });
    const slow = new PassThrough();
    const first = archives.store(slow);
    slow.write(Buffer.alloc(70 * KiB));
    // Until the first upload's bytes are counted: its .part file holds them.
    for (let tries = 0; tries < 200 && partBytes() < 70 * KiB; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await failure(archives.store(body(4, 10 * KiB)))).toMatchObject({ code: 'BAD_USER_INPUT' });
    slow.end();
    expect((await first).sizeBytes).toBe(70 * KiB);
  });

  it('makes paths only of archive names: anything else is refused and never touched', async () => {
    const archives = archivesWith();
    const outside = join(stateDir, 'secret');
    writeFileSync(outside, 'do not read or delete');
    for (const hostile of [
      '../secret',
      outside,
      relative(uploads, outside),
      `../${NAME}`,
      `${NAME}/..`,
      `${NAME}.part`,
      '',
      null,
      42,
    ]) {
      expect(() => archives.pathOf(hostile)).toThrow(/does not name an uploaded archive/);
      await expect(archives.open(hostile)).rejects.toThrow(/does not name an uploaded archive/);
      expect(await archives.release(hostile)).toBe(false);
    }
    expect(existsSync(outside)).toBe(true);
    expect(archives.pathOf(NAME)).toBe(join(uploads, NAME));
  });

  it('sweeps old archives no pending job names and dead partial uploads, and nothing else', async () => {
    const archives = archivesWith();
    mkdirSync(uploads, { recursive: true });
    const now = Date.now();
    const aged = (name: string, ageMs: number) => {
      writeFileSync(join(uploads, name), 'x');
      const at = new Date(now - ageMs);
      utimesSync(join(uploads, name), at, at);
    };
    const uuid = (n: number) => `${String(n).repeat(8)}-1111-4111-8111-${String(n).repeat(12)}`;
    aged(`${uuid(1)}.tar`, ORPHAN_ARCHIVE_AGE_MS + 60_000); // orphan: swept
    aged(`${uuid(2)}.tar`, ORPHAN_ARCHIVE_AGE_MS + 60_000); // a pending job's: kept
    aged(`${uuid(3)}.tar`, 5_000); // just stored, its job about to be queued: kept
    aged(`${uuid(4)}.tar.part`, 3_600_000 + 120_000); // older than any request may last: swept
    aged(`${uuid(5)}.tar.part`, 60_000); // another replica's upload under way: kept
    aged('notes.txt', ORPHAN_ARCHIVE_AGE_MS * 10); // not ours: kept
    const removed = await archives.sweep((name) => name === `${uuid(2)}.tar`, now);
    expect(removed.sort()).toEqual([`${uuid(1)}.tar`, `${uuid(4)}.tar.part`]);
    expect(files()).toEqual([`${uuid(2)}.tar`, `${uuid(3)}.tar`, `${uuid(5)}.tar.part`, 'notes.txt']);
    expect(await archivesWith({ STEVEDORE_STATE_DIR: join(stateDir, 'none') }).sweep(() => false)).toEqual(
      [],
    );
  });
});
