/**
 * A subscription or an event stream the client ends must release what it holds at once, on a
 * quiet queue too: its PubSub listener and, for graphql-ws, the connection's place in the
 * per-token bound (WebSocketGate counts a connection until graphql-ws has ended its
 * subscriptions). Before, an async generator waiting for the next job event saw return() only
 * at that event, so closed connections kept counting and a token was locked out with 4429.
 *
 * The api here runs with no worker on a Redis database of its own: the one job queued never
 * runs, and no other test's api publishes a job change, so nothing wakes a waiting stream.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobQueue, JobRecord } from '#libs/jobs';
import type { HostCatalogues } from '../../apps/api/src/fleet/host-catalogues.js';
import { JobUpdates } from '../../apps/api/src/jobs/job-updates.js';
import { readTestEnvironment } from '../environment/index.js';
import { startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';
import { subscribe } from '../support/graphql-subscription.js';
import { pullImage } from '../support/jobs.js';

const env = readTestEnvironment();
/** How soon a client's end must show on the server: no job event comes to hurry it. */
const RELEASED_WITHIN_MS = 1_000;

describe('ending a subscription or an event stream on a quiet queue', () => {
  let api: ApiUnderTest;
  let updates: JobUpdates;
  /** A job that stays QUEUED: no worker runs here. */
  let queuedJobId: string;

  beforeAll(async () => {
    api = await startApi(env, {
      REDIS_URL: `${env.redis.url}/11`,
      WORKER_EMBEDDED: 'false',
      WS_MAX_CONNECTIONS_PER_TOKEN: '3',
    });
    updates = api.app.get(JobUpdates);
    const queued = await pullImage(api, { ref: env.fixtures.images.base.registries.open.ref });
    expect(queued.errors).toBeUndefined();
    queuedJobId = queued.job!.id;
    // The job's own "added" event is relayed to subscribers; let it pass before any subscribes.
    await sleep(1_000);
  });

  afterAll(() => api?.close());

  /** Within RELEASED_WITHIN_MS; also where a case starts, as one before may still be releasing. */
  const noListenerLeft = () =>
    eventually(async () => expect(updates.subscriberCount).toBe(0), RELEASED_WITHIN_MS);
  const jobUpdates = 'subscription { jobUpdates { id state } }';
  const jobProgress = () => `subscription { jobProgress(id: "${queuedJobId}") { id state } }`;

  it('admits a token closing its connections again and again, with a bound of 3 (never 4429)', async () => {
    const outcomes: ('connected' | number)[] = [];
    for (let round = 0; round < 10; round++) {
      const progress = round % 2 === 1;
      const subscription = subscribe<unknown>(api, progress ? jobProgress() : jobUpdates);
      try {
        const outcome = await subscription.outcome;
        outcomes.push(outcome);
        if (outcome !== 'connected') break;
        // The subscription runs on the server and waits for a job event that never comes:
        // jobProgress has sent the job as it is; jobUpdates listens (maybe along with the one of
        // the round before, if that one is not released yet).
        await eventually(async () => {
          if (progress) expect(subscription.received).toHaveLength(1);
          else expect(updates.subscriberCount).toBeGreaterThan(0);
        }, 5_000);
      } finally {
        // Gone without a `complete` first, as a client that is closed or loses its network.
        await subscription.disconnect();
      }
    }
    expect(outcomes).toEqual(Array.from({ length: 10 }, () => 'connected'));
    await noListenerLeft();
  });

  it.each([
    ['jobUpdates', () => jobUpdates],
    ['jobProgress', jobProgress],
  ])('leaves no PubSub listener once the client completes %s', async (_name, query) => {
    await noListenerLeft();
    const subscription = subscribe(api, query());
    try {
      expect(await subscription.outcome).toBe('connected');
      await eventually(async () => expect(updates.subscriberCount).toBe(1), 5_000);
      subscription.complete();
      await noListenerLeft();
    } finally {
      await subscription.close();
    }
  });

  it('leaves no PubSub listener once the client aborts an SSE stream', async () => {
    await noListenerLeft();
    const abort = new AbortController();
    const response = await fetch(`${api.url}/api/v1/jobs/${encodeURIComponent(queuedJobId)}/events`, {
      headers: { authorization: `Bearer ${TEST_TOKENS.read}`, accept: 'text/event-stream' },
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    try {
      // The job as it is now: the stream then waits for a change that never comes.
      let first = '';
      const decoder = new TextDecoder();
      const hasEvent = () => first.includes('event: job') && first.endsWith('\n\n');
      while (!hasEvent()) {
        const { value, done } = await reader.read();
        if (done) break;
        first += decoder.decode(value, { stream: true });
      }
      expect(first).toContain('event: job');
      expect(first).toContain('QUEUED');
      expect(updates.subscriberCount).toBe(1);
    } finally {
      abort.abort();
      await reader.cancel().catch(() => undefined);
    }
    await noListenerLeft();
  });
});

/** JobUpdates alone, with a queue fake: the same properties without a network in between. */
describe('JobUpdates streams', () => {
  const record = (state: JobRecord['state'], percent = 0): JobRecord =>
    ({ id: 'job-1', kind: 'PULL', state, attempts: 1, progress: { percent } }) as unknown as JobRecord;

  function jobUpdatesWith(get: (publish: (change: JobRecord) => void) => Promise<JobRecord | null>) {
    let listener: (change: JobRecord) => void = () => undefined;
    const queue = {
      onChange: (next: (change: JobRecord) => void) => {
        listener = next;
        return () => undefined;
      },
      get: () => get((change) => listener(change)),
    } as unknown as JobQueue;
    const hosts = {
      localHost: 'local',
      names: () => ['local'],
      fresh: async () => undefined,
    } as unknown as HostCatalogues;
    const updates = new JobUpdates(queue, hosts);
    updates.onModuleInit();
    return updates;
  }

  /** `promise`'s outcome, or 'pending' if it has none within a few event-loop turns. */
  const within = <T>(promise: Promise<T>, ms = 200) => Promise.race([promise, sleep(ms, 'pending' as const)]);

  it('ends a follow() waiting for the next change at once, and releases its listener', async () => {
    const updates = jobUpdatesWith(async () => record('QUEUED'));
    const stream = updates.follow('job-1');
    expect((await stream.next()).value).toMatchObject({ state: 'QUEUED' });
    const waiting = stream.next();
    expect(updates.subscriberCount).toBe(1);
    expect(await within(stream.return!())).toEqual({ done: true, value: undefined });
    expect(updates.subscriberCount).toBe(0);
    expect(await within(waiting)).toEqual({ done: true, value: undefined });
  });

  it('ends an all() waiting for the next change at once, and releases its listener', async () => {
    const updates = jobUpdatesWith(async () => null);
    const stream = updates.all('PUSH');
    const waiting = stream.next();
    await eventually(async () => expect(updates.subscriberCount).toBe(1));
    expect(await within(stream.return!())).toEqual({ done: true, value: undefined });
    expect(updates.subscriberCount).toBe(0);
    expect(await within(waiting)).toEqual({ done: true, value: undefined });
  });

  it('misses no change published while follow() reads the current state', async () => {
    const updates = jobUpdatesWith(async (publish) => {
      publish(record('ACTIVE', 10));
      await sleep(10);
      return record('QUEUED');
    });
    const stream = updates.follow('job-1');
    expect((await stream.next()).value).toMatchObject({ state: 'QUEUED' });
    expect(await within(stream.next())).toMatchObject({ done: false, value: { state: 'ACTIVE' } });
    await stream.return!();
    expect(updates.subscriberCount).toBe(0);
  });
});
