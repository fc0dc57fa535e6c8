import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { Queue } from 'bullmq';
import { ConfigModule, loadConfig, type StevedoreConfig } from '#libs/config';
import { DOCKER_ENGINE, DockerModule, type DockerEngine } from '#libs/docker';
import { DockerUnavailableError } from '#libs/errors';
import { JobRunnerModule } from '#libs/job-runner';
import { bullConnection, IMAGE_QUEUE } from '#libs/jobs';
import { readTestEnvironment } from '../environment/index.js';
import { eventually } from '../support/eventually.js';

/**
 * Who deletes an uploaded archive, and when: the real worker (ImageJobWorker, LoadJobHandler) on
 * the real BullMQ and Redis, with a fake of our DockerEngine port that can block, fail or load,
 * and jobs added straight to the queue, as anyone who can write to Redis could add them. An
 * archive must outlive every attempt and a shutdown hand-back, and go once its job is over.
 */
const env = readTestEnvironment();
/** A database of its own: no other test's worker may take these jobs. */
const redisUrl = `${env.redis.url}/13`;
const IMAGE_ID = `sha256:${'d'.repeat(64)}`;

type Behaviour = 'load' | 'block' | 'unavailable';

/** A daemon that loads (reading the whole archive), blocks until aborted, or is down. */
function fakeEngine(behaviour: Behaviour) {
  const calls: string[] = [];
  const engine = {
    async loadImages(archive: NodeJS.ReadableStream, signal: AbortSignal) {
      let text = '';
      for await (const chunk of archive) text += chunk.toString();
      calls.push(text);
      if (behaviour === 'unavailable')
        throw new DockerUnavailableError('connect ENOENT /var/run/docker.sock');
      if (behaviour === 'block') {
        await new Promise((resolve) => {
          if (signal.aborted) resolve(undefined);
          signal.addEventListener('abort', resolve);
        });
        throw new Error('aborted');
      }
      return (async function* () {
        yield JSON.stringify({ stream: 'Loaded image: acme/app:1\n' });
      })();
    },
    async inspectImage() {
      return { id: IMAGE_ID };
    },
  } as unknown as DockerEngine;
  return { engine, calls };
}

describe('import archives: kept while their job may run, deleted once it is over', () => {
  let queue: Queue;
  let stateDir: string;
  let uploads: string;
  let config: StevedoreConfig;
  const modules: TestingModule[] = [];

  beforeAll(() => {
    Logger.overrideLogger(false);
    queue = new Queue(IMAGE_QUEUE, { connection: bullConnection(redisUrl) });
  });

  afterAll(async () => {
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
  });

  beforeEach(async () => {
    await queue.obliterate({ force: true });
    stateDir = mkdtempSync(join(tmpdir(), 'stevedore-import-archives-'));
    uploads = join(stateDir, 'uploads');
    mkdirSync(uploads);
    config = loadConfig({
      REDIS_URL: redisUrl,
      STEVEDORE_STATE_DIR: stateDir,
      SHUTDOWN_GRACE_SECONDS: '0',
      JOB_ATTEMPTS: '3',
      JOB_BACKOFF_MS: '100',
      JOB_LOCK_SECONDS: '2',
      WORKER_CONCURRENCY: '1',
    });
  });

  afterEach(async () => {
    await Promise.all(modules.splice(0).map((module) => module.close().catch(() => undefined)));
    rmSync(stateDir, { recursive: true, force: true });
  });

  /** The worker as the worker app runs it (JobRunnerModule), on a fake daemon. */
  async function startWorker(engine: DockerEngine): Promise<TestingModule> {
    const module = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), DockerModule, JobRunnerModule],
    })
      .overrideProvider(DOCKER_ENGINE)
      .useValue(engine)
      .compile();
    modules.push(module);
    await module.init();
    return module;
  }

  /** An archive in the uploads folder, as the api stores it. */
  function storedArchive(content = 'archive'): string {
    const fileName = `${randomUUID()}.tar`;
    writeFileSync(join(uploads, fileName), content);
    return fileName;
  }

  /** A LOAD job as the api queues it (`archivePath` too, as an api before file names did). */
  async function addLoad(
    fileName: string,
    extra: Record<string, unknown> = {},
    delay?: number,
  ): Promise<string> {
    const id = randomUUID();
    await queue.add(
      'load',
      {
        ref: `upload:${fileName}`,
        fileName,
        archivePath: join(uploads, fileName),
        sizeBytes: 7,
        requestedBy: 'write:test',
        ...extra,
      },
      { jobId: id, attempts: 3, backoff: { type: 'fixed', delay: 100 }, ...(delay ? { delay } : {}) },
    );
    return id;
  }

  async function finalState(
    id: string,
    withinMs = 15_000,
  ): Promise<{ state: string; failedReason?: string }> {
    return eventually(async () => {
      const state = await queue.getJobState(id);
      expect(['completed', 'failed']).toContain(state);
      const job = await queue.getJob(id);
      return { state, failedReason: job?.failedReason };
    }, withinMs);
  }

  const archiveGone = (fileName: string) =>
    eventually(async () => expect(existsSync(join(uploads, fileName))).toBe(false), 5_000);

  it('keeps the archive of a job handed back at shutdown; another worker loads it, then it goes', async () => {
    const fileName = storedArchive();
    const first = fakeEngine('block');
    const worker = await startWorker(first.engine);
    const id = await addLoad(fileName);
    await eventually(async () => expect(first.calls).toHaveLength(1), 10_000);

    // SHUTDOWN_GRACE_SECONDS=0: the running load is aborted and the job goes back to the queue.
    await worker.close();
    expect(['waiting', 'delayed', 'prioritized']).toContain(await queue.getJobState(id));
    expect(existsSync(join(uploads, fileName))).toBe(true);

    const second = fakeEngine('load');
    await startWorker(second.engine);
    expect(await finalState(id)).toMatchObject({ state: 'completed' });
    expect(second.calls).toEqual(['archive']);
    await archiveGone(fileName);
  });

  it('keeps the archive across retries, and deletes it once the last attempt failed', async () => {
    const fileName = storedArchive();
    const daemon = fakeEngine('unavailable');
    await startWorker(daemon.engine);
    const id = await addLoad(fileName);
    const end = await finalState(id);
    expect(end.state).toBe('failed');
    expect(end.failedReason).toMatch(/^DOCKER_UNAVAILABLE: /);
    // Every attempt found the whole archive.
    expect(daemon.calls).toEqual(['archive', 'archive', 'archive']);
    await archiveGone(fileName);
  });

  it('deletes the archive of a job cancelled before it started, which never runs', async () => {
    const fileName = storedArchive();
    const daemon = fakeEngine('load');
    const id = await addLoad(fileName, { cancelRequested: true });
    await startWorker(daemon.engine);
    expect(await finalState(id)).toMatchObject({
      state: 'failed',
      failedReason: 'CANCELLED: cancelled before it started',
    });
    expect(daemon.calls).toEqual([]);
    await archiveGone(fileName);
  });

  it('deletes the archive of a job failed as stalled too often', async () => {
    const fileName = storedArchive();
    const daemon = fakeEngine('load');
    const id = await addLoad(fileName);
    // What BullMQ's stalled check does to a job that stalled more than it allows: a deferred
    // failure, which the next worker to take the job records without running it.
    const client = await queue.getBackend().client;
    await client.hset(queue.toKey(id), { defa: 'job stalled more than allowable limit' });
    await startWorker(daemon.engine);
    expect(await finalState(id)).toMatchObject({
      state: 'failed',
      failedReason: 'job stalled more than allowable limit',
    });
    expect(daemon.calls).toEqual([]);
    await archiveGone(fileName);
  });

  it('refuses a job that names a file outside the uploads folder: the file is neither read nor deleted', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'stevedore-not-an-upload-'));
    const secret = join(outside, `${randomUUID()}.tar`);
    try {
      writeFileSync(secret, 'not an upload');
      const daemon = fakeEngine('load');
      await startWorker(daemon.engine);
      for (const hostile of [secret, relative(uploads, secret), '../../../../../../etc/passwd']) {
        const id = randomUUID();
        await queue.add(
          'load',
          { ref: 'upload:x', fileName: hostile, archivePath: secret, sizeBytes: 13, requestedBy: 'write:x' },
          { jobId: id, attempts: 3 },
        );
        const end = await finalState(id);
        expect(end.state).toBe('failed');
        expect(end.failedReason).toMatch(/^BAD_USER_INPUT: The job does not name an uploaded archive/);
        expect((await queue.getJob(id))?.attemptsMade).toBe(1);
      }
      // Give a late release every chance to happen.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(daemon.calls).toEqual([]);
      expect(readFileSync(secret, 'utf8')).toBe('not an upload');
      expect(readFileSync('/etc/passwd', 'utf8').length).toBeGreaterThan(0);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('sweeps at start: old archives no pending job names go, those of pending jobs stay', async () => {
    const hourAgo = new Date(Date.now() - 3_600_000);
    const orphan = storedArchive();
    const pending = storedArchive();
    const fresh = storedArchive();
    utimesSync(join(uploads, orphan), hourAgo, hourAgo);
    utimesSync(join(uploads, pending), hourAgo, hourAgo);
    // Queued for later: pending all along the test.
    await addLoad(pending, {}, 3_600_000);
    await startWorker(fakeEngine('load').engine);
    await archiveGone(orphan);
    expect(existsSync(join(uploads, pending))).toBe(true);
    // Stored a moment ago, its job perhaps about to be queued: kept.
    expect(existsSync(join(uploads, fresh))).toBe(true);
  });
});
