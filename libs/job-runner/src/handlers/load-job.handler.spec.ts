import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadConfig } from '#libs/config';
import type { DockerEngine } from '#libs/docker';
import { DockerUnavailableError } from '#libs/errors';
import { ImportArchives, JobFailure, type LoadJobPayload } from '#libs/jobs';
import type { JobContext } from '../job-handler.js';
import { LoadJobHandler } from './load-job.handler.js';

const NAME = '0b6f2c1e-3f4a-4b5c-8d9e-0123456789ab.tar';
const IMAGE_ID = `sha256:${'c'.repeat(64)}`;

function contextWith(signal = new AbortController().signal): JobContext {
  return {
    jobId: 'job-1',
    signal,
    attempt: 1,
    reportProgress: () => undefined,
    flushProgress: async () => undefined,
  };
}

/** A daemon that reads the whole archive and then answers as `docker load` does, or fails. */
function fakeEngine(answer: 'loaded' | 'unavailable' | 'corrupt' = 'loaded') {
  const read: string[] = [];
  const engine = {
    async loadImages(archive: NodeJS.ReadableStream) {
      let text = '';
      for await (const chunk of archive) text += chunk.toString();
      read.push(text);
      if (answer === 'unavailable') throw new DockerUnavailableError('connect ENOENT /var/run/docker.sock');
      return (async function* () {
        yield answer === 'loaded'
          ? JSON.stringify({ stream: 'Loaded image: acme/app:1\n' })
          : JSON.stringify({ errorDetail: { message: 'unexpected EOF' }, error: 'unexpected EOF' });
      })();
    },
    async inspectImage() {
      return { id: IMAGE_ID };
    },
  } as unknown as DockerEngine;
  return { engine, read };
}

describe('LoadJobHandler', () => {
  let stateDir: string;
  let uploads: string;
  let archives: ImportArchives;

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'stevedore-load-handler-'));
    uploads = join(stateDir, 'uploads');
    mkdirSync(uploads);
    archives = new ImportArchives(loadConfig({ STEVEDORE_STATE_DIR: stateDir }));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  const payload = (fileName: string): LoadJobPayload => ({
    ref: `upload:${fileName}`,
    fileName,
    sizeBytes: 7,
    requestedBy: 'write:x',
  });
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (error: unknown) => error,
    );

  it('loads the archive it names and leaves it in place: the job lifecycle frees it once the job is over', async () => {
    writeFileSync(join(uploads, NAME), 'archive');
    const { engine, read } = fakeEngine();
    const handler = new LoadJobHandler(engine, archives);
    expect(await handler.run(payload(NAME), contextWith())).toEqual({
      imageId: IMAGE_ID,
      digest: null,
      loaded: ['acme/app:1'],
    });
    expect(read).toEqual(['archive']);
    expect(existsSync(join(uploads, NAME))).toBe(true);
  });

  it('keeps the archive after a failed attempt, retryable or not', async () => {
    writeFileSync(join(uploads, NAME), 'archive');
    for (const answer of ['unavailable', 'corrupt'] as const) {
      const failure = await failureOf(
        new LoadJobHandler(fakeEngine(answer).engine, archives).run(payload(NAME), contextWith()),
      );
      expect(failure).toBeInstanceOf(JobFailure);
      expect(existsSync(join(uploads, NAME))).toBe(true);
    }
  });

  it('keeps the archive when the attempt is aborted (a worker shutting down hands the job back)', async () => {
    writeFileSync(join(uploads, NAME), 'archive');
    const abort = new AbortController();
    const engine = {
      loadImages: (_archive: unknown, signal: AbortSignal) => {
        setImmediate(() => abort.abort('shutdown'));
        return new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted'))),
        );
      },
    } as unknown as DockerEngine;
    const running = failureOf(
      new LoadJobHandler(engine, archives).run(payload(NAME), contextWith(abort.signal)),
    );
    expect(await running).toEqual(new Error('aborted'));
    expect(existsSync(join(uploads, NAME))).toBe(true);
  });

  it('refuses a payload naming anything but an archive of the uploads folder, never reading or deleting it', async () => {
    const secret = join(stateDir, 'secret.tar');
    writeFileSync(secret, 'not yours');
    symlinkSync(secret, join(uploads, NAME));
    const hostile = [
      secret,
      relative(uploads, secret),
      '../../../../../../etc/passwd',
      `../uploads/${NAME}`,
      NAME, // a symbolic link in the folder, to a file outside it
    ];
    for (const fileName of hostile) {
      const { engine, read } = fakeEngine();
      const handler = new LoadJobHandler(engine, archives);
      // An older api's field, or a forged one: ignored.
      const forged = { ...payload(fileName), archivePath: secret } as LoadJobPayload;
      const failure = await failureOf(handler.run(forged, contextWith()));
      expect(failure).toBeInstanceOf(JobFailure);
      expect(failure).toMatchObject({ code: 'BAD_USER_INPUT', retryable: false });
      expect(read).toEqual([]);
    }
    expect(readFileSync(secret, 'utf8')).toBe('not yours');
  });

  it('fails for good, with a clear message, when the archive is gone', async () => {
    const failure = await failureOf(
      new LoadJobHandler(fakeEngine().engine, archives).run(payload(NAME), contextWith()),
    );
    expect(failure).toMatchObject({
      code: 'BAD_USER_INPUT',
      retryable: false,
      detail: 'The uploaded archive is no longer there: upload it again.',
    });
  });
});
