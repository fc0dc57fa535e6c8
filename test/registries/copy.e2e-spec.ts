import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readTestEnvironment } from '../environment/index.js';
import { graphql, rest, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';
import { eventually } from '../support/eventually.js';
import { getJob, JOB_FIELDS, settled, type JobNode } from '../support/jobs.js';
import { MiB, startSlowProxy } from '../support/slow-proxy.js';

/**
 * `copyImage` (issue 13): registry to registry without the daemon, against the environment's real
 * registries; the registries' own API and skopeo are the oracles for digests.
 */
const env = readTestEnvironment();
const { open, auth, token } = env.registries;
const { appA, appB, large } = env.fixtures.images;
const run = promisify(execFile);
const LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
const authOf = (registry: typeof auth) => ({ ...registry.credentials });
const basic = (registry: typeof auth) =>
  `Basic ${Buffer.from(`${registry.credentials.username}:${registry.credentials.password}`).toString('base64')}`;

const COPY = `mutation($source: String!, $target: String!, $platforms: [String!], $auth: RegistryAuthInput, $targetAuth: RegistryAuthInput) {
  copyImage(source: $source, target: $target, platforms: $platforms, auth: $auth, targetAuth: $targetAuth) { ${JOB_FIELDS} }
}`;

/** The digest a registry holds under a reference (HEAD, as the registry itself says). */
async function digestIn(registry: { url: string }, path: string, reference: string, authorization?: string) {
  const response = await fetch(`${registry.url}/v2/${path}/manifests/${reference}`, {
    method: 'HEAD',
    headers: { accept: `${LIST}, ${DOCKER_V2}`, ...(authorization ? { authorization } : {}) },
  });
  return response.status === 200 ? response.headers.get('docker-content-digest') : null;
}

describe('copyImage: registry to registry, digests preserved', () => {
  let api: ApiUnderTest;

  async function copy(variables: Record<string, unknown>): Promise<JobNode> {
    const answer = await graphql<{ copyImage: JobNode }>(api, COPY, { token: TEST_TOKENS.write, variables });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.copyImage.kind).toBe('COPY');
    return answer.data!.copyImage;
  }

  beforeAll(async () => {
    api = await startApi(env);
  });

  afterAll(() => api?.close());

  it('copies an image to a token-auth registry, byte for byte, as skopeo sees it', async () => {
    const target = `${token.host}/stevedore-tests/copied-a:1`;
    const job = await settled(
      api,
      (await copy({ source: appA.registries.open.ref, target, targetAuth: authOf(token) })).id,
    );
    expect(job).toMatchObject({ state: 'COMPLETED', digest: appA.registries.open.digest });
    const creds = `${token.credentials.username}:${token.credentials.password}`;
    const inspected = JSON.parse(
      (await run('skopeo', ['inspect', '--tls-verify=false', '--creds', creds, `docker://${target}`])).stdout,
    ) as { Digest: string };
    expect(inspected.Digest).toBe(appA.registries.open.digest);
    expect(job.progress.layers.every((layer) => layer.status === 'Copied' || layer.status === 'Exists')).toBe(
      true,
    );
    expect(job.progress.percent).toBe(100);
  });

  it('mounts blobs within one registry, and skips those the target has', async () => {
    const target = `${open.host}/stevedore-tests/copied-b:1`;
    const first = await settled(api, (await copy({ source: appB.registries.open.ref, target })).id);
    expect(first.state).toBe('COMPLETED');
    expect(new Set(first.progress.layers.map((layer) => layer.status))).toEqual(new Set(['Mounted']));
    expect(await digestIn(open, 'stevedore-tests/copied-b', '1')).toBe(appB.registries.open.digest);

    const again = await settled(
      api,
      (await copy({ source: appB.registries.open.ref, target: `${target}-again` })).id,
    );
    expect(again.progress.layers.map((layer) => layer.status)).toEqual(
      again.progress.layers.map(() => 'Exists'),
    );
  });

  it('copies the multi-platform fixture with its digest, or the platforms asked for as a new index', async () => {
    // A manifest list made by `docker manifest create/annotate/push --insecure` (the environment's).
    const { multiPlatform } = env.fixtures;
    const path = 'stevedore-tests/copy-index';
    const all = await settled(
      api,
      (await copy({ source: multiPlatform.ref, target: `${auth.host}/${path}:1`, targetAuth: authOf(auth) }))
        .id,
    );
    expect(all).toMatchObject({ state: 'COMPLETED', digest: multiPlatform.digest });
    // skopeo reads the list back byte for byte: the same bytes, so the same digest.
    const creds = `${auth.credentials.username}:${auth.credentials.password}`;
    const raw = await run(
      'skopeo',
      ['inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${auth.host}/${path}:1`],
      { encoding: 'buffer' },
    );
    expect(`sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`).toBe(multiPlatform.digest);
    expect(JSON.parse(raw.stdout.toString()).mediaType).toBe(LIST);
    for (const entry of multiPlatform.platforms) {
      expect(await digestIn(auth, path, entry.digest, basic(auth))).toBe(entry.digest);
    }

    const arm = await settled(
      api,
      (
        await copy({
          source: multiPlatform.ref,
          target: `${auth.host}/${path}-arm:1`,
          platforms: ['linux/arm64'],
          targetAuth: authOf(auth),
        })
      ).id,
    );
    expect(arm.state).toBe('COMPLETED');
    expect(arm.digest).not.toBe(multiPlatform.digest);
    const subset = (await (
      await fetch(`${auth.url}/v2/${path}-arm/manifests/1`, {
        headers: { accept: LIST, authorization: basic(auth) },
      })
    ).json()) as { manifests: { digest: string }[] };
    const armEntry = multiPlatform.platforms.find((entry) => entry.architecture === 'arm64')!;
    expect(subset.manifests.map((entry) => entry.digest)).toEqual([armEntry.digest]);
    expect(armEntry.digest).toBe(appB.registries.open.digest);
  });

  it('stops a copy cancelled mid-blob, and writes no manifest', async () => {
    const proxy = await startSlowProxy(open.host, { bytesPerSecond: 2 * MiB });
    try {
      const path = 'stevedore-tests/copy-cancelled';
      const source = `${proxy.host}/${large.registries.open.repository.slice(open.host.length + 1)}:${large.tags[0]}`;
      const job = await copy({ source, target: `${auth.host}/${path}:1`, targetAuth: authOf(auth) });
      await eventually(
        async () => expect((await getJob(api, job.id))!.progress.currentBytes).toBeGreaterThan(0),
        20_000,
      );
      const cancelled = await graphql<{ cancelJob: JobNode }>(
        api,
        `mutation($id: ID!) { cancelJob(id: $id) { ${JOB_FIELDS} } }`,
        {
          token: TEST_TOKENS.write,
          variables: { id: job.id },
        },
      );
      expect(cancelled.data!.cancelJob.state).toBe('CANCELLED');
      expect((await settled(api, job.id)).state).toBe('CANCELLED');
      expect(await digestIn(auth, path, '1', basic(auth))).toBeNull();
    } finally {
      await proxy.close();
    }
  });

  it('refuses bad input, with a REST mirror', async () => {
    const code = (answer: { errors?: { extensions?: { code?: string } }[] }) =>
      answer.errors?.[0]?.extensions?.code;
    const ask = (variables: Record<string, unknown>) =>
      graphql(api, COPY, { token: TEST_TOKENS.write, variables });
    expect(code(await ask({ source: 'Bad Ref', target: `${auth.host}/x:1` }))).toBe('INVALID_REFERENCE');
    expect(code(await ask({ source: appA.registries.open.ref, target: appA.registries.open.ref }))).toBe(
      'BAD_USER_INPUT',
    );
    expect(
      code(await ask({ source: appA.registries.open.ref, target: `${auth.host}/x:1`, platforms: ['linux'] })),
    ).toBe('BAD_USER_INPUT');
    expect(
      code(
        await graphql(api, COPY, {
          variables: { source: appA.registries.open.ref, target: `${auth.host}/x:1` },
        }),
      ),
    ).toBe('FORBIDDEN');

    const answer = await rest(api, '/api/v1/images/copy', {
      token: TEST_TOKENS.write,
      method: 'POST',
      body: { source: appA.registries.open.ref, target: `${open.host}/stevedore-tests/copied-rest:1` },
    });
    expect(answer.status).toBe(202);
    expect((await settled(api, answer.body.id as string)).state).toBe('COMPLETED');
  });
});
