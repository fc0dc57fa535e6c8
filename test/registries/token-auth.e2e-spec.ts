import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readTestEnvironment } from '../environment/index.js';
import { graphql, startApi, TEST_TOKENS, type ApiUnderTest } from '../support/api-under-test.js';

/**
 * The Bearer token flow of Docker Hub, GHCR and Harbor (issue 13), against the environment's
 * registry in token-auth mode and its issuer (RS256 tokens, a certificate the registry trusts).
 * skopeo puts an image there and is the oracle for its digest.
 */
const env = readTestEnvironment();
const registry = env.registries.token;
const source = env.fixtures.images.appA.registries.open;
const repository = `${registry.host}/stevedore-fixtures/app-a`;
const run = promisify(execFile);
const creds = `${registry.credentials.username}:${registry.credentials.password}`;

const code = (answer: { errors?: { extensions?: { code?: string } }[] }) =>
  answer.errors?.[0]?.extensions?.code;
const issued = async () =>
  ((await (await fetch(`${registry.issuer.url}/requests`)).json()) as { issued: number }).issued;

const TAGS = 'query($ref: String!) { repository(ref: $ref) { tags { nodes { name digest } } } }';

describe('registries: the Bearer token flow', () => {
  let api: ApiUnderTest;
  const addRegistry = (input: object) =>
    graphql(
      api,
      'mutation($i: AddRegistryInput!) { addRegistry(input: $i) { name authenticated reachable } }',
      {
        token: TEST_TOKENS.admin,
        variables: { i: { name: registry.host, ...input } },
      },
    );

  beforeAll(async () => {
    await run('skopeo', [
      ...[
        '--insecure-policy',
        'copy',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        '--dest-creds',
        creds,
      ],
      `docker://${source.ref}`,
      `docker://${repository}:1`,
    ]);
    api = await startApi(env);
  });

  afterAll(async () => {
    await graphql(api, 'mutation($n: String!) { removeRegistry(name: $n) }', {
      token: TEST_TOKENS.admin,
      variables: { n: registry.host },
    });
    await api?.close();
  });

  it('needs credentials, and refuses wrong ones, as REGISTRY_UNAUTHORIZED', async () => {
    const anonymous = await graphql(api, TAGS, { variables: { ref: repository } });
    expect(code(anonymous)).toBe('REGISTRY_UNAUTHORIZED');
    expect(anonymous.errors![0]!.message).toMatch(/needs credentials/);

    expect((await addRegistry({ username: registry.credentials.username, password: 'wrong' })).data).toEqual({
      addRegistry: { name: registry.host, authenticated: false, reachable: true },
    });
    const refused = await graphql(api, TAGS, { variables: { ref: repository } });
    expect(code(refused)).toBe('REGISTRY_UNAUTHORIZED');
    expect(JSON.stringify(refused)).not.toContain(registry.credentials.password);
  });

  it('reads tags, digests, the catalog and a remote image with a token, as skopeo sees them', async () => {
    expect((await addRegistry(registry.credentials)).data).toEqual({
      addRegistry: { name: registry.host, authenticated: true, reachable: true },
    });
    const inspected = JSON.parse(
      (await run('skopeo', ['inspect', '--tls-verify=false', '--creds', creds, `docker://${repository}:1`]))
        .stdout,
    ) as { Digest: string; Layers: string[] };

    const tags = await graphql<{ repository: { tags: { nodes: { name: string; digest: string }[] } } }>(
      api,
      TAGS,
      {
        variables: { ref: repository },
      },
    );
    expect(tags.errors).toBeUndefined();
    expect(tags.data!.repository.tags.nodes).toEqual([{ name: '1', digest: inspected.Digest }]);

    const image = await graphql<{ remoteImage: { digest: string; layers: { digest: string }[] } }>(
      api,
      'query($ref: String!) { remoteImage(ref: $ref) { digest layers { digest } } }',
      { variables: { ref: `${repository}:1` } },
    );
    expect(image.data!.remoteImage.digest).toBe(inspected.Digest);
    expect(image.data!.remoteImage.layers.map((layer) => layer.digest)).toEqual(inspected.Layers);

    const catalog = await graphql<{ registry: { repositories: { nodes: { name: string }[] } } }>(
      api,
      'query($n: String!) { registry(name: $n) { repositories { nodes { name } } } }',
      { variables: { n: registry.host } },
    );
    expect(catalog.data!.registry.repositories.nodes).toContainEqual({ name: repository });
  });

  it('keeps a token per scope until it expires: repeated reads ask the issuer once', async () => {
    await addRegistry(registry.credentials);
    await graphql(api, TAGS, { variables: { ref: repository } });
    const before = await issued();
    for (let round = 0; round < 5; round += 1) {
      expect((await graphql(api, TAGS, { variables: { ref: repository } })).errors).toBeUndefined();
    }
    expect(await issued()).toBe(before);
  });
});
