import { readTestEnvironment } from '../environment/index.js';
import { ensureBuilt } from '../support/processes.js';
import { MiB, startSlowProxy } from '../support/slow-proxy.js';

/**
 * The copy thread as the built service runs it (ThreadedCopier): under jest the api copies
 * in-process, since a thread cannot load the TypeScript sources. So this test loads the built
 * registry lib, whose thread runs the compiled copier against the environment's real registries.
 */
const env = readTestEnvironment();
const { open, auth } = env.registries;
const { large } = env.fixtures.images;
const largePath = large.registries.open.repository.slice(open.host.length + 1);

type Built = typeof import('../../libs/registry/src/index.js');

async function digestIn(path: string, reference: string): Promise<string | null> {
  const { username, password } = auth.credentials;
  const response = await fetch(`${auth.url}/v2/${path}/manifests/${reference}`, {
    method: 'HEAD',
    headers: {
      accept: 'application/vnd.docker.distribution.manifest.v2+json',
      authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
    },
  });
  return response.status === 200 ? response.headers.get('docker-content-digest') : null;
}

describe('ThreadedCopier: copies in a worker thread of their own', () => {
  let built: Built;
  let copier: InstanceType<Built['ThreadedCopier']>;

  const source = (host = open.host, reference = large.tags[0]!) => ({
    endpoint: built.registryEndpoint(host),
    repository: largePath,
    reference,
  });
  const target = (path: string) => ({
    endpoint: built.registryEndpoint(auth.host, { credentials: { ...auth.credentials } }),
    repository: path,
    reference: '1',
  });

  beforeAll(async () => {
    ensureBuilt();
    built = (await import('../../dist/libs/registry/src/index.js' as string)) as Built;
    copier = new built.ThreadedCopier({ timeoutMs: 30_000, userAgent: 'stevedore-test' });
  }, 300_000);

  afterAll(() => copier?.close());

  it('is what the built service uses', () => {
    expect(built.ThreadedCopier.available()).toBe(true);
  });

  it('copies the large fixture with its digest, reporting each blob', async () => {
    const seen = new Map<string, string>();
    const digest = await copier.copy(source(), target('stevedore-tests/threaded'), {
      onProgress: (blobs) => blobs.forEach((blob) => seen.set(blob.digest, blob.status)),
    });
    expect(digest).toBe(large.registries.open.digest);
    expect(await digestIn('stevedore-tests/threaded', '1')).toBe(large.registries.open.digest);
    // The config and the five layers, each streamed over (the target repository was new).
    expect(seen.size).toBe(env.fixtures.large.layerCount + 1);
    expect(new Set(seen.values())).toEqual(new Set(['Copied']));
  });

  it('keeps the contract code of a failure', async () => {
    await expect(
      copier.copy(source(open.host, 'no-such-tag'), target('stevedore-tests/threaded-missing')),
    ).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN' });
  });

  it('stops a copy when its signal aborts, and writes no manifest', async () => {
    const proxy = await startSlowProxy(open.host, { bytesPerSecond: 2 * MiB });
    try {
      const abort = new AbortController();
      const copying = copier.copy(source(proxy.host), target('stevedore-tests/threaded-aborted'), {
        signal: abort.signal,
        onProgress: (blobs) => {
          if (blobs.some((blob) => blob.current > 0 && blob.status === 'Copying')) abort.abort();
        },
      });
      await expect(copying).rejects.toThrow();
      expect(await digestIn('stevedore-tests/threaded-aborted', '1')).toBeNull();
    } finally {
      await proxy.close();
    }
  });

  it('starts a new thread after close', async () => {
    await copier.close();
    const digest = await copier.copy(source(), target('stevedore-tests/threaded-again'));
    expect(digest).toBe(large.registries.open.digest);
  });
});
