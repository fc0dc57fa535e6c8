import fc from 'fast-check';
import { parseProgressLine } from './progress-message.js';
import { capturedLines, type CapturedStream } from './testing/captured-streams.js';

describe('parseProgressLine', () => {
  it('reads a layer line with its progress detail', () => {
    const line =
      '{"status":"Downloading","progressDetail":{"current":131072,"total":10489193},"progress":"[\\u003e  ]  131.1kB/10.49MB","id":"392f249d80de"}\r';
    expect(parseProgressLine(line)).toEqual({
      kind: 'layer',
      layerId: '392f249d80de',
      status: 'Downloading',
      current: 131072,
      total: 10489193,
    });
    expect(parseProgressLine('{"status":"Waiting","progressDetail":{},"id":"0988a76e825f"}')).toEqual({
      kind: 'layer',
      layerId: '0988a76e825f',
      status: 'Waiting',
      current: null,
      total: null,
    });
  });

  it('treats `Pulling from` as a line about the image, although its id is the tag', () => {
    expect(parseProgressLine('{"status":"Pulling from stevedore-fixtures/large","id":"1"}')).toEqual({
      kind: 'status',
      status: 'Pulling from stevedore-fixtures/large',
      digest: null,
    });
  });

  it('finds the digest of a pull and of a push', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    expect(parseProgressLine(JSON.stringify({ status: `Digest: ${digest}` }))).toMatchObject({ digest });
    expect(parseProgressLine(JSON.stringify({ status: `v1.2: digest: ${digest} size: 947` }))).toMatchObject({
      kind: 'status',
      digest,
    });
    expect(
      parseProgressLine(JSON.stringify({ progressDetail: {}, aux: { Tag: '1', Digest: digest, Size: 947 } })),
    ).toEqual({ kind: 'aux', tag: '1', digest, size: 947 });
    expect(parseProgressLine('{"status":"Digest: not-a-digest"}')).toMatchObject({ digest: null });
  });

  it('reads errors, preferring errorDetail, and never misses one', () => {
    expect(parseProgressLine('{"errorDetail":{"message":"detail"},"error":"short"}')).toEqual({
      kind: 'error',
      message: 'detail',
    });
    expect(parseProgressLine('{"error":"only this","status":"Downloading","id":"a"}')).toEqual({
      kind: 'error',
      message: 'only this',
    });
    expect(parseProgressLine('{"errorDetail":{"code":1}}')).toMatchObject({ kind: 'error' });
    expect(parseProgressLine('{"status":"Waiting","id":"a","error":""}')).toMatchObject({ kind: 'layer' });
  });

  it('returns null for blank lines and malformed messages for the rest', () => {
    expect(parseProgressLine('')).toBeNull();
    expect(parseProgressLine(' \r')).toBeNull();
    expect(parseProgressLine('{"status":')).toMatchObject({ kind: 'malformed', reason: 'not JSON' });
    expect(parseProgressLine('[1]')).toMatchObject({ kind: 'malformed', reason: 'not a JSON object' });
    expect(parseProgressLine('{"progressDetail":{}}')).toMatchObject({ kind: 'malformed' });
    expect(parseProgressLine('x'.repeat(10_000))).toMatchObject({ line: 'x'.repeat(200) });
  });

  it('ignores byte counts that are not safe non-negative integers', () => {
    const line = '{"status":"Downloading","progressDetail":{"current":-1,"total":"10"},"id":"a"}';
    expect(parseProgressLine(line)).toMatchObject({ current: null, total: null });
  });

  it('never throws, whatever the line', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (line) => {
        parseProgressLine(line);
      }),
    );
  });

  it.each([
    'pull-large',
    'pull-layers-exist',
    'pull-registry-gone',
    'push-new-layer',
    'push-mounted',
    'push-auth-no-credentials',
  ] as CapturedStream[])('understands every line the daemon sent in %s', (name) => {
    const kinds = capturedLines(name).map((line) => parseProgressLine(line)?.kind);
    expect(kinds).not.toContain('malformed');
    expect(kinds).not.toContain(undefined);
  });
});
