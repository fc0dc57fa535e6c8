import { parseAuthChallenges } from './auth-challenge.js';

describe('parseAuthChallenges', () => {
  it("reads Docker Hub's bearer challenge", () => {
    expect(
      parseAuthChallenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/nginx:pull',
        },
      },
    ]);
  });

  it('reads Basic, token values, escapes, spaces and several challenges', () => {
    expect(parseAuthChallenges('Basic realm="Registry Realm"')).toEqual([
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
    ]);
    expect(parseAuthChallenges('Bearer realm = "a\\"b" , service=svc, Basic realm=x')).toEqual([
      { scheme: 'bearer', params: { realm: 'a"b', service: 'svc' } },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
    expect(parseAuthChallenges(['Basic realm="one"', 'Bearer realm="two"']).map((c) => c.scheme)).toEqual([
      'basic',
      'bearer',
    ]);
    expect(parseAuthChallenges('Negotiate')).toEqual([{ scheme: 'negotiate', params: {} }]);
  });

  it('gives what it could read of a malformed header, never throws', () => {
    expect(parseAuthChallenges(undefined)).toEqual([]);
    expect(parseAuthChallenges('')).toEqual([]);
    expect(parseAuthChallenges('Bearer realm="unterminated')).toEqual([{ scheme: 'bearer', params: {} }]);
    expect(parseAuthChallenges('"quoted first"')).toEqual([]);
  });
});
