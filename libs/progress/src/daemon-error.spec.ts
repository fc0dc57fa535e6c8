import { classifyDaemonError, daemonErrorText } from './daemon-error.js';
import { capturedHttpError, type CapturedHttpError } from './testing/captured-streams.js';

describe('classifyDaemonError', () => {
  it.each([
    ['pull-missing-tag', 404, 'MANIFEST_UNKNOWN', false],
    ['pull-missing-repo', 404, 'MANIFEST_UNKNOWN', false],
    ['pull-auth-no-credentials', 500, 'REGISTRY_UNAUTHORIZED', false],
    ['pull-auth-wrong-password', 500, 'REGISTRY_UNAUTHORIZED', false],
    ['pull-unreachable', 500, 'REGISTRY_UNREACHABLE', true],
  ] as Array<[CapturedHttpError, number, string, boolean]>)(
    'real refusal before the stream, %s (HTTP %i): %s',
    (name, status, code, retryable) => {
      const { statusCode, message } = capturedHttpError(name);
      expect(statusCode).toBe(status);
      expect(classifyDaemonError(message, 'pull')).toEqual({ code, retryable });
    },
  );

  it.each([
    // Docker Hub, for a missing and a private repository alike; the daemon answers 404 (see daemon-error.ts).
    [
      "pull access denied for acme/nope, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
      'pull',
      'MANIFEST_UNKNOWN',
      false,
    ],
    [
      'manifest for acme/app:9 not found: manifest unknown: manifest unknown',
      'pull',
      'MANIFEST_UNKNOWN',
      false,
    ],
    [
      'repository acme/app not found: name unknown: repository name not known to registry',
      'pull',
      'MANIFEST_UNKNOWN',
      false,
    ],
    // Docker's wording for a multi-platform index without the platform asked for.
    [
      'no matching manifest for linux/arm64/v8 in the manifest list entries',
      'pull',
      'MANIFEST_UNKNOWN',
      false,
    ],
    ['unauthorized: authentication required', 'push', 'REGISTRY_UNAUTHORIZED', false],
    ['no basic auth credentials', 'push', 'REGISTRY_UNAUTHORIZED', false],
    ['denied: requested access to the resource is denied', 'push', 'REGISTRY_UNAUTHORIZED', false],
    ['unauthorized: incorrect username or password', 'pull', 'REGISTRY_UNAUTHORIZED', false],
    [
      'Get "https://registry.example/v2/": dial tcp: lookup registry.example on 127.0.0.53:53: no such host',
      'pull',
      'REGISTRY_UNREACHABLE',
      true,
    ],
    ['Get "https://r.example/v2/": net/http: TLS handshake timeout', 'pull', 'REGISTRY_UNREACHABLE', true],
    ['dial tcp 10.0.0.5:443: i/o timeout', 'push', 'REGISTRY_UNREACHABLE', true],
    ['unexpected EOF', 'pull', 'REGISTRY_UNREACHABLE', true],
    ['read tcp 127.0.0.1:5000: read: connection reset by peer', 'push', 'REGISTRY_UNREACHABLE', true],
    ['received unexpected HTTP status: 503 Service Unavailable', 'push', 'REGISTRY_UNREACHABLE', true],
    ['toomanyrequests: You have reached your pull rate limit.', 'pull', 'REGISTRY_UNREACHABLE', true],
    [
      'Get "https://127.0.0.1:5000/v2/": http: server gave HTTP response to HTTPS client',
      'pull',
      'REGISTRY_UNREACHABLE',
      false,
    ],
    ['x509: certificate signed by unknown authority', 'pull', 'REGISTRY_UNREACHABLE', false],
    // Node's own errors on the daemon's socket: the daemon went away (captured: `aborted`).
    ['aborted', 'pull', 'DOCKER_UNAVAILABLE', true],
    ['connect ENOENT /var/run/docker.sock', 'push', 'DOCKER_UNAVAILABLE', true],
    ['socket hang up', 'pull', 'DOCKER_UNAVAILABLE', true],
    // On a push, "not found" may be the local image, not the registry.
    ['An image does not exist locally with the tag: acme/app', 'push', 'INTERNAL', false],
    ['tag does not exist: acme/app:1 not found', 'push', 'INTERNAL', false],
    ['failed to register layer: open /var/lib/docker/x: permission denied', 'pull', 'INTERNAL', false],
    ['something new', 'pull', 'INTERNAL', false],
  ] as const)('%s (%s) → %s', (message, context, code, retryable) => {
    expect(classifyDaemonError(message, context)).toEqual({ code, retryable });
  });
});

describe('daemonErrorText', () => {
  it("drops dockerode's HTTP prefix and keeps the daemon's words", () => {
    const { message } = capturedHttpError('pull-missing-tag');
    expect(daemonErrorText(message)).toMatch(
      /^manifest for 127\.0\.0\.1:\d+\/stevedore-fixtures\/large:missing not found: manifest unknown: manifest unknown$/,
    );
    expect(daemonErrorText('no basic auth credentials')).toBe('no basic auth credentials');
  });

  it('masks credentials should anything in between echo them', () => {
    expect(daemonErrorText('Get "https://bob:s3cret@r.example/v2/": EOF')).toBe(
      'Get "https://***@r.example/v2/": EOF',
    );
    expect(daemonErrorText('sent Authorization: Basic Ym9iOnMzY3JldA==')).toBe(
      'sent Authorization: Basic ***',
    );
  });
});
