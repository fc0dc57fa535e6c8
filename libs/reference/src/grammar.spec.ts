import { domainProblem, isIdentifier, isPathComponent, pathComponentProblem, tagProblem } from './grammar.js';
import { goPatterns } from './testing/go-reference-oracle.js';

// Tables from distribution/reference regexp_test.go. Each is run against the scanners and against the verbatim
// Go patterns of the test oracle, so that the oracle used by the property tests is itself checked.

describe('domain (TestDomainRegexp)', () => {
  it.each([
    ['test.com', true],
    ['test.com:10304', true],
    ['test.com:http', false],
    ['localhost', true],
    ['localhost:8080', true],
    ['a', true],
    ['a.b', true],
    ['ab.cd.com', true],
    ['a-b.com', true],
    ['-ab.com', false],
    ['ab-.com', false],
    ['ab.c-om', true],
    ['ab.-com', false],
    ['ab.com-', false],
    ['0101.com', true],
    ['001a.com', true],
    ['b.gbc.io:443', true],
    ['b.gbc.io', true],
    ['xn--n3h.com', true],
    ['Asdf.com', true],
    ['192.168.1.1:75050', true],
    ['192.168.1.1:750050', true],
    ['[fd00:1:2::3]:75050', true],
    ['[fd00:1:2::3]75050', false],
    ['[fd00:1:2::3]::75050', false],
    ['[fd00:1:2::3%eth0]:75050', false],
    ['[fd00123123123]:75050', true],
    ['[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:75050', true],
    ['[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:750505', true],
    ['fd00:1:2::3:75050', false],
    // Not in the Go table: edges of the scanner.
    ['', false],
    ['a..b', false],
    ['.a', false],
    ['a.', false],
    ['a:', false],
    ['[]', false],
    ['[::1', false],
    ['[::1]:', false],
    ['a_b.com', false],
  ])('%j matches: %j', (input, match) => {
    expect(domainProblem(input) === undefined).toBe(match);
    expect(goPatterns.anchoredDomain.test(input)).toBe(match);
  });

  it.each([
    ['test.com:http', 'the port "http" must be a number'],
    ['fd00:1:2::3:75050', 'an IPv6 address must be written in brackets, like [fc00::1]:5000'],
    ['[fd00:1:2::3%eth0]:75050', '"[fd00:1:2::3%eth0]" is not a supported IPv6 address'],
    ['[fd00:1:2::3]75050', 'expected ":" and a port after the IPv6 address'],
    ['ab-.com', 'the host name label "ab-" must not start or end with "-"'],
    ['a..b', 'the host name has an empty label'],
    ['bad_host.com', 'the host name contains "_"'],
  ])('explains why %j is not a domain', (input, reason) => {
    expect(domainProblem(input)).toContain(reason);
  });
});

/** anchoredNameRegexp: optional domain, then the path; rebuilt from the scanners for the table below. */
function splitName(name: string): [string, string] | undefined {
  const isPath = (text: string) => text.split('/').every(isPathComponent);
  const slash = name.indexOf('/');
  if (slash >= 0 && domainProblem(name.slice(0, slash)) === undefined && isPath(name.slice(slash + 1))) {
    return [name.slice(0, slash), name.slice(slash + 1)];
  }
  return isPath(name) ? ['', name] : undefined;
}

describe('name (TestFullNameRegexp)', () => {
  it.each<[string, [string, string] | undefined]>([
    ['', undefined],
    ['short', ['', 'short']],
    ['simple/name', ['simple', 'name']],
    ['library/ubuntu', ['library', 'ubuntu']],
    ['docker/stevvooe/app', ['docker', 'stevvooe/app']],
    ['aa/aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb', ['aa', 'aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb']],
    ['aa/aa/bb/bb/bb', ['aa', 'aa/bb/bb/bb']],
    ['a/a/a/a', ['a', 'a/a/a']],
    ['a/a/a/a/', undefined],
    ['a//a/a', undefined],
    ['a', ['', 'a']],
    ['a/aa', ['a', 'aa']],
    ['a/aa/a', ['a', 'aa/a']],
    ['foo.com', ['', 'foo.com']],
    ['foo.com/', undefined],
    ['foo.com:8080/bar', ['foo.com:8080', 'bar']],
    ['foo.com:http/bar', undefined],
    ['foo.com/bar', ['foo.com', 'bar']],
    ['foo.com/bar/baz', ['foo.com', 'bar/baz']],
    ['localhost:8080/bar', ['localhost:8080', 'bar']],
    ['sub-dom1.foo.com/bar/baz/quux', ['sub-dom1.foo.com', 'bar/baz/quux']],
    ['blog.foo.com/bar/baz', ['blog.foo.com', 'bar/baz']],
    ['a^a', undefined],
    ['aa/asdf$$^/aa', undefined],
    ['asdf$$^/aa', undefined],
    ['aa-a/a', ['aa-a', 'a']],
    ['a/'.repeat(128) + 'a', ['a', 'a/'.repeat(127) + 'a']],
    ['a-/a/a/a', undefined],
    ['foo.com/a-/a/a', undefined],
    ['-foo/bar', undefined],
    ['foo/bar-', undefined],
    ['foo-/bar', undefined],
    ['foo/-bar', undefined],
    ['_foo/bar', undefined],
    ['foo_bar', ['', 'foo_bar']],
    ['foo_bar.com', ['', 'foo_bar.com']],
    ['foo_bar.com:8080', undefined],
    ['foo_bar.com:8080/app', undefined],
    ['foo.com/foo_bar', ['foo.com', 'foo_bar']],
    ['____/____', undefined],
    ['_docker/_docker', undefined],
    ['docker_/docker_', undefined],
    ['b.gcr.io/test.example.com/my-app', ['b.gcr.io', 'test.example.com/my-app']],
    ['xn--n3h.com/myimage', ['xn--n3h.com', 'myimage']],
    ['xn--7o8h.com/myimage', ['xn--7o8h.com', 'myimage']],
    ['example.com/xn--7o8h.com/myimage', ['example.com', 'xn--7o8h.com/myimage']],
    ['example.com/some_separator__underscore/myimage', ['example.com', 'some_separator__underscore/myimage']],
    ['example.com/__underscore/myimage', undefined],
    ['example.com/..dots/myimage', undefined],
    ['example.com/.dots/myimage', undefined],
    ['example.com/nodouble..dots/myimage', undefined],
    ['docker./docker', undefined],
    ['.docker/docker', undefined],
    ['docker-/docker', undefined],
    ['-docker/docker', undefined],
    ['do..cker/docker', undefined],
    ['do__cker:8080/docker', undefined],
    ['do__cker/docker', ['', 'do__cker/docker']],
    [
      'registry.io/foo/project--id.module--name.ver---sion--name',
      ['registry.io', 'foo/project--id.module--name.ver---sion--name'],
    ],
    ['Asdf.com/foo/bar', ['Asdf.com', 'foo/bar']],
    ['Foo/FarB', undefined],
  ])('%j splits into %j', (input, expected) => {
    expect(splitName(input)).toEqual(expected);
    const go = goPatterns.anchoredName.exec(input);
    expect(go === null ? undefined : [go[1] ?? '', go[2]]).toEqual(expected);
  });
});

describe('reference pattern (TestReferenceRegexp), checked on the oracle', () => {
  const hex = 'be178c0543eb17f5f3043021c9e5fcf30285e557a4fc309cce97ff9ca6182912';
  it.each<[string, [string, string | undefined, string | undefined] | undefined]>([
    ['registry.com:8080/myapp:tag', ['registry.com:8080/myapp', 'tag', undefined]],
    [`registry.com:8080/myapp@sha256:${hex}`, ['registry.com:8080/myapp', undefined, `sha256:${hex}`]],
    [`registry.com:8080/myapp:tag2@sha256:${hex}`, ['registry.com:8080/myapp', 'tag2', `sha256:${hex}`]],
    ['registry.com:8080/myapp@sha256:badbadbadbad', undefined],
    ['registry.com:8080/myapp:invalid~tag', undefined],
    ['bad_hostname.com:8080/myapp:tag', undefined],
    [`localhost:8080@sha256:${hex}`, ['localhost', '8080', `sha256:${hex}`]],
    [`localhost:8080/name@sha256:${hex}`, ['localhost:8080/name', undefined, `sha256:${hex}`]],
    [`localhost:http/name@sha256:${hex}`, undefined],
    [`localhost@sha256:${hex}`, ['localhost', undefined, `sha256:${hex}`]],
    ['registry.com:8080/myapp@bad', undefined],
    ['registry.com:8080/myapp@2bad', undefined],
  ])('%j', (input, expected) => {
    const go = goPatterns.reference.exec(input);
    expect(go === null ? undefined : [go[1], go[2], go[3]]).toEqual(expected);
  });
});

describe('identifier (TestIdentifierRegexp)', () => {
  it.each([
    ['da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821', true],
    ['7EC43B381E5AEFE6E04EFB0B3F0693FF2A4A50652D64AEC573905F2DB5889A1C', false],
    ['da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf', false],
    ['sha256:da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821', false],
    ['da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf98218482', false],
  ])('%j is an identifier: %j', (input, match) => {
    expect(isIdentifier(input)).toBe(match);
    expect(goPatterns.anchoredIdentifier.test(input)).toBe(match);
  });
});

describe('path component', () => {
  it.each([
    ['a', true],
    ['a.b', true],
    ['a_b', true],
    ['a__b', true],
    ['a___b', false],
    ['a-b', true],
    ['a---b', true],
    ['a.-b', false],
    ['a-.b', false],
    ['a._b', false],
    ['a..b', false],
    ['.a', false],
    ['a.', false],
    ['-a', false],
    ['a-', false],
    ['A', false],
    ['', false],
    ['é', false],
  ])('%j is a path component: %j', (input, valid) => {
    expect(isPathComponent(input)).toBe(valid);
    expect(pathComponentProblem(input) === undefined).toBe(valid);
  });

  it('explains an invalid component', () => {
    expect(pathComponentProblem('')).toContain('empty component');
    expect(pathComponentProblem('asdf$$^')).toBe(
      'path component "asdf$$^" contains "$"; only lowercase letters, digits, ".", "_" and "-" are allowed',
    );
    expect(pathComponentProblem('a..b')).toContain('must start and end with a lowercase letter or digit');
    expect(pathComponentProblem('x😀')).toContain('contains "😀"');
  });
});

describe('tag', () => {
  it.each([
    ['latest', undefined],
    ['Uppercase', undefined],
    ['_x', undefined],
    ['1.27-alpine', undefined],
    ['a'.repeat(128), undefined],
    ['a'.repeat(129), 'tag is longer than 128 characters (it has 129)'],
    ['', 'the tag after ":" is empty'],
    ['.x', 'the tag ".x" must start with a letter, a digit or "_"'],
    ['-x', 'the tag "-x" must start with a letter, a digit or "_"'],
    [
      'invalid~tag',
      'the tag "invalid~tag" contains "~"; tags may contain only letters, digits, "_", "." and "-"',
    ],
    ['é', 'the tag "é" contains "é"; tags may contain only letters, digits, "_", "." and "-"'],
  ])('%j: %j', (tag, problem) => {
    expect(tagProblem(tag)).toBe(problem);
  });
});
