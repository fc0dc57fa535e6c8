import { runDocker } from '../environment/docker-cli.js';
import { readTestEnvironment } from '../environment/index.js';
import { graphql, rest, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';
import { subscribe } from '../support/graphql-subscription.js';
import { JOB_FIELDS, pullImage, settled, type JobNode } from '../support/jobs.js';

const env = readTestEnvironment();
const docker = async (...args: string[]) => (await runDocker(env, args)).stdout;
const { multiTag, appA } = env.fixtures.images;

/** Reads a Server-Sent Events response to its end: each `data:` line parsed as JSON. */
async function readEvents(response: Response): Promise<{ type: string; data: JobNode }[]> {
  const events: { type: string; data: JobNode }[] = [];
  const text = await response.text();
  for (const block of text.split('\n\n')) {
    const type = /^event: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (type && data) events.push({ type, data: JSON.parse(data) as JobNode });
  }
  return events;
}

describe('jobs over REST, SSE, queries and jobUpdates', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    api = await startApi(env);
  });

  afterAll(async () => {
    await api?.close();
    await docker('image', 'rm', multiTag.registries.open.ref).catch(() => undefined);
    await docker('image', 'rm', appA.registries.open.ref).catch(() => undefined);
  });

  it('queues a pull with 202 and a Location, then reads, streams and lists it', async () => {
    const updates = subscribe<{ jobUpdates: JobNode }>(
      api,
      `subscription { jobUpdates(kind: PULL) { ${JOB_FIELDS} } }`,
    );
    await updates.ready;
    try {
      const response = await fetch(`${api.url}/api/v1/images/pull`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_TOKENS.write}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ref: multiTag.registries.open.ref }),
      });
      expect(response.status).toBe(202);
      const job = (await response.json()) as JobNode;
      expect(response.headers.get('location')).toBe(`/api/v1/jobs/${job.id}`);
      expect(job).toMatchObject({ kind: 'PULL', state: 'QUEUED', ref: multiTag.registries.open.ref });

      const events = await fetch(`${api.url}${response.headers.get('location')}/events`, {
        headers: { authorization: `Bearer ${TEST_TOKENS.read}`, accept: 'text/event-stream' },
      });
      expect(events.headers.get('content-type')).toContain('text/event-stream');
      const stream = await readEvents(events);
      expect(stream.length).toBeGreaterThan(0);
      expect(stream.every((event) => event.type === 'job' && event.data.id === job.id)).toBe(true);
      expect(stream.at(-1)!.data).toMatchObject({ state: 'COMPLETED', imageId: multiTag.id });

      const read = await rest(api, `/api/v1/jobs/${job.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id: job.id, state: 'COMPLETED', progress: { percent: 100 } });

      const listed = await rest(
        api,
        `/api/v1/jobs?kind=PULL&state=COMPLETED&ref=${encodeURIComponent(multiTag.registries.open.ref)}`,
      );
      expect(listed.body.nodes.map((node: JobNode) => node.id)).toContain(job.id);
      const graph = await graphql<{ jobs: { totalCount: number; nodes: JobNode[] } }>(
        api,
        `
          query ($ref: String) {
            jobs(filter: { ref: $ref, state: COMPLETED }) {
              totalCount
              nodes {
                id
              }
            }
          }
        `,
        { variables: { ref: multiTag.registries.open.ref } },
      );
      expect(graph.data!.jobs.nodes.map((node) => node.id)).toContain(job.id);

      await eventually(async () => {
        const seen = updates.received
          .map((message) => message.jobUpdates)
          .filter((update) => update.id === job.id);
        expect(seen.map((update) => update.state)).toContain('COMPLETED');
      });
    } finally {
      await updates.close();
    }
  });

  it('answers JOB_NOT_FOUND and JOB_NOT_CANCELLABLE with their statuses', async () => {
    const missing = await rest(api, '/api/v1/jobs/no-such-job');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('JOB_NOT_FOUND');
    expect((await rest(api, '/api/v1/jobs/no-such-job/events')).status).toBe(404);
    expect((await graphql<{ job: null }>(api, '{ job(id: "no-such-job") { id } }')).data!.job).toBeNull();

    const queued = await pullImage(api, { ref: appA.registries.open.ref });
    const done = await settled(api, queued.job!.id);
    expect(done.state).toBe('COMPLETED');
    const cancel = await rest(api, `/api/v1/jobs/${done.id}`, { method: 'DELETE', token: TEST_TOKENS.write });
    expect(cancel.status).toBe(409);
    expect(cancel.body.code).toBe('JOB_NOT_CANCELLABLE');
    const graphCancel = await graphql(api, `mutation { cancelJob(id: "${done.id}") { id } }`, {
      token: TEST_TOKENS.write,
    });
    expect(graphCancel.errors?.[0]?.extensions?.code).toBe('JOB_NOT_CANCELLABLE');
    const readOnly = await rest(api, `/api/v1/jobs/${done.id}`, { method: 'DELETE' });
    expect(readOnly.status).toBe(403);
  });

  it('pages through jobs newest first and rejects a foreign cursor', async () => {
    for (const ref of [multiTag.registries.open.ref, appA.registries.open.ref]) {
      await settled(api, (await pullImage(api, { ref })).job!.id);
    }
    const first = await graphql<{
      jobs: { totalCount: number; nodes: JobNode[]; pageInfo: { endCursor: string; hasNextPage: boolean } };
    }>(api, '{ jobs(first: 1) { totalCount nodes { id createdAt } pageInfo { endCursor hasNextPage } } }');
    expect(first.data!.jobs.totalCount).toBeGreaterThanOrEqual(2);
    const second = await graphql<{ jobs: { nodes: JobNode[] } }>(
      api,
      `{ jobs(first: 1, after: "${first.data!.jobs.pageInfo.endCursor}") { nodes { id createdAt } } }`,
    );
    expect(Date.parse(second.data!.jobs.nodes[0]!.createdAt)).toBeLessThanOrEqual(
      Date.parse(first.data!.jobs.nodes[0]!.createdAt),
    );
    expect(second.data!.jobs.nodes[0]!.id).not.toBe(first.data!.jobs.nodes[0]!.id);
    const images = await graphql<{ images: { pageInfo: { endCursor: string } } }>(
      api,
      '{ images(first: 1) { pageInfo { endCursor } } }',
    );
    const foreign = await graphql(
      api,
      `{ jobs(after: "${images.data!.images.pageInfo.endCursor}") { totalCount } }`,
    );
    expect(foreign.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('reports queue counts in readiness', async () => {
    await eventually(async () => {
      const ready = await rest(api, '/health/ready');
      expect(ready.body.details.queue).toMatchObject({
        status: 'up',
        completed: expect.any(Number),
        waiting: expect.any(Number),
      });
    }, 5_000);
  });
});
