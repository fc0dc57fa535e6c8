import { runDocker } from '../environment/docker-cli.js';
import { readTestEnvironment } from '../environment/index.js';
import { graphql, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { subscribe } from '../support/graphql-subscription.js';
import { getJob, JOB_FIELDS, pullImage, pushImage, settled, type JobNode } from '../support/jobs.js';
import { RecordingLogStream } from '../support/recording-logger.js';

const env = readTestEnvironment();
const docker = async (...args: string[]) => (await runDocker(env, args)).stdout;
const { large, appB, multiTag } = env.fixtures.images;

/** Removes every local name of an image, so the next pull really downloads its layers. */
async function removeLocally(id: string): Promise<void> {
  await docker('image', 'rm', '--force', id).catch(() => undefined);
}

describe('pull and push jobs against the real daemon and registries', () => {
  let api: ApiUnderTest;
  const logs = new RecordingLogStream();

  beforeAll(async () => {
    // The worker finds the auth registry's credentials in this config.json (written by docker login).
    api = await startApi(
      env,
      { DOCKER_CONFIG: env.dockerConfigDir, JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '200' },
      { logs },
    );
  });

  afterAll(async () => {
    await api?.close();
    // Put the fixture back under its local name for later suites.
    await docker('image', 'tag', large.registries.open.ref, large.ref).catch(() => undefined);
    await docker('image', 'rm', large.registries.open.ref).catch(() => undefined);
  });

  it('pulls the large fixture with per-layer progress, monotone percent, and the image id and digest', async () => {
    await removeLocally(large.id);
    const queued = await pullImage(api, { ref: large.registries.open.ref });
    expect(queued.errors).toBeUndefined();
    expect(queued.job).toMatchObject({
      kind: 'PULL',
      state: 'QUEUED',
      ref: large.registries.open.ref,
      attempts: 0,
    });

    const subscription = subscribe<{ jobProgress: JobNode }>(
      api,
      `subscription { jobProgress(id: "${queued.job!.id}") { ${JOB_FIELDS} } }`,
    );
    try {
      const job = await settled(api, queued.job!.id);
      expect(job).toMatchObject({
        state: 'COMPLETED',
        imageId: large.id,
        digest: large.registries.open.digest,
        attempts: 1,
        error: null,
      });
      expect(job.progress.percent).toBe(100);
      expect(job.progress.layers.map((layer) => layer.status)).toEqual(
        large.layers.map(() => 'Pull complete'),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const seen = subscription.received.map((message) => message.jobProgress);
      expect(seen.at(-1)!.state).toBe('COMPLETED');
      const percents = seen
        .filter((update) => update.state === 'ACTIVE')
        .map((update) => update.progress.percent);
      expect(percents.length).toBeGreaterThan(1);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      // Some update caught a layer mid-pull, in whichever of the daemon's transfer states the
      // throttled updates happened to sample (a fast local registry can skip Downloading).
      const inTransfer = new Set(['Downloading', 'Verifying Checksum', 'Download complete', 'Extracting']);
      expect(
        seen.some(
          (update) =>
            update.state === 'ACTIVE' && update.progress.layers.some((layer) => inTransfer.has(layer.status)),
        ),
      ).toBe(true);
      // Read-your-writes: the image is in the catalogue once the job says COMPLETED.
      const image = await graphql<{ image: { id: string } | null }>(
        api,
        `{ image(ref: "${large.registries.open.ref}") { id } }`,
      );
      expect(image.data!.image?.id).toBe(large.id);
    } finally {
      await subscription.close();
    }
  });

  it('fails a pull of a missing tag with MANIFEST_UNKNOWN, at once', async () => {
    const queued = await pullImage(api, { ref: `${large.registries.open.repository}:no-such-tag` });
    const job = await settled(api, queued.job!.id);
    expect(job).toMatchObject({ state: 'FAILED', attempts: 1, error: { code: 'MANIFEST_UNKNOWN' } });
  });

  // (Docker 20.10 pulls a single-platform image whatever platform is asked for, so a mismatch
  // cannot be shown here; with a multi-platform index the daemon's "no matching manifest" is
  // MANIFEST_UNKNOWN, see libs/progress.)
  it('pulls for a platform', async () => {
    const ref = appB.registries.open.ref;
    try {
      const own = await pullImage(api, { ref, platform: 'linux/amd64' });
      expect(await settled(api, own.job!.id)).toMatchObject({ state: 'COMPLETED', imageId: appB.id });
    } finally {
      await docker('image', 'rm', ref).catch(() => undefined);
    }
  });

  it('rejects a bad reference before queueing anything', async () => {
    const answer = await pullImage(api, { ref: 'Not A Reference' });
    expect(answer.errors?.[0]?.extensions?.code).toBe('INVALID_REFERENCE');
    const platform = await pullImage(api, { ref: 'busybox', platform: 'linux' });
    expect(platform.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const unauthorised = await graphql(
      api,
      `
        mutation {
          pullImage(input: { ref: "busybox" }) {
            id
          }
        }
      `,
      { token: TEST_TOKENS.read },
    );
    expect(unauthorised.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('pushes to the htpasswd registry: refused without credentials, done with them or with config.json', async () => {
    const { auth } = env.registries;
    const target = `${auth.host}/stevedore-e2e/pushed-${process.pid}:1`;
    await docker('image', 'tag', appB.ref, target);
    try {
      // Without credentials: a worker without config.json (another api would do; here, the wrong password).
      const refused = await pushImage(api, {
        ref: target,
        auth: { username: auth.credentials.username, password: 'wrong-password-123' },
      });
      expect(refused.errors).toBeUndefined();
      expect(await settled(api, refused.job!.id)).toMatchObject({
        state: 'FAILED',
        error: { code: 'REGISTRY_UNAUTHORIZED' },
      });

      const withInput = await pushImage(api, { ref: target, auth: auth.credentials });
      const pushed = await settled(api, withInput.job!.id);
      expect(pushed).toMatchObject({ state: 'COMPLETED', error: null });
      expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

      const withConfig = await pushImage(api, { ref: target });
      expect(await settled(api, withConfig.job!.id)).toMatchObject({
        state: 'COMPLETED',
        digest: pushed.digest,
      });

      // The password never reached a log line, a response or the job's stored data.
      expect(logs.text()).not.toContain(auth.credentials.password);
      expect(logs.text()).not.toContain('wrong-password-123');
      expect(JSON.stringify(await getJob(api, withInput.job!.id))).not.toContain(auth.credentials.password);
      const stored = await runRedis(['HGET', `bull:stevedore-images:${withInput.job!.id}`, 'data']);
      expect(stored).toContain('sealedCredentials');
      expect(stored).not.toContain(auth.credentials.password);
    } finally {
      await docker('image', 'rm', target).catch(() => undefined);
    }
  });

  it('fails a push of a reference with no local tag with IMAGE_NOT_FOUND, before queueing', async () => {
    const answer = await pushImage(api, { ref: `${env.registries.open.host}/stevedore-e2e/never-tagged:1` });
    expect(answer.errors?.[0]?.extensions?.code).toBe('IMAGE_NOT_FOUND');
  });

  it('pushes every local tag of a repository with allTags', async () => {
    const repository = `${env.registries.open.host}/stevedore-e2e/all-tags-${process.pid}`;
    for (const tag of ['1', '2']) await docker('image', 'tag', multiTag.ref, `${repository}:${tag}`);
    try {
      const queued = await pushImage(api, { ref: repository, allTags: true });
      expect(queued.errors).toBeUndefined();
      const job = await settled(api, queued.job!.id);
      expect(job).toMatchObject({ state: 'COMPLETED', ref: repository });
      const tags = await fetch(
        `${env.registries.open.url}/v2/stevedore-e2e/all-tags-${process.pid}/tags/list`,
      ).then((r) => r.json());
      expect((tags as { tags: string[] }).tags.sort()).toEqual(['1', '2']);
    } finally {
      for (const tag of ['1', '2'])
        await docker('image', 'rm', `${repository}:${tag}`).catch(() => undefined);
    }
  });
});

async function runRedis(args: string[]): Promise<string> {
  const { Redis } = await import('ioredis');
  const client = new Redis(env.redis.url);
  try {
    return String(await client.call(args[0]!, ...args.slice(1)));
  } finally {
    client.disconnect();
  }
}
