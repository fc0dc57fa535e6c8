import { Queue } from 'bullmq';
import { IMAGE_QUEUE } from '#libs/jobs';
import { UPDATE_CHECK_SCHEDULER } from '#libs/job-runner';
import { runDocker } from '../environment/docker-cli.js';
import { readTestEnvironment } from '../environment/index.js';
import { graphql, rest, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';
import { subscribe } from '../support/graphql-subscription.js';
import { settled } from '../support/jobs.js';

/**
 * Update checks (issue 13, what Watchtower and Diun do), against the open registry: a tag pulled
 * from it is UP_TO_DATE, AVAILABLE once another image is pushed under the same tag, and UP_TO_DATE
 * again after a re-pull. Its own Redis database, so the findings and the scheduler are its own.
 */
const env = readTestEnvironment();
const open = env.registries.open;
const { appA, appB } = env.fixtures.images;
const path = 'stevedore-tests/updates';
const tag = `${open.host}/${path}:1`;
const REDIS_URL = `${env.redis.url}/4`;
const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

const code = (answer: { errors?: { extensions?: { code?: string } }[] }) =>
  answer.errors?.[0]?.extensions?.code;
const docker = async (...args: string[]) => (await runDocker(env, args)).stdout.trim();

/** Puts a fixture's manifest (and so its digest) under `path:1` in the open registry, blobs mounted. */
async function publishAs(image: typeof appA): Promise<string> {
  const from = image.registries.open.repository.slice(open.host.length + 1);
  const manifest = await fetch(`${open.url}/v2/${from}/manifests/${image.registries.open.digest}`, {
    headers: { accept: DOCKER_V2 },
  });
  const bytes = Buffer.from(await manifest.arrayBuffer());
  const body = JSON.parse(bytes.toString()) as { config: { digest: string }; layers: { digest: string }[] };
  for (const blob of [body.config, ...body.layers]) {
    const mounted = await fetch(`${open.url}/v2/${path}/blobs/uploads/?mount=${blob.digest}&from=${from}`, {
      method: 'POST',
    });
    expect(mounted.status).toBe(201);
  }
  const put = await fetch(`${open.url}/v2/${path}/manifests/1`, {
    method: 'PUT',
    body: bytes,
    headers: { 'content-type': DOCKER_V2 },
  });
  expect(put.status).toBe(201);
  return image.registries.open.digest;
}

const IMAGE_UPDATE = `query($ref: String!) { image(ref: $ref) { id update { status remoteDigest checkedAt reason } } }`;
const CHECK = `mutation($ref: String) { checkImageUpdates(ref: $ref) { queued job { id kind state } } }`;

describe('update checks', () => {
  let api: ApiUnderTest;

  async function check(ref?: string) {
    const answer = await graphql<{
      checkImageUpdates: { queued: number; job: { id: string; kind: string } };
    }>(api, CHECK, { token: TEST_TOKENS.write, variables: { ref } });
    expect(answer.errors).toBeUndefined();
    const job = await settled(api, answer.data!.checkImageUpdates.job.id);
    expect(job.state).toBe('COMPLETED');
    return answer.data!.checkImageUpdates;
  }

  async function updateOf(ref: string) {
    const answer = await graphql<{ image: { id: string; update: Record<string, unknown> | null } }>(
      api,
      IMAGE_UPDATE,
      {
        variables: { ref },
      },
    );
    expect(answer.errors).toBeUndefined();
    return answer.data!.image;
  }

  beforeAll(async () => {
    await publishAs(appA);
    await docker('pull', tag);
    api = await startApi(env, { REDIS_URL });
  });

  afterAll(async () => {
    await api?.close();
    await docker('rmi', tag).catch(() => undefined);
  });

  it('is null before any check, UP_TO_DATE after one, and says why where it cannot tell', async () => {
    expect((await updateOf(tag)).update).toBeNull();
    const queued = await check(tag);
    expect(queued).toMatchObject({ queued: 1, job: { kind: 'UPDATE_CHECK' } });
    const image = await updateOf(tag);
    expect(image.id).toBe(appA.id);
    expect(image.update).toMatchObject({
      status: 'UP_TO_DATE',
      remoteDigest: appA.registries.open.digest,
      reason: null,
    });

    // A locally built image has no digest from its tag's repository (other test files may pull it
    // from a test registry meanwhile, which gives it digests of other repositories).
    await check(appB.ref);
    expect((await updateOf(appB.ref)).update).toMatchObject({
      status: 'UNKNOWN',
      remoteDigest: null,
      reason: expect.stringMatching(
        /built or loaded locally|no digest from docker.io\/stevedore-fixtures\/app-b/,
      ),
    });
  });

  it('finds a newer image under the same tag, publishes it, filters by it, and not after a re-pull', async () => {
    const updates = subscribe<{
      imageUpdates: { image: { id: string }; update: { status: string; remoteDigest: string } };
    }>(api, 'subscription { imageUpdates { image { id } update { status remoteDigest } } }');
    await updates.ready;
    const newer = await publishAs(appB);
    const all = await check();
    expect(all.queued).toBeGreaterThan(1);

    expect((await updateOf(tag)).update).toMatchObject({ status: 'AVAILABLE', remoteDigest: newer });
    await eventually(async () =>
      expect(updates.received).toContainEqual({
        imageUpdates: { image: { id: appA.id }, update: { status: 'AVAILABLE', remoteDigest: newer } },
      }),
    );
    const filtered = await graphql<{ images: { nodes: { id: string }[] } }>(
      api,
      '{ images(first: 1000, filter: { updateAvailable: true }) { nodes { id } } }',
    );
    expect(filtered.data!.images.nodes.map((node) => node.id)).toContain(appA.id);
    const others = await graphql<{ images: { nodes: { id: string }[] } }>(
      api,
      '{ images(first: 1000, filter: { updateAvailable: false }) { nodes { id } } }',
    );
    expect(others.data!.images.nodes.map((node) => node.id)).not.toContain(appA.id);
    await updates.close();

    await docker('pull', tag);
    await check(tag);
    expect(await updateOf(tag)).toMatchObject({
      id: appB.id,
      update: { status: 'UP_TO_DATE', remoteDigest: newer },
    });
  });

  it('has a REST mirror', async () => {
    const answer = await rest(api, '/api/v1/update-checks', {
      token: TEST_TOKENS.write,
      method: 'POST',
      body: { ref: tag },
    });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ queued: 1, job: { kind: 'UPDATE_CHECK', ref: tag } });
    await settled(api, answer.body.job.id as string);
  });

  it('refuses what it cannot check, and readers', async () => {
    expect(
      code(await graphql(api, CHECK, { token: TEST_TOKENS.write, variables: { ref: 'nowhere/none:1' } })),
    ).toBe('IMAGE_NOT_FOUND');
    expect(
      code(await graphql(api, CHECK, { token: TEST_TOKENS.write, variables: { ref: 'Not A Ref' } })),
    ).toBe('INVALID_REFERENCE');
    expect(code(await graphql(api, CHECK, { token: TEST_TOKENS.read }))).toBe('FORBIDDEN');
  });

  it('runs on a schedule when UPDATE_CHECK_INTERVAL_SECONDS is set', async () => {
    // The on-demand checks above left completed checks of every image too: count them first, so
    // that only checks the scheduler queued can pass this test.
    const finishedChecks = async (of: ApiUnderTest) => {
      const jobs = await graphql<{ jobs: { nodes: { kind: string; ref: string; state: string }[] } }>(
        of,
        '{ jobs(first: 1000) { nodes { kind ref state } } }',
      );
      return jobs.data!.jobs.nodes.filter(
        (job) => job.kind === 'UPDATE_CHECK' && job.ref === '*' && job.state === 'COMPLETED',
      ).length;
    };
    const before = await finishedChecks(api);
    const scheduled = await startApi(env, { REDIS_URL, UPDATE_CHECK_INTERVAL_SECONDS: '1' });
    try {
      await eventually(
        async () => expect(await finishedChecks(scheduled)).toBeGreaterThanOrEqual(before + 2),
        20_000,
      );
    } finally {
      await scheduled.close();
      const queue = new Queue(IMAGE_QUEUE, { connection: { url: REDIS_URL } });
      await queue.removeJobScheduler(UPDATE_CHECK_SCHEDULER);
      await queue.close();
    }
  });
});
