import { InvalidReferenceError } from '#libs/errors';
import { parseImageLookup } from './image-lookup.js';
import { parseReference } from './parse-reference.js';
import { toNormalizedString } from './reference-strings.js';

const HEX = 'dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';

describe('parseImageLookup (normalize_test.go TestParseAnyReference)', () => {
  it.each([
    ['redis', 'docker.io/library/redis'],
    ['redis:latest', 'docker.io/library/redis:latest'],
    ['docker.io/library/redis:latest', 'docker.io/library/redis:latest'],
    [`redis@sha256:${HEX}`, `docker.io/library/redis@sha256:${HEX}`],
    [`docker.io/library/redis@sha256:${HEX}`, `docker.io/library/redis@sha256:${HEX}`],
    ['dmcgowan/myapp', 'docker.io/dmcgowan/myapp'],
    ['dmcgowan/myapp:latest', 'docker.io/dmcgowan/myapp:latest'],
    ['docker.io/mcgowan/myapp:latest', 'docker.io/mcgowan/myapp:latest'],
    [`dmcgowan/myapp@sha256:${HEX}`, `docker.io/dmcgowan/myapp@sha256:${HEX}`],
    [`docker.io/dmcgowan/myapp@sha256:${HEX}`, `docker.io/dmcgowan/myapp@sha256:${HEX}`],
  ])('%j is the reference %j', (input, normalized) => {
    const lookup = parseImageLookup(input);
    expect(lookup.kind).toBe('reference');
    expect(lookup.kind === 'reference' && toNormalizedString(lookup.reference)).toBe(normalized);
  });

  it.each([HEX, `sha256:${HEX}`])('%j is an image id', (input) => {
    expect(parseImageLookup(input)).toEqual({ kind: 'id', id: `sha256:${HEX}` });
  });

  it('accepts the other digests go-digest registers as ids', () => {
    const sha512 = `sha512:${'a'.repeat(128)}`;
    expect(parseImageLookup(sha512)).toEqual({ kind: 'id', id: sha512 });
  });

  it.each([
    // 63 digits: Go parses it as a name (TestParseAnyReference); it may also be an id prefix.
    [HEX.slice(0, 63), HEX.slice(0, 63), `docker.io/library/${HEX.slice(0, 63)}`],
    ['dbcc1', 'dbcc1', 'docker.io/library/dbcc1'],
    ['1', '1', 'docker.io/library/1'],
    ['sha256:dbcc1', 'dbcc1', 'docker.io/library/sha256:dbcc1'],
  ])('%j is an id prefix %j or the name %j', (input, prefix, normalized) => {
    const lookup = parseImageLookup(input);
    expect(lookup).toEqual({ kind: 'idPrefixOrName', prefix, reference: parseReference(normalized) });
  });

  it.each([
    ['DBCC1', 'repository name must be lowercase'],
    [HEX.toUpperCase(), 'repository name must be lowercase'],
    [`sha256:${HEX}!`, 'contains "!"'],
  ])('%j is neither: %s', (input, reason) => {
    expect(() => parseImageLookup(input)).toThrow(InvalidReferenceError);
    expect(() => parseImageLookup(input)).toThrow(reason);
  });

  it('treats hex that is too long for an id as a name', () => {
    expect(parseImageLookup(`${HEX}0`)).toMatchObject({ kind: 'reference' });
  });

  it('gives uppercase hex after sha256: the reading Go gives it: repository "sha256", tag "<hex>"', () => {
    const lookup = parseImageLookup(`sha256:${HEX.toUpperCase()}`);
    expect(lookup).toEqual({ kind: 'reference', reference: parseReference(`sha256:${HEX.toUpperCase()}`) });
  });

  it('throws InvalidReferenceError for garbage', () => {
    expect(() => parseImageLookup('')).toThrow(InvalidReferenceError);
    expect(() => parseImageLookup('sha256:')).toThrow(InvalidReferenceError);
    expect(() => parseImageLookup(null as unknown as string)).toThrow(InvalidReferenceError);
  });
});
