import { InvalidReferenceError } from '#libs/errors';
import { parseReference } from './parse-reference.js';
import { familiarName, normalizedName, toFamiliarString, toNormalizedString } from './reference-strings.js';
import { goParseNormalizedNamed } from './testing/go-reference-oracle.js';

const SHA256_F = `sha256:${'f'.repeat(64)}`;
const SHA512_F = `sha512:${'f'.repeat(128)}`;
const IPV6_ALONE =
  'an IPv6 address can only be a registry host, followed by "/" and a repository path, like "[::1]:5000/app"';

/** The reason parseReference gives for `input`, or undefined when it parses. */
function reasonFor(input: string): string | undefined {
  try {
    parseReference(input);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidReferenceError);
    return (error as InvalidReferenceError).reason;
  }
}

// Every case is also run through the transcribed Go parser, so the expectations below are Go's.
function expectValid(input: string): void {
  expect(reasonFor(input)).toBeUndefined();
  expect(goParseNormalizedNamed(input)).toBeDefined();
}

function expectInvalid(input: string): void {
  expect(reasonFor(input)).toBeDefined();
  expect(goParseNormalizedNamed(input)).toBeUndefined();
}

describe('parseReference: normalize_test.go TestValidateReferenceName', () => {
  it.each([
    'docker/docker',
    'library/debian',
    'debian',
    'docker.io/docker/docker',
    'docker.io/library/debian',
    'docker.io/debian',
    'index.docker.io/docker/docker',
    'index.docker.io/library/debian',
    'index.docker.io/debian',
    '127.0.0.1:5000/docker/docker',
    '127.0.0.1:5000/library/debian',
    '127.0.0.1:5000/debian',
    '192.168.0.1',
    '192.168.0.1:80',
    '192.168.0.1:8/debian',
    '192.168.0.2:25000/debian',
    'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
    '[fc00::1]:5000/docker',
    '[fc00::1]:5000/docker/docker',
    '[fc00:1:2:3:4:5:6:7]:5000/library/debian',
    'docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
    'Docker/docker',
    'DOCKER/docker',
  ])('accepts %j', expectValid);

  it.each([
    'https://github.com/docker/docker',
    'docker/Docker',
    '-docker',
    '-docker/docker',
    '-docker.io/docker/docker',
    'docker///docker',
    'docker.io/docker/Docker',
    'docker.io/docker///docker',
    '[fc00::1]',
    '[fc00::1]:5000',
    'fc00::1:5000/debian',
    '[fe80::1%eth0]:5000/debian',
    '[2001:db8:3:4::192.0.2.33]:5000/debian',
    '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
  ])('rejects %j', expectInvalid);
});

describe('parseReference: normalize_test.go TestValidateRemoteName', () => {
  it.each([
    'docker/docker',
    'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
    'docker-rules/docker',
    'docker---rules/docker',
    'doc/docker',
    'd/docker',
    'jess/t',
    'dock__er/docker',
  ])('accepts %j', expectValid);

  it.each([
    'docker/Docker',
    'docker///docker',
    '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
    '-docker/docker',
    'docker-/docker',
    '-docker-/docker',
    '____/____',
    '_docker/_docker',
    'dock..er/docker',
    'dock_.er/docker',
    'dock-.er/docker',
    'docker/',
    'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255/docker',
  ])('rejects %j', expectInvalid);
});

describe('parseReference: normalize_test.go TestParseRepositoryInfo', () => {
  const cases = [
    {
      path: 'fooo/bar',
      familiar: 'fooo/bar',
      full: 'docker.io/fooo/bar',
      ambiguous: 'index.docker.io/fooo/bar',
      domain: 'docker.io',
    },
    {
      path: 'library/ubuntu',
      familiar: 'ubuntu',
      full: 'docker.io/library/ubuntu',
      ambiguous: 'library/ubuntu',
      domain: 'docker.io',
    },
    {
      path: 'nonlibrary/ubuntu',
      familiar: 'nonlibrary/ubuntu',
      full: 'docker.io/nonlibrary/ubuntu',
      domain: 'docker.io',
    },
    {
      path: 'other/library',
      familiar: 'other/library',
      full: 'docker.io/other/library',
      domain: 'docker.io',
    },
    {
      path: 'private/moonbase',
      familiar: '127.0.0.1:8000/private/moonbase',
      full: '127.0.0.1:8000/private/moonbase',
      domain: '127.0.0.1:8000',
    },
    {
      path: 'privatebase',
      familiar: '127.0.0.1:8000/privatebase',
      full: '127.0.0.1:8000/privatebase',
      domain: '127.0.0.1:8000',
    },
    {
      path: 'private/moonbase',
      familiar: 'example.com/private/moonbase',
      full: 'example.com/private/moonbase',
      domain: 'example.com',
    },
    {
      path: 'privatebase',
      familiar: 'example.com/privatebase',
      full: 'example.com/privatebase',
      domain: 'example.com',
    },
    {
      path: 'private/moonbase',
      familiar: 'example.com:8000/private/moonbase',
      full: 'example.com:8000/private/moonbase',
      domain: 'example.com:8000',
    },
    {
      path: 'privatebasee',
      familiar: 'example.com:8000/privatebasee',
      full: 'example.com:8000/privatebasee',
      domain: 'example.com:8000',
    },
    {
      path: 'library/ubuntu-12.04-base',
      familiar: 'ubuntu-12.04-base',
      full: 'docker.io/library/ubuntu-12.04-base',
      ambiguous: 'index.docker.io/library/ubuntu-12.04-base',
      domain: 'docker.io',
    },
    {
      path: 'library/foo',
      familiar: 'foo',
      full: 'docker.io/library/foo',
      ambiguous: 'docker.io/foo',
      domain: 'docker.io',
    },
    {
      path: 'library/foo/bar',
      familiar: 'library/foo/bar',
      full: 'docker.io/library/foo/bar',
      domain: 'docker.io',
    },
    {
      path: 'store/foo/bar',
      familiar: 'store/foo/bar',
      full: 'docker.io/store/foo/bar',
      domain: 'docker.io',
    },
    { path: 'bar', familiar: 'Foo/bar', full: 'Foo/bar', domain: 'Foo' },
    { path: 'bar', familiar: 'FOO/bar', full: 'FOO/bar', domain: 'FOO' },
  ];
  const rows = cases.flatMap((c) =>
    [c.familiar, c.full, ...(c.ambiguous === undefined ? [] : [c.ambiguous])].map((input) => ({
      input,
      ...c,
    })),
  );

  it.each(rows)('$input is $full', ({ input, path, familiar, full, domain }) => {
    const ref = parseReference(input);
    expect(ref).toEqual({ domain, path });
    expect(familiarName(ref)).toBe(familiar);
    expect(normalizedName(ref)).toBe(full);
    expect(toNormalizedString(ref)).toBe(full);
    expect(goParseNormalizedNamed(input)).toEqual({ domain, path });
  });
});

describe('parseReference: normalize_test.go TestParseReferenceWithTagAndDigest', () => {
  it('keeps both the tag and the digest', () => {
    const shortRef = 'busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa';
    const ref = parseReference(shortRef);
    expect(toNormalizedString(ref)).toBe(`docker.io/library/${shortRef}`);
    expect(ref.tag).toBe('latest');
    expect(ref.digest).toBe('sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa');
    expect(toFamiliarString(ref)).toBe(shortRef);
  });

  it('rejects "-foo" (TestInvalidReferenceComponents)', () => expectInvalid('-foo'));
});

describe('parseReference: normalize_test.go TestNormalizedSplitHostname', () => {
  it.each([
    ['test.com/foo', 'test.com', 'foo'],
    ['test_com/foo', 'docker.io', 'test_com/foo'],
    ['docker/migrator', 'docker.io', 'docker/migrator'],
    ['test.com:8080/foo', 'test.com:8080', 'foo'],
    ['test-com:8080/foo', 'test-com:8080', 'foo'],
    ['foo', 'docker.io', 'library/foo'],
    ['xn--n3h.com/foo', 'xn--n3h.com', 'foo'],
    ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080', 'foo'],
    ['docker.io/foo', 'docker.io', 'library/foo'],
    ['docker.io/library/foo', 'docker.io', 'library/foo'],
    ['docker.io/library/foo/bar', 'docker.io', 'library/foo/bar'],
  ])('%j has domain %j and path %j', (input, domain, path) => {
    expect(parseReference(input)).toEqual({ domain, path });
  });
});

describe('parseReference: reference_test.go TestReferenceParse, normalised', () => {
  // The Go table is for Parse (no normalisation); `normalized` is what ParseNormalizedNamed makes of each input.
  it.each([
    ['test_com', 'docker.io/library/test_com'],
    ['test.com:tag', 'docker.io/library/test.com:tag'],
    ['test.com:5000', 'docker.io/library/test.com:5000'],
    ['test.com/repo:tag', 'test.com/repo:tag'],
    ['test:5000/repo', 'test:5000/repo'],
    ['test:5000/repo:tag', 'test:5000/repo:tag'],
    [`test:5000/repo@${SHA256_F}`, `test:5000/repo@${SHA256_F}`],
    [`test:5000/repo:tag@${SHA256_F}`, `test:5000/repo:tag@${SHA256_F}`],
    ['lowercase:Uppercase', 'docker.io/library/lowercase:Uppercase'],
    // Go FIXME: "Uppercase" is taken for a domain here, so this passes.
    ['Uppercase/lowercase:tag', 'Uppercase/lowercase:tag'],
    // 255 characters of path with docker.io's "library/"-free namespace "a".
    ['a/'.repeat(127) + 'a:tag-puts-this-over-max', `docker.io/${'a/'.repeat(127)}a:tag-puts-this-over-max`],
    ['sub-dom1.foo.com/bar/baz/quux', 'sub-dom1.foo.com/bar/baz/quux'],
    ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', 'sub-dom1.foo.com/bar/baz/quux:some-long-tag'],
    [
      'b.gcr.io/test.example.com/my-app:test.example.com',
      'b.gcr.io/test.example.com/my-app:test.example.com',
    ],
    ['xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com/myimage:xn--n3h.com'],
    [`xn--7o8h.com/myimage:xn--7o8h.com@${SHA512_F}`, `xn--7o8h.com/myimage:xn--7o8h.com@${SHA512_F}`],
    ['foo_bar.com:8080', 'docker.io/library/foo_bar.com:8080'],
    ['foo/foo_bar.com:8080', 'docker.io/foo/foo_bar.com:8080'],
    ['192.168.1.1', 'docker.io/library/192.168.1.1'],
    ['192.168.1.1:tag', 'docker.io/library/192.168.1.1:tag'],
    ['192.168.1.1:5000', 'docker.io/library/192.168.1.1:5000'],
    ['192.168.1.1/repo', '192.168.1.1/repo'],
    ['192.168.1.1:5000/repo', '192.168.1.1:5000/repo'],
    ['192.168.1.1:5000/repo:5050', '192.168.1.1:5000/repo:5050'],
    ['[2001:db8::1]/repo', '[2001:db8::1]/repo'],
    ['[2001:db8:1:2:3:4:5:6]/repo:tag', '[2001:db8:1:2:3:4:5:6]/repo:tag'],
    ['[2001:db8::1]:5000/repo', '[2001:db8::1]:5000/repo'],
    ['[2001:db8::1]:5000/repo:tag', '[2001:db8::1]:5000/repo:tag'],
    [`[2001:db8::1]:5000/repo@${SHA256_F}`, `[2001:db8::1]:5000/repo@${SHA256_F}`],
    [`[2001:db8::1]:5000/repo:tag@${SHA256_F}`, `[2001:db8::1]:5000/repo:tag@${SHA256_F}`],
    ['[2001:db8::]:5000/repo', '[2001:db8::]:5000/repo'],
    ['[::1]:5000/repo', '[::1]:5000/repo'],
    // The Go quirk kept by this port: not a hostname, but a valid path component, so no domain at all.
    ['foo_bar.com/app:1', 'foo_bar.com/app:1'],
  ])('%j normalises to %j', (input, normalized) => {
    expect(toNormalizedString(parseReference(input))).toBe(normalized);
    expectValid(input);
  });

  it.each([
    ['', 'the reference is empty'],
    [':justtag', 'the repository name is missing'],
    [`@${SHA256_F}`, 'the repository name is missing'],
    [
      'repo@sha256:ffffffffffffffffffffffffffffffffff',
      'invalid digest: a sha256 digest is exactly 64 lowercase hexadecimal digits',
    ],
    [
      `validname@invaliddigest:${'f'.repeat(64)}`,
      'invalid digest: unsupported algorithm "invaliddigest" (supported: sha256, sha384, sha512)',
    ],
    ['Uppercase:tag', 'repository name must be lowercase'],
    ['test:5000/Uppercase/lowercase:tag', 'repository name must be lowercase'],
    ['a/'.repeat(128) + 'a:tag', 'the repository path is 257 characters long; the limit is 255'],
    [
      'aa/asdf$$^/aa',
      'path component "asdf$$^" contains "$"; only lowercase letters, digits, ".", "_" and "-" are allowed',
    ],
    ['[2001:db8::1]', IPV6_ALONE],
    ['[2001:db8::1]:5000', IPV6_ALONE],
    ['[2001:db8::1]:tag', IPV6_ALONE],
    [
      '[fe80::1%eth0]:5000/repo',
      'the registry host "[fe80::1%eth0]:5000" is invalid: "[fe80::1%eth0]" is not a supported IPv6 address: only hexadecimal digits and ":" are allowed (no zone ID, no embedded IPv4 address)',
    ],
    ['[fe80::1%@invalidzone]:5000/repo', IPV6_ALONE],
  ])('rejects %j: %s', (input, reason) => {
    expect(reasonFor(input)).toBe(reason);
    expect(goParseNormalizedNamed(input)).toBeUndefined();
  });
});

describe('parseReference: canonical inputs (reference_test.go TestParseNamed)', () => {
  it.each([
    ['test.com/foo', true],
    ['test:8080/foo', true],
    ['test_com/foo', false],
    ['test.com', false],
    ['foo', false],
    ['library/foo', false],
    ['docker.io/library/foo', true],
    ['docker.io/foo', false],
  ])('%j is already normalised: %j', (input, canonical) => {
    expect(toNormalizedString(parseReference(input)) === input).toBe(canonical);
  });
});

describe('parseReference: rejection reasons', () => {
  it.each([
    [
      '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
      'a 64-character hexadecimal string is an image ID, not a repository name',
    ],
    ['Nginx', 'repository name must be lowercase'],
    ['acme/App:1', 'repository name must be lowercase'],
    ['FOO_BAR/app', 'repository name must be lowercase'],
    ['nginx:' + 'a'.repeat(129), 'tag is longer than 128 characters (it has 129)'],
    ['nginx:', 'the tag after ":" is empty'],
    ['nginx:.x', 'the tag ".x" must start with a letter, a digit or "_"'],
    ['nginx@sha256:ABC', 'invalid digest: a sha256 digest is exactly 64 lowercase hexadecimal digits'],
    [
      `nginx@sha256:${'A'.repeat(64)}`,
      'invalid digest: a sha256 digest is exactly 64 lowercase hexadecimal digits',
    ],
    [
      `nginx@md5:${'a'.repeat(32)}`,
      'invalid digest: unsupported algorithm "md5" (supported: sha256, sha384, sha512)',
    ],
    [
      `nginx@${SHA256_F}@${SHA256_F}`,
      'invalid digest: a sha256 digest is exactly 64 lowercase hexadecimal digits',
    ],
    ['nginx@', 'invalid digest "": expected "<algorithm>:<hex digits>", like "sha256:" and 64 hex digits'],
    ['https://registry.example/app', 'a reference is not a URL: remove "https://"'],
    [
      'fc00::1:5000/debian',
      'the registry host "fc00::1:5000" is invalid: an IPv6 address must be written in brackets, like [fc00::1]:5000',
    ],
    [
      'registry.example:http/app',
      'the registry host "registry.example:http" is invalid: the port "http" must be a number',
    ],
    [
      'bad_hostname.com:8080/myapp:tag',
      'the registry host "bad_hostname.com:8080" is invalid: the host name contains "_"; only letters, digits, "-" and "." are allowed',
    ],
    ['/nginx', 'the repository path has an empty component (look for a leading, trailing or doubled "/")'],
    ['acme//app', 'the repository path has an empty component (look for a leading, trailing or doubled "/")'],
    [
      ' nginx',
      'path component " nginx" contains " "; only lowercase letters, digits, ".", "_" and "-" are allowed',
    ],
    [
      'nginx\n',
      'path component "nginx\\n" contains "\\n"; only lowercase letters, digits, ".", "_" and "-" are allowed',
    ],
    [
      'x'.repeat(248),
      'the repository path (with its implied "library/") is 256 characters long; the limit is 255',
    ],
  ])('%j: %s', (input, reason) => {
    expect(reasonFor(input)).toBe(reason);
    expect(goParseNormalizedNamed(input)).toBeUndefined();
  });

  it('throws InvalidReferenceError with code INVALID_REFERENCE and the input quoted', () => {
    expect(() => parseReference('Nginx:1')).toThrow(
      new InvalidReferenceError('Nginx:1', 'repository name must be lowercase'),
    );
    try {
      parseReference('Nginx:1');
    } catch (error) {
      expect(error).toMatchObject({
        code: 'INVALID_REFERENCE',
        reference: 'Nginx:1',
        message: 'Invalid image reference "Nginx:1": repository name must be lowercase.',
      });
    }
  });

  it('quotes at most 256 characters of a long input', () => {
    const input = `${'a'.repeat(1000)}:tag`;
    expect(() => parseReference(input)).toThrow(InvalidReferenceError);
    try {
      parseReference(input);
    } catch (error) {
      const { reference, message } = error as InvalidReferenceError;
      expect(reference).toBe(`${'a'.repeat(256)}… (1004 characters)`);
      expect(message.length).toBeLessThan(400);
    }
  });

  it('accepts 255 characters of path, including the implied "library/"', () => {
    expect(parseReference('x'.repeat(247)).path).toBe(`library/${'x'.repeat(247)}`);
  });

  it('rejects a non-string with InvalidReferenceError', () => {
    expect(() => parseReference(undefined as unknown as string)).toThrow(InvalidReferenceError);
    expect(() => parseReference(42 as unknown as string)).toThrow(InvalidReferenceError);
  });

  it('returns a frozen object with only the parts present', () => {
    const ref = parseReference('nginx');
    expect(Object.isFrozen(ref)).toBe(true);
    expect(Object.keys(ref)).toEqual(['domain', 'path']);
  });
});
