import fc from 'fast-check';
import { InvalidReferenceError } from '#libs/errors';
import { parseImageLookup } from './image-lookup.js';
import type { ImageReference } from './image-reference.js';
import { parseReference } from './parse-reference.js';
import { toFamiliarString, toNormalizedString } from './reference-strings.js';
import { goParseNormalizedNamed } from './testing/go-reference-oracle.js';

const chars = (text: string) => fc.constantFrom(...text);
const hex = (length: number) =>
  fc.string({ unit: chars('0123456789abcdef'), minLength: length, maxLength: length });

/**
 * References built production by production from the grammar of reference.go. With `nearMisses`, each
 * production sometimes yields an almost-valid value instead (a bad separator, a label ending in '-', a 129-char
 * tag, a 63-digit digest...), so that the differential tests hit every boundary with everything else valid.
 */
function grammar(nearMisses: boolean) {
  const maybe = <T>(valid: fc.Arbitrary<T>, invalid: T[]) =>
    nearMisses
      ? fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: fc.constantFrom(...invalid), weight: 1 })
      : valid;

  const alphaNumeric = fc.string({ unit: chars('abcmz0189'), minLength: 1, maxLength: 5 });
  const separator = maybe(fc.constantFrom('.', '_', '__', '-', '--', '---'), [
    '___',
    '..',
    '._',
    '_.',
    '-.',
    '.-',
    '_-',
    '/',
  ]);
  const pathComponent = fc
    .tuple(alphaNumeric, fc.array(fc.tuple(separator, alphaNumeric), { maxLength: 3 }))
    .map(([first, rest]) => first + rest.map(([sep, alnum]) => sep + alnum).join(''));
  const path = fc
    .array(maybe(pathComponent, ['', 'A', '-a', 'a-', '_a', 'a_', '.a', 'a.']), {
      minLength: 1,
      maxLength: 4,
    })
    .map((components) => components.join('/'));
  const domainComponent = maybe(fc.stringMatching(/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?$/), [
    '',
    '-a',
    'a-',
    'a_b',
  ]);
  const host = fc.oneof(
    fc.array(domainComponent, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')),
    fc.ipV4(),
    fc
      .ipV6()
      .filter((address) => !address.includes('.'))
      .map((address) => `[${address}]`),
    fc.constantFrom('localhost', 'docker.io', 'index.docker.io', 'Registry', 'registry.example'),
    ...(nearMisses
      ? [fc.constantFrom('[]', '[::1', '::1', '[fe80::1%eth0]', '[::ffff:1.2.3.4]', 'foo_bar.com')]
      : []),
  );
  const port = maybe(
    fc.nat({ max: 99999 }).map((n) => `:${n}`),
    [':', ':http', '::80', ':1:2'],
  );
  const domain = fc
    .tuple(host, fc.option(port, { nil: undefined }))
    .map(([name, suffix]) => (suffix === undefined ? name : name + suffix));
  const wordChars = 'abzABZ019_';
  const tag = maybe(
    fc
      .tuple(chars(wordChars), fc.string({ unit: chars(`${wordChars}.-`), maxLength: 127 }))
      .map(([first, rest]) => first + rest),
    ['', '.a', '-a', 'a~b', 'b'.repeat(129), 'b'.repeat(128)],
  );
  const digest = maybe(
    fc.oneof(
      hex(64).map((h) => `sha256:${h}`),
      hex(96).map((h) => `sha384:${h}`),
      hex(128).map((h) => `sha512:${h}`),
    ),
    [
      `sha256:${'f'.repeat(63)}`,
      `sha256:${'f'.repeat(65)}`,
      `sha256:${'F'.repeat(64)}`,
      `sha512:${'f'.repeat(64)}`,
    ],
  );
  const reference = fc
    .record({
      domain: fc.option(domain, { nil: undefined }),
      path,
      tag: fc.option(tag, { nil: undefined }),
      digest: fc.option(digest, { nil: undefined }),
    })
    .map(
      (parts) =>
        (parts.domain === undefined ? '' : `${parts.domain}/`) +
        parts.path +
        (parts.tag === undefined ? '' : `:${parts.tag}`) +
        (parts.digest === undefined ? '' : `@${parts.digest}`),
    );
  return { domain, path, tag, digest, reference };
}

const valid = grammar(false);
const grammarReference = valid.reference.filter((reference) => !/^[a-f0-9]{64}$/.test(reference));
const nearMissReference = grammar(true).reference;

// Strings assembled from pieces of the grammar, so that random inputs land near the interesting boundaries.
const fragment = fc.constantFrom(
  ...['a', 'b', 'z', '0', '9', 'A', 'Z', '.', '_', '__', '-', '--', '/', '/', ':', ':', '@', '[', ']', '::1'],
  ...[
    'localhost',
    'docker.io',
    'index.docker.io',
    'library',
    '5000',
    'sha256:',
    'sha384:',
    'sha512:',
    'md5:',
  ],
  ...[
    'f'.repeat(32),
    'f'.repeat(64),
    'F'.repeat(64),
    'b'.repeat(60),
    ' ',
    '%',
    'é',
    'İ',
    'K',
    '😀',
    '\n',
    '\u0000',
  ],
);
const nearGrammar = fc.array(fragment, { maxLength: 14 }).map((pieces) => pieces.join(''));
// Short strings over the grammar's punctuation, dense enough to try every separator and port combination.
const punctuation = fc.string({ unit: chars('a0A._-/:@[]'), maxLength: 16 });
const mutated = fc
  .tuple(grammarReference, fc.array(fc.tuple(fc.nat(), fc.nat(2), fragment), { minLength: 1, maxLength: 3 }))
  .map(([reference, edits]) =>
    edits.reduce((text, [at, kind, piece]) => {
      const i = at % (text.length + 1);
      if (kind === 0) return text.slice(0, i) + piece + text.slice(i); // insert
      if (kind === 1) return text.slice(0, i) + text.slice(i + 1); // delete
      return text.slice(0, i) + piece + text.slice(i + 1); // replace
    }, reference),
  );

/** The parse result, or 'invalid' when parseReference throws InvalidReferenceError; any other error escapes. */
function outcome(input: string): ImageReference | 'invalid' {
  try {
    return parseReference(input);
  } catch (error) {
    if (error instanceof InvalidReferenceError) return 'invalid';
    throw error;
  }
}

function agreesWithGo(input: string): void {
  expect(outcome(input)).toEqual(goParseNormalizedNamed(input) ?? 'invalid');
}

describe('parseReference properties', () => {
  it('parses every reference the grammar generates, and agrees with the Go parser on it', () => {
    fc.assert(
      fc.property(grammarReference, (input) => {
        expect(outcome(input)).not.toBe('invalid');
        agreesWithGo(input);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps the registry, path, tag and digest a generated reference was built from', () => {
    fc.assert(
      fc.property(valid.domain, valid.path, fc.option(valid.tag), fc.option(valid.digest), (d, p, t, g) => {
        // Only a first component with '.', ':', uppercase, or "localhost" is read as a registry.
        fc.pre(d === 'localhost' || /[.:A-Z]/.test(d));
        const ref = parseReference(`${d}/${p}${t === null ? '' : `:${t}`}${g === null ? '' : `@${g}`}`);
        const expectedDomain = d === 'index.docker.io' ? 'docker.io' : d;
        const expectedPath = expectedDomain === 'docker.io' && !p.includes('/') ? `library/${p}` : p;
        expect(ref).toEqual({
          domain: expectedDomain,
          path: expectedPath,
          ...(t === null ? {} : { tag: t }),
          ...(g === null ? {} : { digest: g }),
        });
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips: the normalised string is stable and the familiar string parses back to the same reference', () => {
    fc.assert(
      fc.property(grammarReference, (input) => {
        const ref = parseReference(input);
        const normalized = toNormalizedString(ref);
        expect(parseReference(normalized)).toEqual(ref);
        expect(toNormalizedString(parseReference(normalized))).toBe(normalized);
        expect(parseReference(toFamiliarString(ref))).toEqual(ref);
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['near-miss references', nearMissReference],
    ['near-grammar strings', nearGrammar],
    ['grammar punctuation', punctuation],
    ['mutated valid references', mutated],
    ['arbitrary strings', fc.string({ maxLength: 40 })],
    ['arbitrary code points', fc.string({ unit: 'binary', maxLength: 40 })],
    ['arbitrary graphemes', fc.string({ unit: 'grapheme', maxLength: 20 })],
  ])('%s: parses or throws InvalidReferenceError, exactly where the Go parser does', (_name, strings) => {
    fc.assert(
      fc.property(strings, (input) => {
        agreesWithGo(input);
        // parseImageLookup adds id classification on top, and must keep to the same single error type.
        try {
          parseImageLookup(input);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidReferenceError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseReference on long adversarial input', () => {
  const N = 200_000;
  const inputs: [string, string][] = [
    ['alphanumerics then "!"', `${'a'.repeat(N)}!`],
    ['dash-separated components then "!"', `${'a-'.repeat(N)}!`],
    ['underscore runs', `a${'_a'.repeat(N)}__!`],
    ['a huge valid domain', `${'a.'.repeat(N)}a/x`],
    ['a huge domain with an empty label', `${'a.'.repeat(N)}.a/x`],
    ['a huge domain of dash-ended labels', `${'a-.'.repeat(N)}/x`],
    ['many path components', `${'a/'.repeat(N)}a`],
    ['a huge port', `host:${'1'.repeat(N)}x/app`],
    ['an unclosed IPv6 host', `[${':'.repeat(N)}`],
    ['a huge IPv6 host', `[${'a:'.repeat(N)}]/x`],
    ['colons', ':'.repeat(N)],
    ['at signs', '@'.repeat(N)],
    ['a huge digest', `a@sha256:${'f'.repeat(N)}`],
    ['a huge tag', `a:${'b'.repeat(N)}`],
    ['uppercase', 'A'.repeat(N)],
    ['digits that look like an id', '0'.repeat(N)],
    ['control characters', '\u0000'.repeat(N)],
    ['surrogate pairs', '😀'.repeat(N)],
  ];

  it.each(inputs)('%s: answers within 500 ms', (_name, input) => {
    const started = performance.now();
    const result = outcome(input);
    expect(performance.now() - started).toBeLessThan(500);
    if (result === 'invalid') {
      // The message quotes a bounded prefix, not the whole input.
      expect(() => parseReference(input)).toThrow(/characters\)"/);
    }
  });

  // The verbatim Go patterns throw "RangeError: Maximum call stack size exceeded" in V8 on these.
  it.each([
    ['dash-separated', `${'a-'.repeat(5_000_000)}!`],
    ['underscore-separated', `${'a_'.repeat(5_000_000)}!`],
  ])('survives 10M characters of %s components that overflow a backtracking regexp', (_name, input) => {
    const started = performance.now();
    expect(outcome(input)).toBe('invalid');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('accepts a huge but valid domain, as Go does (the domain has no length limit)', () => {
    expect(outcome(`${'a.'.repeat(N)}a/x`)).toMatchObject({ path: 'x' });
  });
});
