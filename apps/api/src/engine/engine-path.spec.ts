import { compareApiVersions, parseEnginePath } from './engine-path.js';

describe('Engine API paths', () => {
  it.each([
    ['/engine/_ping', { host: undefined, version: null, path: '/_ping' }],
    ['/engine/v1.41/images/json', { host: undefined, version: '1.41', path: '/images/json' }],
    ['/engine', { host: undefined, version: null, path: '/' }],
    [
      '/hosts/edge%2D1/engine/v1.40/images/127.0.0.1:5000/team/app:1/json',
      { host: 'edge-1', version: '1.40', path: '/images/127.0.0.1:5000/team/app:1/json' },
    ],
  ])('reads %s', (path, expected) => {
    expect(parseEnginePath(path)).toEqual(expected);
  });

  it.each(['/api/v1/images', '/engines/_ping', '/hosts/engine/_ping', '/hosts/a/b/engine/_ping'])(
    'leaves %s to other routes',
    (path) => expect(parseEnginePath(path)).toBeNull(),
  );

  it('orders API versions by number, not text', () => {
    expect(compareApiVersions('1.9', '1.41')).toBe(-1);
    expect(compareApiVersions('1.41', '1.41')).toBe(0);
    expect(compareApiVersions('2.0', '1.41')).toBe(1);
  });
});
