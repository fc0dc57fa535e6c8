import { execFileSync } from 'node:child_process';
import { constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { ConfigModule } from '#libs/config';
import { DockerModule } from '#libs/docker';
import { JobRunnerModule } from '#libs/job-runner';
import { bullConnection, IMAGE_QUEUE, ImportArchives, JobLifecycle } from '#libs/jobs';
import { runDocker } from '../environment/docker-cli.js';
import { readTestEnvironment } from '../environment/index.js';
import { graphql, rest, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';
import { subscribe } from '../support/graphql-subscription.js';
import { getJob, JOB_FIELDS, pullImage, settled, type JobNode } from '../support/jobs.js';
import { downloadStopped, MiB, startSlowProxy, type SlowProxy } from '../support/slow-proxy.js';

/**
 * The job lifecycle (libs/jobs/src/lifecycle) end to end: cancel of running and queued jobs with
 * their artifacts freed, retry, and jobs an earlier version left in Redis. The real daemon and
 * registry (pulls through a bandwidth-limited proxy, so "running" lasts as long as a test needs),
 * the real api, and the real worker (JobRunnerModule) started in this process when a test wants
 * one, so a job can be held queued first.
 */
const env = readTestEnvironment();
const { large, appA } = env.fixtures.images;
/** A Redis database of its own: no other test's worker takes these jobs. */
const REDIS_URL = `${env.redis.url}/3`;
const NS = `stevedore-e2e-lifecycle-${process.pid}`;

describe('the job lifecycle against the real daemon, registry and Redis', () => {
  let api: ApiUnderTest;
  let proxy: SlowProxy;
  let queue: Queue;
  let stateDir: string;
  /** `docker save` of the appA fixture: what an import uploads. */
  let archive: Buffer;
  /** `127.0.0.1:<proxy>/stevedore-fixtures/large:1`: 5 × 10 MiB through the proxy. */
  let largeRef: string;
  const workers: TestingModule[] = [];

  const cli = async (...args: string[]) => (await runDocker(env, args)).stdout.trim();
  const isLocal = (ref: string) =>
    cli('image', 'inspect', ref).then(
      () => true,
      () => false,
    );
  const archivePath = (job: JobNode) => join(stateDir, 'uploads', ImportArchives.fileNameOfRef(job.ref)!);

  beforeAll(async () => {
    const redis = new Redis(REDIS_URL);
    await redis.flushdb().finally(() => redis.disconnect());
    stateDir = mkdtempSync(join(tmpdir(), 'stevedore-lifecycle-'));
    await cli('image', 'save', '--output', join(stateDir, 'app-a.tar'), appA.ref);
    archive = readFileSync(join(stateDir, 'app-a.tar'));
    proxy = await startSlowProxy(env.registries.open.host, { bytesPerSecond: 2 * MiB });
    largeRef = `${proxy.host}/${large.repository}:${large.tags[0]}`;
    queue = new Queue(IMAGE_QUEUE, { connection: bullConnection(REDIS_URL) });
    // No embedded worker: the tests start one when they want jobs to run.
    api = await startApi(env, {
      REDIS_URL,
      WORKER_EMBEDDED: 'false',
      WORKER_CONCURRENCY: '1',
      JOB_ATTEMPTS: '2',
      JOB_BACKOFF_MS: '200',
      STEVEDORE_STATE_DIR: stateDir,
    });
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.close().catch(() => undefined)));
    proxy.setRate(2 * MiB);
  });

  afterAll(async () => {
    await api?.close();
    await queue?.close();
    await proxy?.close();
    // Put the large fixture back under its local name for later suites.
    if (!(await isLocal(large.ref))) {
      await cli('image', 'pull', large.registries.open.ref);
      await cli('image', 'tag', large.registries.open.ref, large.ref);
      await cli('image', 'rm', large.registries.open.ref);
    }
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  /** The worker as the worker app runs it, on the api's configuration. */
  async function startWorker(): Promise<void> {
    const module = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(api.config), DockerModule, JobRunnerModule],
    }).compile();
    workers.push(module);
    await module.init();
  }

  async function upload(): Promise<JobNode> {
    const response = await fetch(`${api.url}/api/v1/images/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKENS.write}`, 'content-type': 'application/x-tar' },
      body: archive,
    });
    expect(response.status).toBe(202);
    return (await response.json()) as JobNode;
  }

  async function cancel(id: string): Promise<{ status: number; body: any }> {
    return rest(api, `/api/v1/jobs/${id}`, { method: 'DELETE', token: TEST_TOKENS.write });
  }

  it('cancels a running pull: CANCELLED within the request, its subscriber told, the daemon keeps nothing', async () => {
    await cli('image', 'rm', '--force', large.id).catch(() => undefined);
    await startWorker();
    const queued = await pullImage(api, { ref: largeRef });
    const id = queued.job!.id;
    const subscription = subscribe<{ jobProgress: JobNode }>(
      api,
      `subscription { jobProgress(id: "${id}") { ${JOB_FIELDS} } }`,
    );
    try {
      await subscription.ready;
      await eventually(async () => {
        const job = await getJob(api, id);
        expect(job?.state).toBe('ACTIVE');
        expect(job!.progress.layers.some((layer) => layer.status === 'Downloading')).toBe(true);
      }, 20_000);

      const cancelled = await cancel(id);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ id, state: 'CANCELLED', error: null, attempts: 1 });
      expect(cancelled.body.finishedAt).not.toBeNull();

      const states = await eventually(async () => {
        const seen = subscription.received.map((message) => message.jobProgress.state);
        expect(seen.at(-1)).toBe('CANCELLED');
        return seen;
      }, 5_000);
      expect(states).toContain('ACTIVE');
      expect(states.indexOf('CANCELLED')).toBe(states.length - 1);

      // A pull's only artifact is in the daemon: the aborted pull leaves no image behind.
      await downloadStopped(proxy);
      expect(await isLocal(largeRef)).toBe(false);
      expect(await isLocal(large.id)).toBe(false);

      const again = await cancel(id);
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('JOB_NOT_CANCELLABLE');
    } finally {
      await subscription.close();
    }
  });

  it('cancels a running import: CANCELLED, and its archive is deleted', async () => {
    const job = await upload();
    // The archive becomes a pipe that the test feeds: the load runs as long as the test holds
    // the rest back.
    const path = archivePath(job);
    rmSync(path);
    execFileSync('mkfifo', ['-m', '600', path]);
    await startWorker();
    // Opens once the worker opened the pipe to read it (ENXIO until then): never blocks.
    const feed: FileHandle = await eventually(
      () => open(path, constants.O_WRONLY | constants.O_NONBLOCK),
      20_000,
    );
    try {
      await feed.write(archive.subarray(0, 32 * 1024));
      await eventually(async () => expect((await getJob(api, job.id))?.state).toBe('ACTIVE'), 10_000);

      const answer = await graphql<{ cancelJob: JobNode }>(
        api,
        `mutation($id: ID!) { cancelJob(id: $id) { ${JOB_FIELDS} } }`,
        { token: TEST_TOKENS.write, variables: { id: job.id } },
      );
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.cancelJob).toMatchObject({ id: job.id, state: 'CANCELLED', error: null });
      await eventually(async () => expect(existsSync(path)).toBe(false), 5_000);
      expect((await queue.getJob(job.id))?.failedReason).toBe('CANCELLED: cancelled while running');
    } finally {
      // The worker's read of the pipe ends with it.
      await feed.close().catch(() => undefined);
    }
  });

  it('cancels a queued import: CANCELLED and its archive deleted at once; a worker ends it unrun', async () => {
    const job = await upload();
    expect(existsSync(archivePath(job))).toBe(true);

    const cancelled = await cancel(job.id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: job.id, state: 'CANCELLED', error: null });
    expect(existsSync(archivePath(job))).toBe(false);

    await startWorker();
    await eventually(async () => expect(await queue.getJobState(job.id)).toBe('failed'), 10_000);
    expect((await queue.getJob(job.id))?.failedReason).toBe('CANCELLED: cancelled before it started');
    const end = await getJob(api, job.id);
    expect(end).toMatchObject({ state: 'CANCELLED', error: null, imageId: null });
    expect(end!.progress.layers).toEqual([]);
    // Its archive went with its end: run again, it could only fail.
    await expect(api.app.get(JobLifecycle).retry(job.id)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('retries a cancelled and a failed pull from their first attempt, and nothing else', async () => {
    const lifecycle = api.app.get(JobLifecycle);
    const ref = `${env.registries.open.host}/${NS}/app:1`;
    try {
      // Cancelled while queued (no worker yet), then retried: it runs after all.
      const first = (await pullImage(api, { ref: appA.registries.open.ref })).job!;
      expect((await cancel(first.id)).body).toMatchObject({ state: 'CANCELLED' });
      expect(await lifecycle.retry(first.id)).toMatchObject({ id: first.id, state: 'QUEUED' });

      // Failed for good: nothing under that name yet.
      await startWorker();
      const second = (await pullImage(api, { ref })).job!;
      expect(await settled(api, second.id)).toMatchObject({
        state: 'FAILED',
        attempts: 1,
        error: { code: 'MANIFEST_UNKNOWN' },
      });
      expect(await settled(api, first.id)).toMatchObject({ state: 'COMPLETED', imageId: appA.id });

      // Once the registry has it, the retried job completes.
      await cli('image', 'tag', appA.ref, ref);
      await cli('image', 'push', ref);
      await cli('image', 'rm', ref);
      const retried = await lifecycle.retry(second.id);
      expect(retried).toMatchObject({ id: second.id, error: null, finishedAt: null });
      expect(['QUEUED', 'ACTIVE']).toContain(retried.state);
      expect(await settled(api, second.id)).toMatchObject({
        state: 'COMPLETED',
        imageId: appA.id,
        attempts: 1,
        error: null,
      });

      await expect(lifecycle.retry(second.id)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
      await expect(lifecycle.retry('no-such-job')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    } finally {
      await cli('image', 'rm', ref).catch(() => undefined);
      await cli('image', 'rm', appA.registries.open.ref).catch(() => undefined);
    }
  });

  it('reads jobs that an earlier version cancelled, as Redis still holds them', async () => {
    const payload = { platform: null, sealedCredentials: null, requestedBy: 'write:old' };
    // A worker of an earlier version, which ended a running job cancelled with this reason.
    const oldWorker = new Worker(
      IMAGE_QUEUE,
      async () => {
        throw new UnrecoverableError('CANCELLED: cancelled while running');
      },
      { connection: bullConnection(REDIS_URL) },
    );
    try {
      await queue.add('pull', { ...payload, ref: `${NS}/ended:1` }, { jobId: `${NS}-ended` });
      await eventually(async () => expect(await queue.getJobState(`${NS}-ended`)).toBe('failed'), 10_000);
    } finally {
      await oldWorker.close();
    }
    // An api of an earlier version marked this queued job cancelled; no worker ended it yet.
    await queue.add(
      'pull',
      { ...payload, ref: `${NS}/marked:1`, cancelRequested: true },
      { jobId: `${NS}-marked` },
    );

    expect(await getJob(api, `${NS}-ended`)).toMatchObject({ state: 'CANCELLED', error: null });
    expect(await getJob(api, `${NS}-marked`)).toMatchObject({ state: 'CANCELLED', error: null });
    const listed = await graphql<{ jobs: { nodes: { id: string }[] } }>(
      api,
      '{ jobs(filter: { state: CANCELLED }, first: 50) { nodes { id } } }',
    );
    expect(listed.data!.jobs.nodes.map((node) => node.id)).toEqual(
      expect.arrayContaining([`${NS}-ended`, `${NS}-marked`]),
    );
    expect((await cancel(`${NS}-marked`)).body.code).toBe('JOB_NOT_CANCELLABLE');
  });
});
