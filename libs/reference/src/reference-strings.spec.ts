import { parseDockerRef, withDefaultTag } from './docker-ref.js';
import { parseReference } from './parse-reference.js';
import {
  familiarName,
  isOfficial,
  normalizedName,
  registryOf,
  toFamiliarString,
  toNormalizedString,
} from './reference-strings.js';

const DIGEST = 'sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582';

describe('reference strings', () => {
  it.each([
    // input, normalizedName, familiarName, toNormalizedString, toFamiliarString, registryOf, isOfficial
    ['nginx', 'docker.io/library/nginx', 'nginx', 'docker.io/library/nginx', 'nginx', 'docker.io', true],
    [
      'nginx:1.27',
      'docker.io/library/nginx',
      'nginx',
      'docker.io/library/nginx:1.27',
      'nginx:1.27',
      'docker.io',
      true,
    ],
    [
      'library/nginx:1.27',
      'docker.io/library/nginx',
      'nginx',
      'docker.io/library/nginx:1.27',
      'nginx:1.27',
      'docker.io',
      true,
    ],
    [
      'index.docker.io/nginx',
      'docker.io/library/nginx',
      'nginx',
      'docker.io/library/nginx',
      'nginx',
      'docker.io',
      true,
    ],
    ['acme/app', 'docker.io/acme/app', 'acme/app', 'docker.io/acme/app', 'acme/app', 'docker.io', false],
    [
      'docker.io/library/foo/bar',
      'docker.io/library/foo/bar',
      'library/foo/bar',
      'docker.io/library/foo/bar',
      'library/foo/bar',
      'docker.io',
      false,
    ],
    [
      `acme/app:1@${DIGEST}`,
      'docker.io/acme/app',
      'acme/app',
      `docker.io/acme/app:1@${DIGEST}`,
      `acme/app:1@${DIGEST}`,
      'docker.io',
      false,
    ],
    [
      '127.0.0.1:5000/x',
      '127.0.0.1:5000/x',
      '127.0.0.1:5000/x',
      '127.0.0.1:5000/x',
      '127.0.0.1:5000/x',
      '127.0.0.1:5000',
      false,
    ],
    [
      'localhost/x:dev',
      'localhost/x',
      'localhost/x',
      'localhost/x:dev',
      'localhost/x:dev',
      'localhost',
      false,
    ],
    ['[::1]:5000/x', '[::1]:5000/x', '[::1]:5000/x', '[::1]:5000/x', '[::1]:5000/x', '[::1]:5000', false],
    [
      'ghcr.io/library/x',
      'ghcr.io/library/x',
      'ghcr.io/library/x',
      'ghcr.io/library/x',
      'ghcr.io/library/x',
      'ghcr.io',
      false,
    ],
    [
      'foo_bar.com/app',
      'foo_bar.com/app',
      'foo_bar.com/app',
      'foo_bar.com/app',
      'foo_bar.com/app',
      '',
      false,
    ],
    // Deviation from Go's FamiliarString ("foo.bar/app", which would re-parse as registry "foo.bar").
    [
      'docker.io/foo.bar/app',
      'docker.io/foo.bar/app',
      'docker.io/foo.bar/app',
      'docker.io/foo.bar/app',
      'docker.io/foo.bar/app',
      'docker.io',
      false,
    ],
    [
      'docker.io/localhost/app',
      'docker.io/localhost/app',
      'docker.io/localhost/app',
      'docker.io/localhost/app',
      'docker.io/localhost/app',
      'docker.io',
      false,
    ],
  ])('%j', (input, name, familiar, normalized, familiarString, registry, official) => {
    const ref = parseReference(input);
    expect(normalizedName(ref)).toBe(name);
    expect(familiarName(ref)).toBe(familiar);
    expect(toNormalizedString(ref)).toBe(normalized);
    expect(toFamiliarString(ref)).toBe(familiarString);
    expect(registryOf(ref)).toBe(registry);
    expect(isOfficial(ref)).toBe(official);
  });

  it('works on a hand-made reference too', () => {
    expect(familiarName({ domain: 'docker.io', path: 'nginx' })).toBe('nginx');
    expect(toNormalizedString({ domain: 'docker.io', path: 'library/nginx', tag: '1' })).toBe(
      'docker.io/library/nginx:1',
    );
  });
});

describe('withDefaultTag (TagNameOnly)', () => {
  it('adds latest to a bare name', () => {
    expect(withDefaultTag(parseReference('nginx'))).toEqual({
      domain: 'docker.io',
      path: 'library/nginx',
      tag: 'latest',
    });
  });

  it('keeps a tag, a digest, or both', () => {
    for (const input of ['nginx:1', `nginx@${DIGEST}`, `nginx:1@${DIGEST}`]) {
      const ref = parseReference(input);
      expect(withDefaultTag(ref)).toBe(ref);
    }
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(withDefaultTag(parseReference('nginx')))).toBe(true);
  });
});

describe('parseDockerRef (normalize_test.go TestParseDockerRef)', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:latest', 'docker.io/library/busybox:latest'],
    [`busybox@${DIGEST}`, `docker.io/library/busybox@${DIGEST}`],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox:latest', 'docker.io/library/busybox:latest'],
    ['library/busybox:latest', 'docker.io/library/busybox:latest'],
    ['docker.io/library/busybox:latest', 'docker.io/library/busybox:latest'],
    ['gcr.io/library/busybox', 'gcr.io/library/busybox:latest'],
    [`gcr.io/library/busybox:latest@${DIGEST}`, `gcr.io/library/busybox@${DIGEST}`],
  ])('%j is %j', (input, expected) => {
    const ref = parseDockerRef(input);
    expect(toNormalizedString(ref)).toBe(expected);
    expect(parseReference(expected)).toEqual(ref);
  });
});
