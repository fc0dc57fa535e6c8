import { randomUUID } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { open, mkdir, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable } from '@nestjs/common';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { BadUserInputError } from '#libs/errors';

/** The only names an archive in the uploads folder can have: a UUID and `.tar`. */
const ARCHIVE_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tar$/;
/** An archive still arriving is `<name>.part`; it gets its real name once whole. */
const PART_SUFFIX = '.part';
/** What a LOAD job's `ref` says, for people: `upload:<file name>`. */
const REF_PREFIX = 'upload:';
/** While streaming, the other files of the folder are re-measured after this many bytes. */
const RESCAN_BYTES = 16 * 1024 * 1024;
/**
 * A whole archive no pending job names is an orphan only after this long: between its rename
 * and its job being queued there are a few seconds (less than Redis's 5 s bound), and a clock of
 * another host sharing the folder may be somewhat off.
 */
export const ORPHAN_ARCHIVE_AGE_MS = 10 * 60_000;

export interface StoredArchive {
  /** `<uuid>.tar`, the only thing a LOAD job carries of it. */
  readonly fileName: string;
  readonly sizeBytes: number;
}

/**
 * The one owner of uploaded `docker save` archives in `<stateDir>/uploads` (shared by the api and
 * separate workers): the api stores them (bounded per archive and in total) and the worker side
 * resolves and releases them. A path is only ever made from this folder and a validated file name,
 * so a job's payload (anyone who can write to Redis writes it) cannot steer a read or a delete
 * anywhere else. An archive is released once its job reached a final state, or by the sweep when
 * no pending job names it any more.
 */
@Injectable()
export class ImportArchives {
  readonly folder: string;
  /** Uploads of this process under way: `<name>.part` → bytes received so far. */
  private readonly receiving = new Map<string, number>();

  constructor(@Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig) {
    this.folder = resolve(config.stateDir, 'uploads');
  }

  static isArchiveName(name: unknown): name is string {
    return typeof name === 'string' && ARCHIVE_NAME.test(name);
  }

  /** The `ref` of the LOAD job of an archive. */
  static refOf(fileName: string): string {
    return `${REF_PREFIX}${fileName}`;
  }

  /** The archive a LOAD job's `ref` names; null when it names none. */
  static fileNameOfRef(ref: string): string | null {
    const name = ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : null;
    return ImportArchives.isArchiveName(name) ? name : null;
  }

  /**
   * Streams an upload into the folder under a new name (never held in memory). Refused, with
   * nothing left behind, when it is empty, when it passes IMPORT_MAX_BYTES, or as soon as it and
   * the archives already waiting (and those arriving) together pass IMPORT_MAX_TOTAL_BYTES.
   */
  async store(upload: Readable): Promise<StoredArchive> {
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    const fileName = `${randomUUID()}.tar`;
    const partName = `${fileName}${PART_SUFFIX}`;
    const partPath = join(this.folder, partName);
    const { importMaxBytes: limit, importMaxTotalBytes: totalLimit } = this.config.jobs;
    this.receiving.set(partName, 0);
    let sizeBytes = 0;
    try {
      let elsewhere = await this.bytesOnDisk(partName);
      let sinceScan = 0;
      const tooFull = () =>
        this.quotaError(elsewhere + this.bytesReceiving(partName) + sizeBytes, totalLimit);
      if (elsewhere + this.bytesReceiving(partName) >= totalLimit) throw tooFull();
      const counter = new Transform({
        transform: (chunk: Buffer, _encoding, done) => {
          sizeBytes += chunk.length;
          sinceScan += chunk.length;
          this.receiving.set(partName, sizeBytes);
          if (sizeBytes > limit) {
            done(new BadUserInputError(`The archive is larger than the limit of ${limit} bytes.`));
            return;
          }
          const measured =
            sinceScan >= RESCAN_BYTES
              ? this.bytesOnDisk(partName).then((bytes) => {
                  elsewhere = bytes;
                  sinceScan = 0;
                })
              : undefined;
          const check = () => {
            if (elsewhere + this.bytesReceiving(partName) + sizeBytes > totalLimit) done(tooFull());
            else done(null, chunk);
          };
          if (measured) measured.then(check, (error: unknown) => done(error as Error));
          else check();
        },
      });
      try {
        await pipeline(upload, counter, createWriteStream(partPath, { mode: 0o600, flags: 'wx' }));
      } catch (error) {
        throw error instanceof BadUserInputError
          ? error
          : new BadUserInputError('The upload broke off before the end.');
      }
      if (sizeBytes === 0) {
        throw new BadUserInputError('The upload is empty: send a docker save archive as the request body.');
      }
      await rename(partPath, join(this.folder, fileName));
      return { fileName, sizeBytes };
    } catch (error) {
      await rm(partPath, { force: true });
      throw error;
    } finally {
      this.receiving.delete(partName);
    }
  }

  /**
   * The path of an archive, for reading. Anything but a name this class gives (`<uuid>.tar`) is
   * refused before any path is made of it.
   */
  pathOf(fileName: unknown): string {
    if (!ImportArchives.isArchiveName(fileName)) {
      throw new BadUserInputError(
        'The job does not name an uploaded archive (expected <uuid>.tar in the uploads folder).',
      );
    }
    return join(this.folder, fileName);
  }

  /** Opens an archive for reading; a symbolic link in its place is refused (ELOOP). */
  async open(fileName: unknown): Promise<FileHandle> {
    return open(this.pathOf(fileName), constants.O_RDONLY | constants.O_NOFOLLOW);
  }

  /** Deletes an archive whose job is over. A name that is not an archive's is ignored, never used. */
  async release(fileName: unknown): Promise<boolean> {
    if (!ImportArchives.isArchiveName(fileName)) return false;
    await rm(join(this.folder, fileName), { force: true });
    return true;
  }

  /**
   * Deletes orphans: whole archives no pending job names (`isReferenced` false) older than
   * ORPHAN_ARCHIVE_AGE_MS, and partial uploads no request can still be writing (untouched for
   * longer than IMPORT_TIMEOUT_SECONDS, and not this process's). Other files are left alone.
   * Answers the names deleted.
   */
  async sweep(isReferenced: (fileName: string) => boolean, now = Date.now()): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const partialAgeMs = this.config.jobs.importTimeoutMs + 60_000;
    const removed: string[] = [];
    for (const name of names) {
      const archive = ImportArchives.isArchiveName(name);
      const partial =
        name.endsWith(PART_SUFFIX) && ImportArchives.isArchiveName(name.slice(0, -PART_SUFFIX.length));
      if (!archive && !partial) continue;
      if (archive && isReferenced(name)) continue;
      if (partial && this.receiving.has(name)) continue;
      const info = await stat(join(this.folder, name)).catch(() => null);
      if (!info?.isFile()) continue;
      if (now - info.mtimeMs <= (archive ? ORPHAN_ARCHIVE_AGE_MS : partialAgeMs)) continue;
      await rm(join(this.folder, name), { force: true });
      removed.push(name);
    }
    return removed;
  }

  /** Bytes of the folder's archives and partial uploads, but for `except` and this process's uploads. */
  private async bytesOnDisk(except: string): Promise<number> {
    let total = 0;
    for (const name of await readdir(this.folder)) {
      if (name === except || this.receiving.has(name)) continue;
      const info = await stat(join(this.folder, name)).catch(() => null);
      if (info?.isFile()) total += info.size;
    }
    return total;
  }

  /** Bytes this process's other uploads received so far. */
  private bytesReceiving(except: string): number {
    let total = 0;
    for (const [name, bytes] of this.receiving) if (name !== except) total += bytes;
    return total;
  }

  private quotaError(bytes: number, limit: number): BadUserInputError {
    return new BadUserInputError(
      `The import area is full: archives waiting to be loaded would take ${bytes} of the ${limit} bytes ` +
        'allowed (IMPORT_MAX_TOTAL_BYTES). Retry later, once queued imports have been loaded.',
    );
  }
}
