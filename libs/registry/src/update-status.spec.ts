import { updateFinding } from './update-status.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

describe('updateFinding', () => {
  const pulled = { repoDigests: [`nginx@${A}`, `127.0.0.1:5000/acme/app@${B}`] };

  it('is UP_TO_DATE when a RepoDigest of the repository is what the registry holds, AVAILABLE when none is', () => {
    expect(updateFinding('docker.io/library/nginx:1', pulled, { digest: A })).toEqual({
      status: 'UP_TO_DATE',
      remoteDigest: A,
      reason: null,
    });
    expect(updateFinding('nginx:1', pulled, { digest: B })).toEqual({
      status: 'AVAILABLE',
      remoteDigest: B,
      reason: null,
    });
    expect(updateFinding('127.0.0.1:5000/acme/app:2', pulled, { digest: B }).status).toBe('UP_TO_DATE');
  });

  it('compares against every RepoDigest of the repository (index and manifest digests alike)', () => {
    const both = { repoDigests: [`nginx@${A}`, `docker.io/library/nginx@${B}`] };
    expect(updateFinding('nginx:latest', both, { digest: B }).status).toBe('UP_TO_DATE');
  });

  it('says why it cannot tell', () => {
    expect(updateFinding('acme/app:1', { repoDigests: [] }, { digest: A })).toMatchObject({
      status: 'UNKNOWN',
      reason: expect.stringContaining('built or loaded locally'),
    });
    expect(updateFinding('ghcr.io/acme/app:1', pulled, { digest: A })).toMatchObject({
      status: 'UNKNOWN',
      reason: 'it has no digest from ghcr.io/acme/app',
    });
    expect(updateFinding('nginx:1', pulled, null).reason).toBe('not checked yet');
    for (const [failure, words] of [
      ['REGISTRY_UNAUTHORIZED', 'unauthorized'],
      ['REGISTRY_UNREACHABLE', 'unreachable'],
      ['RATE_LIMITED', 'rate limited'],
      ['MANIFEST_UNKNOWN', 'no longer has this tag'],
    ] as const) {
      expect(updateFinding('nginx:1', pulled, { failure })).toMatchObject({
        status: 'UNKNOWN',
        remoteDigest: null,
        reason: expect.stringContaining(words),
      });
    }
  });
});
