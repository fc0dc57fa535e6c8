import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { bullConnection, IMAGE_QUEUE } from '#libs/jobs';
import { readTestEnvironment } from '../environment/index.js';
import { graphql, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';

const env = readTestEnvironment();
/** A Redis database of its own: the jobs listed here are this file's alone. */
const DATABASE = 10;
const REDIS_URL = `${env.redis.url}/${DATABASE}`;
const QUEUED = 40;

type Page = {
  jobs: {
    totalCount: number;
    nodes: { id: string; ref: string; state: string; createdAt: string }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

const page = (api: ApiUnderTest, args: string) =>
  graphql<Page>(
    api,
    `{ jobs(${args}) { totalCount nodes { id ref state createdAt } pageInfo { hasNextPage endCursor } } }`,
  );

/** Counts the commands named `command` that this database receives while `run` runs. */
async function commandsDuring(command: string, run: () => Promise<unknown>): Promise<number> {
  // monitor() opens a connection of its own: both are closed after.
  const client = new Redis(env.redis.url);
  const monitor = await client.monitor();
  let count = 0;
  monitor.on('monitor', (_time: string, args: string[], _source: string, database: string) => {
    if (Number(database) === DATABASE && args[0]?.toLowerCase() === command) count += 1;
  });
  try {
    await run();
    return count;
  } finally {
    monitor.disconnect();
    client.disconnect();
  }
}

describe('listing jobs reads whole jobs for the page only', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    const redis = new Redis(REDIS_URL);
    await redis.flushdb().finally(() => redis.disconnect());
    // No worker: every pull stays queued.
    api = await startApi(env, { REDIS_URL, WORKER_EMBEDDED: 'false', JOB_KEEP_COUNT: '10' });
    for (let i = 0; i < QUEUED; i += 1) {
      const queued = await graphql(
        api,
        `mutation { pullImage(input: { ref: "127.0.0.1:1/stevedore-listing/app:${i}" }) { id } }`,
        { token: TEST_TOKENS.write },
      );
      expect(queued.errors).toBeUndefined();
    }
  }, 60_000);

  afterAll(() => api?.close());

  it('answers a page of 5 out of 40 with 5 whole jobs read, not 40', async () => {
    let first: Page | undefined;
    const wholeReads = await commandsDuring('hgetall', async () => {
      first = (await page(api, 'first: 5')).data!;
    });
    expect(first!.jobs.totalCount).toBe(QUEUED);
    expect(first!.jobs.nodes.map((job) => job.ref)).toEqual(
      [39, 38, 37, 36, 35].map((i) => `127.0.0.1:1/stevedore-listing/app:${i}`),
    );
    expect(wholeReads).toBeLessThanOrEqual(5);
  });

  it('pages through every job once, newest first, and filters before paging', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const answer: Page = (await page(api, `first: 7${after ? `, after: "${after}"` : ''}`)).data!;
      seen.push(...answer.jobs.nodes.map((job) => job.ref));
      if (!answer.jobs.pageInfo.hasNextPage) break;
      after = answer.jobs.pageInfo.endCursor;
    }
    expect(seen).toEqual(
      Array.from({ length: QUEUED }, (_, i) => `127.0.0.1:1/stevedore-listing/app:${QUEUED - 1 - i}`),
    );
    expect((await page(api, 'first: 3, filter: { kind: PUSH }')).data!.jobs.totalCount).toBe(0);
    const byRef = (await page(api, 'first: 3, filter: { ref: "127.0.0.1:1/stevedore-listing/app:7" }')).data!;
    expect(byRef.jobs.nodes.map((job) => job.ref)).toEqual(['127.0.0.1:1/stevedore-listing/app:7']);
    expect((await page(api, 'first: 1, filter: { state: QUEUED }')).data!.jobs.totalCount).toBe(QUEUED);
  });

  it('keeps no more finished jobs than JOB_KEEP_COUNT', async () => {
    // A bare BullMQ worker on the same queue finishes every job at once.
    const worker = new Worker(IMAGE_QUEUE, async () => ({ imageId: null, digest: null }), {
      connection: bullConnection(REDIS_URL),
    });
    try {
      await eventually(async () => {
        const answer = (await page(api, 'first: 1, filter: { state: QUEUED }')).data!;
        expect(answer.jobs.totalCount).toBe(0);
      }, 20_000);
      await eventually(async () => {
        expect((await page(api, 'first: 1, filter: { state: COMPLETED }')).data!.jobs.totalCount).toBe(10);
      }, 5_000);
    } finally {
      await worker.close();
    }
  });
});
