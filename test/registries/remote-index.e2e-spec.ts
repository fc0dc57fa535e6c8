import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readTestEnvironment } from '../environment/index.js';
import { graphql, rest, startApi, type ApiUnderTest } from '../support/api-under-test.js';

/**
 * A multi-platform image (an OCI index of two platforms), written to the open registry through
 * its own API, and the fixture's Docker manifest list (made with `docker manifest`), read back by
 * `remoteImage`; and a registry that stops answering mid-browse.
 */
const env = readTestEnvironment();
const open = env.registries.open;
const base = env.fixtures.images.base.registries.open;
const path = 'stevedore-tests/multi-platform';
const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const CONFIG = 'application/vnd.oci.image.config.v1+json';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const code = (answer: { errors?: { extensions?: { code?: string } }[] }) =>
  answer.errors?.[0]?.extensions?.code;

async function putBlob(bytes: Buffer): Promise<string> {
  const digest = sha256(bytes);
  const started = await fetch(`${open.url}/v2/${path}/blobs/uploads/`, { method: 'POST' });
  const location = new URL(started.headers.get('location')!, open.url);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    body: bytes,
    headers: { 'content-type': 'application/octet-stream' },
  });
  if (put.status !== 201) throw new Error(`blob upload answered ${put.status}`);
  return digest;
}

async function putManifest(
  reference: string,
  mediaType: string,
  body: object,
): Promise<{ digest: string; size: number }> {
  const bytes = Buffer.from(JSON.stringify(body));
  const put = await fetch(`${open.url}/v2/${path}/manifests/${reference}`, {
    method: 'PUT',
    body: bytes,
    headers: { 'content-type': mediaType },
  });
  if (put.status !== 201) throw new Error(`manifest upload answered ${put.status}: ${await put.text()}`);
  return { digest: sha256(bytes), size: bytes.length };
}

/** One platform's image: the base fixture's layers (mounted) under a config of that platform. */
async function platformImage(architecture: string, variant: string | undefined, label: string) {
  const baseManifest = (await (
    await fetch(`${open.url}/v2/${base.repository.slice(open.host.length + 1)}/manifests/${base.digest}`, {
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    })
  ).json()) as { layers: { digest: string; size: number; mediaType: string }[] };
  for (const layer of baseManifest.layers) {
    const from = base.repository.slice(open.host.length + 1);
    const mounted = await fetch(`${open.url}/v2/${path}/blobs/uploads/?mount=${layer.digest}&from=${from}`, {
      method: 'POST',
    });
    if (mounted.status !== 201) throw new Error(`layer mount answered ${mounted.status}`);
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture,
      ...(variant ? { variant } : {}),
      os: 'linux',
      created: '2026-01-02T03:04:05Z',
      config: { Labels: { platform: label } },
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  );
  const configDigest = await putBlob(config);
  const layers = baseManifest.layers.map((layer) => ({
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    digest: layer.digest,
    size: layer.size,
  }));
  const manifest = await putManifest(`${architecture}${variant ?? ''}`, MANIFEST, {
    schemaVersion: 2,
    mediaType: MANIFEST,
    config: { mediaType: CONFIG, digest: configDigest, size: config.length },
    layers,
  });
  const size = layers.reduce((sum, layer) => sum + layer.size, config.length);
  return {
    ...manifest,
    platform: { architecture, os: 'linux', ...(variant ? { variant } : {}) },
    imageSize: size,
    layers,
  };
}

describe('remoteImage of a multi-platform index', () => {
  let api: ApiUnderTest;
  let amd64: Awaited<ReturnType<typeof platformImage>>;
  let arm64: Awaited<ReturnType<typeof platformImage>>;
  let index: { digest: string };

  beforeAll(async () => {
    amd64 = await platformImage('amd64', undefined, 'amd64');
    arm64 = await platformImage('arm64', 'v8', 'arm64');
    index = await putManifest('1', INDEX, {
      schemaVersion: 2,
      mediaType: INDEX,
      manifests: [amd64, arm64].map((image) => ({
        mediaType: MANIFEST,
        digest: image.digest,
        size: image.size,
        platform: image.platform,
      })),
    });
    api = await startApi(env, { REGISTRY_TIMEOUT_SECONDS: '1' });
  });

  afterAll(() => api?.close());

  const QUERY = `query($ref: String!, $platform: String) { remoteImage(ref: $ref, platform: $platform) {
    digest mediaType platforms { os architecture variant } platform { architecture variant } size labels layers { digest }
  } }`;

  it("lists every platform, and reads the one asked for, else the daemon's", async () => {
    const ref = `${open.host}/${path}:1`;
    const arm = await graphql<{ remoteImage: Record<string, any> }>(api, QUERY, {
      variables: { ref, platform: 'linux/arm64' },
    });
    expect(arm.errors).toBeUndefined();
    expect(arm.data!.remoteImage).toEqual({
      digest: index.digest,
      mediaType: INDEX,
      platforms: [
        { os: 'linux', architecture: 'amd64', variant: null },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
      platform: { architecture: 'arm64', variant: 'v8' },
      size: arm64.imageSize,
      labels: { platform: 'arm64' },
      layers: arm64.layers.map((layer) => ({ digest: layer.digest })),
    });

    // The test daemon runs on amd64.
    const byDefault = await graphql<{ remoteImage: { labels: object } }>(api, QUERY, { variables: { ref } });
    expect(byDefault.data!.remoteImage.labels).toEqual({ platform: 'amd64' });

    const byDigest = await graphql<{ remoteImage: { digest: string } }>(api, QUERY, {
      variables: { ref: `${open.host}/${path}@${index.digest}`, platform: 'linux/arm64/v8' },
    });
    expect(byDigest.data!.remoteImage.digest).toBe(index.digest);

    const missing = await graphql(api, QUERY, { variables: { ref, platform: 'linux/s390x' } });
    expect(code(missing)).toBe('BAD_USER_INPUT');
    expect(missing.errors![0]!.message).toContain('linux/amd64, linux/arm64/v8');
  });

  it('reads the manifest list that `docker manifest create/annotate/push` made, with the platforms it annotated', async () => {
    const { multiPlatform } = env.fixtures;
    const answer = await graphql<{ remoteImage: Record<string, any> }>(api, QUERY, {
      variables: { ref: multiPlatform.ref, platform: 'linux/arm64/v8' },
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.remoteImage).toMatchObject({
      digest: multiPlatform.digest,
      mediaType: multiPlatform.mediaType,
      platforms: multiPlatform.platforms.map(({ os, architecture, variant }) => ({
        os,
        architecture,
        variant: variant ?? null,
      })),
      // The arm64 entry is appB. Its config, built here, names this machine's architecture (which
      // `platform` reports, as read from the config): the labels say which image was picked.
      labels: expect.objectContaining({ 'org.stevedore.fixture': 'appB' }),
    });
  });

  describe('a registry that stops answering mid-browse', () => {
    let silent: Server;
    let host: string;

    beforeAll(async () => {
      // Accepts connections and never answers, like a registry whose process hangs.
      silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      host = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('answers REGISTRY_UNREACHABLE once the timeout passes', async () => {
      const started = Date.now();
      const answer = await graphql(api, QUERY, { variables: { ref: `${host}/app:1` } });
      expect(code(answer)).toBe('REGISTRY_UNREACHABLE');
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  });
});

/**
 * Docker Hub reports its pull limit in RateLimit headers and answers 429 past it. A stand-in for
 * those headers: a proxy in front of the open registry that adds them, and answers 429 for one
 * repository.
 */
describe('a registry that reports its rate limit', () => {
  let api: ApiUnderTest;
  let proxy: Server;
  let host: string;
  const appA = env.fixtures.images.appA.registries.open;
  const appAPath = appA.repository.slice(open.host.length + 1);

  beforeAll(async () => {
    proxy = createServer((incoming, outgoing) => {
      if (incoming.url?.includes('/limited/')) {
        outgoing.writeHead(429, { 'retry-after': '42', 'content-type': 'application/json' });
        outgoing.end(
          '{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]}',
        );
        return;
      }
      const forwarded = httpRequest(
        `${open.url}${incoming.url}`,
        { method: incoming.method, headers: { ...incoming.headers, host: open.host } },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, {
            ...answer.headers,
            'ratelimit-limit': '100;w=21600',
            'ratelimit-remaining': '76;w=21600',
          });
          answer.pipe(outgoing);
        },
      );
      incoming.pipe(forwarded);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    api = await startApi(env);
  });

  afterAll(async () => {
    await api?.close();
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  });

  it('shows the limit with what it read, and its 429 as RATE_LIMITED', async () => {
    const limit = { limit: 100, remaining: 76, windowSeconds: 21600 };
    const answer = await graphql<{
      repository: { tags: { rateLimit: object } };
      remoteImage: { rateLimit: object };
    }>(
      api,
      `
        query ($repo: String!, $ref: String!) {
          repository(ref: $repo) {
            tags {
              rateLimit {
                limit
                remaining
                windowSeconds
              }
            }
          }
          remoteImage(ref: $ref) {
            rateLimit {
              limit
              remaining
              windowSeconds
            }
          }
        }
      `,
      { variables: { repo: `${host}/${appAPath}`, ref: `${host}/${appAPath}:1` } },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.repository.tags.rateLimit).toEqual(limit);
    expect(answer.data!.remoteImage.rateLimit).toEqual(limit);

    const limited = await rest(
      api,
      `/api/v1/remote-images?ref=${encodeURIComponent(`${host}/limited/app:1`)}`,
    );
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
  });
});
