import Docker from 'dockerode';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  readTestEnvironment,
  runDocker,
  startDockerDaemon,
  startTestEnvironment,
  stopDockerDaemon,
  type StartedTestEnvironment,
} from '../environment/index.js';
import { graphql, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';
import { subscribe } from '../support/graphql-subscription.js';
import { getJob, JOB_FIELDS, pullImage, settled, type JobNode } from '../support/jobs.js';
import {
  ensureBuilt,
  killAllServices,
  serviceEnv,
  startApiProcess,
  startWorkerProcess,
  type ServiceProcess,
} from '../support/processes.js';
import { RecordingLogStream } from '../support/recording-logger.js';
import { downloadStopped, MiB, startSlowProxy, type SlowProxy } from '../support/slow-proxy.js';

/**
 * Jobs when things go wrong: cancel, deduplication, a worker killed or stopped mid-pull, the
 * daemon stopped mid-pull, and progress crossing processes. Pulls go through a bandwidth-limited
 * proxy in front of the suite's open registry, so "mid-pull" lasts as long as a test needs.
 *
 * It has a dockerd and Redis of its own: it stops the daemon, and its workers must be the only
 * ones on its queue. The shared environment is only read (its registry and fixture metadata).
 */
const shared = readTestEnvironment();
const { large, appA, appB } = shared.fixtures.images;

describe('job resilience against the real daemon, registry and Redis', () => {
  let env: StartedTestEnvironment;
  let docker: Docker;
  let proxy: SlowProxy;
  let stateDir: string;
  /** `127.0.0.1:<proxy>/stevedore-fixtures/large:1`: 5 × 10 MiB through the proxy. */
  let largeRef: string;

  const cli = async (...args: string[]) => (await runDocker(env, args)).stdout;
  /** Removes the image and all its names, so the next pull really downloads its layers. */
  const removeLarge = () => cli('image', 'rm', '--force', large.id).catch(() => undefined);
  const isLocal = (ref: string) =>
    cli('image', 'inspect', ref).then(
      () => true,
      () => false,
    );

  beforeAll(async () => {
    // `env: {}`: this worker inherited the suite's DOCKER_HOST and REDIS_URL from global setup.
    [env, proxy] = await Promise.all([
      startTestEnvironment({ env: {} }),
      startSlowProxy(shared.registries.open.host, { bytesPerSecond: 4 * MiB }),
    ]);
    docker = new Docker({ socketPath: env.docker.managed ? env.docker.socketPath : undefined });
    stateDir = mkdtempSync(join(tmpdir(), 'stevedore-resilience-'));
    largeRef = `${proxy.host}/${large.repository}:${large.tags[0]}`;
  }, 60_000);

  afterAll(async () => {
    await killAllServices();
    await proxy?.close();
    await env?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }, 60_000);

  /** Waits until the job runs and the daemon is downloading at least one layer. */
  async function downloading(api: ApiUnderTest, id: string, withinMs = 20_000): Promise<JobNode> {
    return eventually(async () => {
      const job = await getJob(api, id);
      expect(job?.state).toBe('ACTIVE');
      expect(job!.progress.layers.some((layer) => layer.status === 'Downloading')).toBe(true);
      return job!;
    }, withinMs);
  }

  async function cancelJob(api: ApiUnderTest, id: string) {
    const answer = await graphql<{ cancelJob: JobNode }>(
      api,
      `mutation($id: ID!) { cancelJob(id: $id) { ${JOB_FIELDS} } }`,
      { token: TEST_TOKENS.write, variables: { id } },
    );
    return { job: answer.data?.cancelJob, errors: answer.errors };
  }

  /** `pull` events the daemon emitted for `ref` since `sinceMs` (its event log, read to now). */
  async function pullEventsOf(ref: string, sinceMs: number): Promise<number> {
    const stream = (await docker.getEvents({
      since: (sinceMs / 1000).toFixed(3),
      until: (Date.now() / 1000 + 0.2).toFixed(3),
      filters: { type: ['image'], event: ['pull'] },
    } as unknown as Docker.GetEventsOptions)) as NodeJS.ReadableStream;
    let text = '';
    for await (const chunk of stream) text += chunk.toString();
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { Action: string; Actor: { ID: string } })
      .filter((event) => event.Action === 'pull' && event.Actor.ID === ref).length;
  }

  /** Prints the warn, error and fatal lines of a process's JSON log, for the record. */
  const printProblems = (service: ServiceProcess) => {
    const lines = service
      .output()
      .split('\n')
      // pino writes levels as numbers: 40 warn, 50 error, 60 fatal.
      .filter((line) => /"level":(40|50|60)\b/.test(line));
    if (lines.length > 0) console.info(`pid ${service.pid}:\n${lines.join('\n')}`);
  };

  describe('with the worker embedded in the api', () => {
    let api: ApiUnderTest;
    const logs = new RecordingLogStream();

    beforeAll(async () => {
      // One job at a time, so a second pull stays queued behind a slow first one.
      api = await startApi(
        env,
        {
          REDIS_URL: `${env.redis.url}/1`,
          WORKER_CONCURRENCY: '1',
          JOB_ATTEMPTS: '5',
          JOB_BACKOFF_MS: '500',
          STEVEDORE_STATE_DIR: stateDir,
        },
        { logs },
      );
    });

    afterAll(async () => {
      await api?.close();
    });

    beforeEach(async () => {
      proxy.setRate(2 * MiB);
      await removeLarge();
    });

    it('cancels an active pull: CANCELLED within the mutation, the daemon stops and keeps nothing', async () => {
      const queued = await pullImage(api, { ref: largeRef });
      expect(queued.errors).toBeUndefined();
      await downloading(api, queued.job!.id);

      const asked = Date.now();
      const cancelled = await cancelJob(api, queued.job!.id);
      const answeredMs = Date.now() - asked;
      expect(cancelled.errors).toBeUndefined();
      expect(cancelled.job).toMatchObject({ id: queued.job!.id, state: 'CANCELLED', error: null });
      expect(cancelled.job!.finishedAt).not.toBeNull();
      expect(answeredMs).toBeLessThan(10_000);

      // The daemon's pull was aborted with the connection: it stops downloading and has no image.
      await downloadStopped(proxy);
      expect(await isLocal(largeRef)).toBe(false);
      expect(await isLocal(large.id)).toBe(false);
      expect(await getJob(api, queued.job!.id)).toMatchObject({ state: 'CANCELLED', attempts: 1 });

      const again = await cancelJob(api, queued.job!.id);
      expect(again.job).toBeUndefined();
      expect(again.errors?.[0]?.extensions?.code).toBe('JOB_NOT_CANCELLABLE');
      console.info(`resilience: active pull cancelled in ${answeredMs} ms`);
    });

    it('cancels a queued pull, which never runs; an identical pull afterwards is a new job', async () => {
      const since = Date.now();
      const first = await pullImage(api, { ref: largeRef });
      await downloading(api, first.job!.id);

      const appARef = `${proxy.host}/${appA.repository}:${appA.tags[0]}`;
      const second = await pullImage(api, { ref: appARef });
      expect(second.job).toMatchObject({ state: 'QUEUED' });
      const cancelled = await cancelJob(api, second.job!.id);
      expect(cancelled.errors).toBeUndefined();
      expect(cancelled.job).toMatchObject({ id: second.job!.id, state: 'CANCELLED', error: null });

      // The cancel removed the deduplication key: the same request queues new work.
      const third = await pullImage(api, { ref: appARef });
      expect(third.errors).toBeUndefined();
      expect(third.job!.id).not.toBe(second.job!.id);
      expect(third.job!.state).toBe('QUEUED');

      proxy.setRate(Infinity);
      expect(await settled(api, first.job!.id)).toMatchObject({ state: 'COMPLETED', imageId: large.id });
      const secondEnd = await settled(api, second.job!.id);
      expect(secondEnd).toMatchObject({ state: 'CANCELLED', error: null, imageId: null });
      // It never ran: no progress of its own, and the daemon pulled app-a only once, for the third job.
      expect(secondEnd.progress.layers).toEqual([]);
      expect(await settled(api, third.job!.id)).toMatchObject({ state: 'COMPLETED', imageId: appA.id });
      expect(await pullEventsOf(appARef, since)).toBe(1);
      await cli('image', 'rm', '--force', appA.id).catch(() => undefined);
    });

    // Cancelling a queued job writes a mark no worker acts on yet: only the lifecycle's own queue
    // event can tell subscribers, who must never see it ACTIVE before CANCELLED.
    it('tells a subscriber at once that a queued job was cancelled, and never shows it ACTIVE', async () => {
      const first = await pullImage(api, { ref: largeRef });
      await downloading(api, first.job!.id);
      const queued = await pullImage(api, { ref: `${proxy.host}/${appB.repository}:${appB.tags[0]}` });
      expect(queued.job).toMatchObject({ state: 'QUEUED' });
      const subscription = subscribe<{ jobProgress: JobNode }>(
        api,
        `subscription { jobProgress(id: "${queued.job!.id}") { ${JOB_FIELDS} } }`,
      );
      const states = () => subscription.received.map((message) => message.jobProgress.state);
      try {
        await subscription.ready;
        await eventually(async () => expect(states()).toEqual(['QUEUED']), 5_000);
        const cancelled = await cancelJob(api, queued.job!.id);
        expect(cancelled.job).toMatchObject({ state: 'CANCELLED' });
        const answeredFinishedAt = cancelled.job!.finishedAt;
        // The worker is still busy with the first pull: only the cancel itself can tell the subscriber.
        const toldAtOnce = await eventually(async () => {
          expect(states()).toContain('CANCELLED');
          return true;
        }, 3_000).catch(() => false);
        const firstStillActive = (await getJob(api, first.job!.id))?.state === 'ACTIVE';

        proxy.setRate(Infinity);
        await settled(api, first.job!.id);
        const end = await settled(api, queued.job!.id);
        await eventually(async () => expect(states()).toContain('CANCELLED'), 5_000);
        console.info(
          `resilience: queued cancel seen by the subscriber as ${states().join(' -> ')}; ` +
            `told at once: ${toldAtOnce}; cancel answered finishedAt ${answeredFinishedAt}; ` +
            `final record attempts ${end.attempts}, startedAt ${end.startedAt}`,
        );
        expect(firstStillActive).toBe(true);
        expect({ toldAtOnce, states: states() }).toEqual({
          toldAtOnce: true,
          states: ['QUEUED', 'CANCELLED'],
        });
      } finally {
        proxy.setRate(Infinity);
        await subscription.close();
        await settled(api, first.job!.id).catch(() => undefined);
      }
    });

    it('answers 50 identical concurrent pulls with one job, and the daemon pulls once', async () => {
      proxy.setRate(8 * MiB);
      const since = Date.now();
      const answers = await Promise.all(Array.from({ length: 50 }, () => pullImage(api, { ref: largeRef })));
      expect(answers.flatMap((answer) => answer.errors ?? [])).toEqual([]);
      const ids = new Set(answers.map((answer) => answer.job!.id));
      expect(ids.size).toBe(1);
      const [id] = [...ids];
      expect(await settled(api, id!)).toMatchObject({ state: 'COMPLETED', imageId: large.id, attempts: 1 });
      expect(await pullEventsOf(largeRef, since)).toBe(1);
    });

    it('retries a pull whose daemon stopped mid-way, and completes once the daemon is back', async () => {
      if (!env.docker.managed) return;
      const queued = await pullImage(api, { ref: largeRef });
      await downloading(api, queued.job!.id);

      const stopped = Date.now();
      await stopDockerDaemon(env);
      const stopMs = Date.now() - stopped;
      await sleep(1_000);
      proxy.setRate(16 * MiB);
      await startDockerDaemon(env);
      const downMs = Date.now() - stopped;

      const job = await settled(api, queued.job!.id, 60_000);
      expect(job).toMatchObject({ state: 'COMPLETED', imageId: large.id, error: null });
      expect(job.attempts).toBeGreaterThanOrEqual(2);
      expect(await isLocal(largeRef)).toBe(true);
      const failures = logs
        .entries()
        .filter((entry) => entry.message === 'job failed' && entry.jobId === queued.job!.id)
        .map((entry) => String(entry.code ?? '?'));
      console.info(
        `resilience: daemon stop took ${stopMs} ms, down ${downMs} ms; job COMPLETED after ${job.attempts} attempts ` +
          `(failed attempts: ${failures.join(', ')})`,
      );
      expect(failures.every((code) => code === 'DOCKER_UNAVAILABLE')).toBe(true);
    }, 90_000);
  });

  describe('with the api and the workers as separate processes', () => {
    let api: ApiUnderTest;
    let apiProcess: ServiceProcess;
    let workerVars: NodeJS.ProcessEnv;
    const workers: ServiceProcess[] = [];
    const startWorker = async (vars: NodeJS.ProcessEnv = {}) => {
      const worker = await startWorkerProcess({ ...workerVars, ...vars });
      workers.push(worker);
      return worker;
    };

    beforeAll(async () => {
      const built = Date.now();
      if (ensureBuilt()) console.info(`resilience: dist/ was stale, built in ${Date.now() - built} ms`);
      const redisUrl = `${env.redis.url}/2`;
      ({ api, process: apiProcess } = await startApiProcess(
        serviceEnv(env, {
          REDIS_URL: redisUrl,
          WORKER_EMBEDDED: 'false',
          STEVEDORE_STATE_DIR: stateDir,
          // The tests poll the api for seconds on end: rate limits have their own tests.
          RATE_LIMIT_QUERIES: '0',
          RATE_LIMIT_MUTATIONS: '0',
        }),
      ));
      // A short lock, so a dead worker's job is found stalled within seconds.
      workerVars = serviceEnv(env, {
        REDIS_URL: redisUrl,
        JOB_LOCK_SECONDS: '2',
        STEVEDORE_STATE_DIR: stateDir,
      });
    }, 120_000);

    afterEach(async () => {
      await Promise.all(workers.splice(0).map((worker) => worker.stop(5_000)));
    });

    afterAll(async () => {
      await apiProcess?.stop();
    });

    beforeEach(async () => {
      proxy.setRate(2 * MiB);
      await removeLarge();
    });

    it('relays progress from a worker process to a subscriber on the api process', async () => {
      await startWorker();
      proxy.setRate(12 * MiB);
      const queued = await pullImage(api, { ref: largeRef });
      expect(queued.errors).toBeUndefined();
      const subscription = subscribe<{ jobProgress: JobNode }>(
        api,
        `subscription { jobProgress(id: "${queued.job!.id}") { ${JOB_FIELDS} } }`,
      );
      try {
        await subscription.ready;
        const job = await settled(api, queued.job!.id);
        expect(job).toMatchObject({
          state: 'COMPLETED',
          imageId: large.id,
          digest: large.registries.open.digest,
        });
        const seen = await eventually(async () => {
          const updates = subscription.received.map((message) => message.jobProgress);
          expect(updates.at(-1)?.state).toBe('COMPLETED');
          return updates;
        }, 5_000);
        expect(subscription.errors).toEqual([]);
        const percents = seen
          .filter((update) => update.state === 'ACTIVE')
          .map((update) => update.progress.percent);
        expect(percents.length).toBeGreaterThan(3);
        expect(percents).toEqual([...percents].sort((a, b) => a - b));
        expect(seen.at(-1)!.progress.percent).toBe(100);
        console.info(`resilience: ${seen.length} updates over the subscription (${percents.length} ACTIVE)`);
      } finally {
        await subscription.close();
      }
    });

    it('finishes a pull whose worker was killed (SIGKILL) on another worker, once the job is found stalled', async () => {
      const first = await startWorker();
      const queued = await pullImage(api, { ref: largeRef });
      await downloading(api, queued.job!.id);

      first.child.kill('SIGKILL');
      expect(await first.exited()).toBe('SIGKILL');
      const killed = Date.now();
      expect((await getJob(api, queued.job!.id))?.state).toBe('ACTIVE');

      const second = await startWorker();
      proxy.setRate(16 * MiB);
      const job = await settled(api, queued.job!.id, 60_000);
      expect(job).toMatchObject({ state: 'COMPLETED', imageId: large.id, error: null });
      expect(job.attempts).toBeGreaterThanOrEqual(1);
      expect(await isLocal(largeRef)).toBe(true);
      expect(second.output()).toContain(queued.job!.id);
      printProblems(second);
      console.info(
        `resilience: killed worker's job COMPLETED ${Date.now() - killed} ms after the kill, attempts ${job.attempts}`,
      );
    });

    it('hands an active job back to the queue when the grace period of a SIGTERM runs out', async () => {
      const first = await startWorker({ SHUTDOWN_GRACE_SECONDS: '1' });
      const queued = await pullImage(api, { ref: largeRef });
      await downloading(api, queued.job!.id);

      const signalled = Date.now();
      first.child.kill('SIGTERM');
      const code = await first.exited();
      const exitMs = Date.now() - signalled;
      expect([0, 'SIGTERM']).toContain(code);
      expect(exitMs).toBeLessThan(5_000);
      expect(first.output()).toContain('grace period over');

      const handedBack = await getJob(api, queued.job!.id);
      expect(handedBack).toMatchObject({ state: 'QUEUED', error: null });

      await startWorker();
      proxy.setRate(16 * MiB);
      const job = await settled(api, queued.job!.id, 60_000);
      expect(job).toMatchObject({ state: 'COMPLETED', imageId: large.id, error: null });
      printProblems(first);
      console.info(
        `resilience: worker exited ${exitMs} ms after SIGTERM (code ${String(code)}); job back as ${handedBack?.state}, then COMPLETED with attempts ${job.attempts}`,
      );
    });

    // The stored progress keeps the attempt it belongs to: a new attempt must not show the previous
    // attempt's percent (and then fall back to 0).
    it("starts a new attempt's progress from 0, not from where the previous attempt stopped", async () => {
      const first = await startWorker({ SHUTDOWN_GRACE_SECONDS: '1' });
      proxy.setRate(4 * MiB);
      const queued = await pullImage(api, { ref: largeRef });
      await eventually(async () => {
        const job = await getJob(api, queued.job!.id);
        expect(job?.state).toBe('ACTIVE');
        expect(job!.progress.percent).toBeGreaterThanOrEqual(10);
      }, 20_000);
      first.child.kill('SIGTERM');
      await first.exited();
      const handedBack = (await getJob(api, queued.job!.id))!;
      expect(handedBack).toMatchObject({ state: 'QUEUED', attempts: 1 });

      // The registry answers a trickle: the new attempt reports nothing of its own for seconds.
      proxy.setRate(256);
      await startWorker();
      const restarted = await eventually(async () => {
        const job = await getJob(api, queued.job!.id);
        expect(job).toMatchObject({ state: 'ACTIVE', attempts: 2 });
        return job!;
      }, 20_000);
      proxy.setRate(Infinity);
      // A trickle that slow may also fail attempt 2 (the daemon gives up on the registry): retried.
      const done = await settled(api, queued.job!.id, 60_000);
      expect(done.state).toBe('COMPLETED');
      expect(done.attempts).toBeGreaterThanOrEqual(2);
      console.info(
        `resilience: attempt 1 stopped at ${handedBack.progress.percent}%; attempt 2 read as ACTIVE shows ` +
          `${restarted.progress.percent}% (${restarted.progress.currentBytes} bytes)`,
      );
      expect({
        attempts: restarted.attempts,
        percent: restarted.progress.percent,
        currentBytes: restarted.progress.currentBytes,
      }).toEqual({ attempts: 2, percent: 0, currentBytes: 0 });
    });

    it('lets the active job finish within a long grace period before the worker exits', async () => {
      const worker = await startWorker({ SHUTDOWN_GRACE_SECONDS: '30' });
      proxy.setRate(12 * MiB);
      const queued = await pullImage(api, { ref: largeRef });
      await downloading(api, queued.job!.id);

      const signalled = Date.now();
      worker.child.kill('SIGTERM');
      const code = await worker.exited();
      const exitMs = Date.now() - signalled;
      expect([0, 'SIGTERM']).toContain(code);
      const job = await getJob(api, queued.job!.id);
      expect(job).toMatchObject({ state: 'COMPLETED', imageId: large.id, attempts: 1 });
      expect(new Date(job!.finishedAt!).getTime()).toBeLessThanOrEqual(Date.now());
      expect(worker.output()).not.toContain('grace period over');
      expect(await isLocal(largeRef)).toBe(true);
      printProblems(worker);
      console.info(`resilience: worker drained its job and exited ${exitMs} ms after SIGTERM`);
    });
  });
});
