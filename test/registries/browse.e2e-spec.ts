import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from '../environment/free-port.js';
import { readTestEnvironment } from '../environment/index.js';
import { terminate } from '../environment/processes.js';
import { startRegistry } from '../environment/registry.js';
import {
  graphql,
  rest,
  startApi,
  TEST_TOKENS,
  type ApiUnderTest,
  type GraphQLAnswer,
} from '../support/api-under-test.js';

interface NamePage {
  nodes: { name: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string };
}

/**
 * Browsing registries without pulling (issue 13), against the environment's two real registries:
 * the open one, and the htpasswd one whose credentials the environment's DOCKER_CONFIG holds.
 * Oracles: the registries' own API, skopeo, and the fixtures' recorded digests.
 */
const env = readTestEnvironment();
const { fixtures } = env;
const open = env.registries.open;
const auth = env.registries.auth;
const run = promisify(execFile);

const errorCode = (answer: { errors?: { extensions?: { code?: string } }[] }) =>
  answer.errors?.[0]?.extensions?.code;

/** What the registry says itself, with the auth registry's credentials when it is that one. */
async function registryApi(path: string, init: RequestInit = {}, registry = open): Promise<Response> {
  const headers = new Headers(init.headers);
  if (registry === auth) {
    const { username, password } = auth.credentials;
    headers.set('authorization', `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`);
  }
  return fetch(`${registry.url}${path}`, { ...init, headers });
}

async function skopeo(...args: string[]): Promise<string> {
  const { stdout } = await run('skopeo', ['--insecure-policy', ...args], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** Repository path of a fixture in a registry: `stevedore-fixtures/app-a`. */
const pathOf = (repository: string) => repository.slice(repository.indexOf('/') + 1);

describe('registries: browse without pulling', () => {
  let api: ApiUnderTest;

  beforeAll(async () => {
    api = await startApi(env, { DOCKER_CONFIG: env.dockerConfigDir, REGISTRY_CHECK_TIMEOUT_SECONDS: '2' });
  });

  afterAll(async () => {
    for (const name of [open.host, auth.host]) {
      await graphql(api, 'mutation($n: String!) { removeRegistry(name: $n) }', {
        token: TEST_TOKENS.admin,
        variables: { n: name },
      });
    }
    await api?.close();
  });

  it('lists Docker Hub and the Docker config’s registry, checked, never with credentials', async () => {
    const answer = await graphql<{ registries: Record<string, unknown>[] }>(
      api,
      '{ registries { name source authenticated reachable insecure } }',
    );
    expect(answer.errors).toBeUndefined();
    const byName = new Map(answer.data!.registries.map((registry) => [registry.name, registry]));
    expect(byName.get('docker.io')).toMatchObject({ source: 'BUILT_IN', authenticated: false });
    expect(byName.get(auth.host)).toEqual({
      name: auth.host,
      source: 'DOCKER_CONFIG',
      authenticated: true,
      reachable: true,
      insecure: false,
    });
    expect(JSON.stringify(answer)).not.toContain(auth.credentials.password);
  });

  it('lists a catalog as the registry does, page by page', async () => {
    const own = (await (await registryApi('/v2/_catalog?n=1000')).json()) as { repositories: string[] };
    const query = `query($name: String!, $after: String) {
      registry(name: $name) { repositories(first: 2, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } }
    }`;
    // An unknown registry is reached anonymously, as a reference to it would be.
    const names: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 50; pages += 1) {
      const answer: GraphQLAnswer<{ registry: { repositories: NamePage } | null }> = await graphql(
        api,
        query,
        {
          variables: { name: auth.host, after },
        },
      );
      expect(answer.errors).toBeUndefined();
      const page: NamePage = answer.data!.registry!.repositories;
      names.push(...page.nodes.map((node) => node.name));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const authOwn = (await (await registryApi('/v2/_catalog?n=1000', {}, auth)).json()) as {
      repositories: string[];
    };
    expect(names).toEqual(authOwn.repositories.map((name) => `${auth.host}/${name}`));
    expect(own.repositories.length).toBeGreaterThan(2);
  });

  it('lists tags and their digests, as skopeo does', async () => {
    const image = fixtures.images.multiTag.registries.open;
    const answer = await graphql<{
      repository: { name: string; tags: { nodes: { name: string; digest: string }[] } };
    }>(api, 'query($ref: String!) { repository(ref: $ref) { name tags { nodes { name digest } } } }', {
      variables: { ref: image.repository },
    });
    expect(answer.errors).toBeUndefined();
    const listed = JSON.parse(
      await skopeo('list-tags', '--tls-verify=false', `docker://${image.repository}`),
    ) as {
      Tags: string[];
    };
    const tags = answer.data!.repository.tags.nodes;
    expect(tags.map((tag) => tag.name).sort()).toEqual([...listed.Tags].sort());
    expect(new Set(tags.map((tag) => tag.digest))).toEqual(new Set([image.digest]));
    expect(answer.data!.repository.name).toBe(image.repository);
  });

  it('pages through 250 tags without losing or repeating one', async () => {
    const image = fixtures.images.base.registries.open;
    const path = pathOf(image.repository);
    const manifest = await registryApi(`/v2/${path}/manifests/${image.digest}`, {
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    const bytes = Buffer.from(await manifest.arrayBuffer());
    const mediaType = manifest.headers.get('content-type')!;
    const wanted = Array.from({ length: 250 }, (_, index) => `page-${String(index).padStart(3, '0')}`);
    for (let start = 0; start < wanted.length; start += 25) {
      await Promise.all(
        wanted.slice(start, start + 25).map(async (tag) => {
          const put = await registryApi(`/v2/${path}/manifests/${tag}`, {
            method: 'PUT',
            headers: { 'content-type': mediaType },
            body: bytes,
          });
          expect(put.status).toBe(201);
        }),
      );
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 20; pages += 1) {
      const answer = await rest(
        api,
        `/api/v1/repositories/tags?ref=${encodeURIComponent(image.repository)}&first=40${after ? `&after=${after}` : ''}`,
      );
      expect(answer.status).toBe(200);
      seen.push(...(answer.body.nodes as { name: string }[]).map((node) => node.name));
      if (!answer.body.pageInfo.hasNextPage) break;
      after = answer.body.pageInfo.endCursor as string;
    }
    expect(seen.filter((tag) => tag.startsWith('page-'))).toEqual(wanted);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('reads a remote image: digest, platform, layers, config, as the registry and skopeo say', async () => {
    const configured = fixtures.images.configured;
    const image = configured.registries.open;
    const answer = await graphql<{ remoteImage: Record<string, any> }>(
      api,
      `
        query ($ref: String!) {
          remoteImage(ref: $ref) {
            reference
            digest
            mediaType
            platforms {
              os
              architecture
              variant
            }
            platform {
              os
              architecture
            }
            size
            created
            labels
            layers {
              digest
              size
              mediaType
            }
          }
        }
      `,
      { variables: { ref: image.ref } },
    );
    expect(answer.errors).toBeUndefined();
    const remote = answer.data!.remoteImage;
    const inspected = JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${image.ref}`)) as {
      Digest: string;
      Layers: string[];
      Labels: Record<string, string>;
      Created: string;
      Os: string;
      Architecture: string;
    };
    expect(remote.digest).toBe(image.digest);
    expect(remote.digest).toBe(inspected.Digest);
    expect(remote.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(remote.platforms).toEqual([
      { os: inspected.Os, architecture: inspected.Architecture, variant: null },
    ]);
    expect(remote.layers.map((layer: { digest: string }) => layer.digest)).toEqual(inspected.Layers);
    expect(remote.layers).toHaveLength(configured.layers.length);
    expect(remote.labels).toEqual(inspected.Labels);
    expect(remote.labels).toMatchObject(fixtures.configured.labels);
    expect(new Date(remote.created).getTime()).toBe(new Date(inspected.Created).getTime());
    expect(remote.size).toBeGreaterThan(
      remote.layers.reduce((sum: number, layer: { size: number }) => sum + layer.size, 0),
    );

    const byDigest = await rest(api, `/api/v1/remote-images?ref=${encodeURIComponent(image.digestRef)}`);
    expect(byDigest.status).toBe(200);
    expect(byDigest.body).toMatchObject({ digest: image.digest, layers: remote.layers });
  });

  it('answers the contract codes for what cannot be read', async () => {
    const image = fixtures.images.appA.registries.open;
    const ask = (query: string, variables: Record<string, unknown>) => graphql(api, query, { variables });
    const remote = 'query($ref: String!, $p: String) { remoteImage(ref: $ref, platform: $p) { digest } }';
    const tags = 'query($ref: String!) { repository(ref: $ref) { tags { nodes { name } } } }';

    expect(errorCode(await ask(remote, { ref: `${image.repository}:no-such-tag` }))).toBe('MANIFEST_UNKNOWN');
    expect(errorCode(await ask(tags, { ref: `${open.host}/no/such-repository` }))).toBe('MANIFEST_UNKNOWN');
    expect(errorCode(await ask(remote, { ref: 'Not A Reference' }))).toBe('INVALID_REFERENCE');
    expect(errorCode(await ask(tags, { ref: `${image.repository}:1` }))).toBe('INVALID_REFERENCE');
    expect(errorCode(await ask(remote, { ref: image.ref, p: 'linux' }))).toBe('BAD_USER_INPUT');
    expect(
      errorCode(await ask('{ registry(name: "docker.io") { repositories { nodes { name } } } }', {})),
    ).toBe('UNSUPPORTED');
    const nobody = `127.0.0.1:${await findFreePort()}`;
    expect(errorCode(await ask(tags, { ref: `${nobody}/app` }))).toBe('REGISTRY_UNREACHABLE');
    const catalog = await rest(api, `/api/v1/registries/${nobody}/repositories`);
    expect(catalog.status).toBe(502);
    expect(catalog.body.code).toBe('REGISTRY_UNREACHABLE');
  });

  it('adds and removes registries: admins only, credentials sealed and never returned, the API over DOCKER_CONFIG', async () => {
    const add = `mutation($input: AddRegistryInput!) { addRegistry(input: $input) { name source authenticated reachable } }`;
    const wrong = { name: auth.host, username: auth.credentials.username, password: 'not-the-password' };
    expect(
      errorCode(await graphql(api, add, { token: TEST_TOKENS.write, variables: { input: wrong } })),
    ).toBe('FORBIDDEN');

    const added = await graphql<{ addRegistry: Record<string, unknown> }>(api, add, {
      token: TEST_TOKENS.admin,
      variables: { input: wrong },
    });
    expect(added.errors).toBeUndefined();
    expect(added.data!.addRegistry).toEqual({
      name: auth.host,
      source: 'API',
      authenticated: false,
      reachable: true,
    });
    const repository = fixtures.images.appA.registries.auth.repository;
    const tags = 'query($ref: String!) { repository(ref: $ref) { tags { nodes { name } } } }';
    expect(errorCode(await graphql(api, tags, { variables: { ref: repository } }))).toBe(
      'REGISTRY_UNAUTHORIZED',
    );

    const right = await rest(api, '/api/v1/registries', {
      token: TEST_TOKENS.admin,
      method: 'POST',
      body: { name: auth.host, username: auth.credentials.username, password: auth.credentials.password },
    });
    expect(right.status).toBe(201);
    expect(right.body).toMatchObject({ name: auth.host, source: 'API', authenticated: true });
    expect(JSON.stringify(right.body)).not.toContain(auth.credentials.password);
    expect((await graphql(api, tags, { variables: { ref: repository } })).errors).toBeUndefined();

    const openAdded = await rest(api, '/api/v1/registries', {
      token: TEST_TOKENS.admin,
      method: 'POST',
      body: { name: `http://${open.host}/v2/`, insecure: true },
    });
    expect(openAdded.status).toBe(201);
    expect(openAdded.body).toEqual({
      name: open.host,
      source: 'API',
      authenticated: false,
      reachable: true,
      insecure: true,
    });

    const removed = await rest(api, `/api/v1/registries/${auth.host}`, {
      token: TEST_TOKENS.admin,
      method: 'DELETE',
    });
    expect(removed.body).toEqual({ removed: true });
    const again = await graphql(api, 'mutation($n: String!) { removeRegistry(name: $n) }', {
      token: TEST_TOKENS.admin,
      variables: { n: auth.host },
    });
    // Now the DOCKER_CONFIG entry is the one known, and it is not the API's to remove.
    expect(errorCode(again)).toBe('BAD_USER_INPUT');
    expect((await graphql(api, tags, { variables: { ref: repository } })).errors).toBeUndefined();
    expect(
      (
        await graphql(api, 'mutation { removeRegistry(name: "never.added.example") }', {
          token: TEST_TOKENS.admin,
        })
      ).data,
    ).toEqual({ removeRegistry: false });
  });

  it('answers REGISTRY_UNREACHABLE, not an empty page, once a registry it was browsing stops', async () => {
    // A registry of its own, so that stopping it leaves the environment's alone.
    const registry = await startRegistry(env.tmpDir, `registry-stopped-${Date.now()}`);
    try {
      const config = Buffer.from(
        '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}',
      );
      const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
      for (const path of ['stopped/one', 'stopped/two', 'stopped/three']) {
        const started = await fetch(`${registry.url}/v2/${path}/blobs/uploads/`, { method: 'POST' });
        const upload = new URL(started.headers.get('location')!, registry.url);
        upload.searchParams.set('digest', configDigest);
        expect((await fetch(upload, { method: 'PUT', body: config })).status).toBe(201);
        const manifest = {
          schemaVersion: 2,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          config: {
            mediaType: 'application/vnd.docker.container.image.v1+json',
            size: config.length,
            digest: configDigest,
          },
          layers: [],
        };
        const put = await fetch(`${registry.url}/v2/${path}/manifests/1`, {
          method: 'PUT',
          body: JSON.stringify(manifest),
          headers: { 'content-type': manifest.mediaType },
        });
        expect(put.status).toBe(201);
      }
      const query = `query($name: String!, $after: String) {
        registry(name: $name) { repositories(first: 2, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } }
      }`;
      const added = await graphql(
        api,
        'mutation($i: AddRegistryInput!) { addRegistry(input: $i) { name } }',
        {
          token: TEST_TOKENS.admin,
          variables: { i: { name: registry.host } },
        },
      );
      expect(added.errors).toBeUndefined();
      const first = await graphql<{ registry: { repositories: NamePage } }>(api, query, {
        variables: { name: registry.host },
      });
      expect(first.errors).toBeUndefined();
      const page = first.data!.registry.repositories;
      expect(page.pageInfo.hasNextPage).toBe(true);

      await terminate([registry.process!.pid], 5_000);
      const next = await graphql(api, query, {
        variables: { name: registry.host, after: page.pageInfo.endCursor },
      });
      expect(errorCode(next)).toBe('REGISTRY_UNREACHABLE');
      expect(next.errors![0]!.message).toContain(registry.host);
      const tags = await graphql(
        api,
        'query($ref: String!) { repository(ref: $ref) { tags { nodes { name } } } }',
        {
          variables: { ref: `${registry.host}/stopped/one` },
        },
      );
      expect(errorCode(tags)).toBe('REGISTRY_UNREACHABLE');
    } finally {
      await terminate([registry.process!.pid], 5_000);
      await graphql(api, 'mutation($n: String!) { removeRegistry(name: $n) }', {
        token: TEST_TOKENS.admin,
        variables: { n: registry.host },
      });
    }
  });
});

describe('registries: the registries file', () => {
  let folder: string;
  let api: ApiUnderTest;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'stevedore-registries-'));
    const file = join(folder, 'registries.yaml');
    writeFileSync(
      file,
      [
        'registries:',
        `  - name: ${auth.host}`,
        `    username: ${auth.credentials.username}`,
        `    password: "${auth.credentials.password}"`,
        '  - name: registry.lan:5000',
        '    insecure: true',
      ].join('\n'),
    );
    api = await startApi(env, { REGISTRIES_FILE: file, REGISTRY_CHECK_TIMEOUT_SECONDS: '1' });
  });

  afterAll(async () => {
    await api?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('names registries with their credentials, which the API cannot override', async () => {
    const answer = await graphql<{
      registries: { name: string; source: string; authenticated: boolean; insecure: boolean }[];
    }>(api, '{ registries { name source authenticated insecure } }');
    expect(answer.data!.registries).toEqual(
      expect.arrayContaining([
        { name: auth.host, source: 'CONFIG_FILE', authenticated: true, insecure: false },
        { name: 'registry.lan:5000', source: 'CONFIG_FILE', authenticated: false, insecure: true },
      ]),
    );
    const tags = await graphql(
      api,
      'query($ref: String!) { repository(ref: $ref) { tags { nodes { name } } } }',
      {
        variables: { ref: fixtures.images.appB.registries.auth.repository },
      },
    );
    expect(tags.errors).toBeUndefined();
    const add = await graphql(api, 'mutation($i: AddRegistryInput!) { addRegistry(input: $i) { name } }', {
      token: TEST_TOKENS.admin,
      variables: { i: { name: auth.host } },
    });
    expect(errorCode(add)).toBe('BAD_USER_INPUT');
  });
});
