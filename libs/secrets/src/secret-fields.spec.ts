import { isSecretName, REDACTED, withoutSecrets } from './secret-fields.js';

describe('withoutSecrets', () => {
  it('replaces credentials at any depth and keeps the rest', () => {
    expect(
      withoutSecrets({
        input: { ref: 'nginx', auth: { username: 'alice', password: 'p' }, platform: null },
        list: [{ identityToken: 't' }, { name: 'x' }],
        apiToken: 'abc',
        when: new Date(0),
      }),
    ).toEqual({
      input: { ref: 'nginx', auth: REDACTED, platform: null },
      list: [{ identityToken: REDACTED }, { name: 'x' }],
      apiToken: REDACTED,
      when: '1970-01-01T00:00:00.000Z',
    });
  });

  it('leaves absent secrets absent rather than inventing them', () => {
    expect(withoutSecrets({ auth: null, password: undefined })).toEqual({ auth: null, password: undefined });
  });
});

describe('withoutSecrets beyond plain data', () => {
  it('takes a value with its own toJSON (as registry-auth’s redact makes) as JSON does, never its fields', () => {
    const credentials = { username: 'alice', secretless: 'p' };
    Object.defineProperty(credentials, 'toJSON', { value: () => REDACTED, enumerable: false });
    expect(withoutSecrets({ registry: credentials })).toEqual({ registry: REDACTED });
  });

  it('keeps errors whole, for their message and stack', () => {
    const error = new Error('boom');
    expect((withoutSecrets({ err: error }) as { err: unknown }).err).toBe(error);
  });

  it('takes the credentials out of URLs in any field', () => {
    expect(withoutSecrets({ input: { url: 'https://user:pw@hooks.example.com/x?a=1' } })).toEqual({
      input: { url: `https://user:${REDACTED}@hooks.example.com/x?a=1` },
    });
    expect(withoutSecrets('see http://a-token@b/')).toBe(`see http://${REDACTED}@b/`);
    expect(withoutSecrets('redis://agent:pw@127.0.0.1:6379')).toBe(
      `redis://agent:${REDACTED}@127.0.0.1:6379`,
    );
  });

  it('names the secrets by their field names, whatever the case', () => {
    for (const name of [
      'authorization',
      'Authorization',
      'password',
      'identityToken',
      'registryToken',
      'apiKey',
      'credentials',
      'x-registry-auth',
      'x-registry-config',
    ])
      expect(isSecretName(name)).toBe(true);
    for (const name of ['ref', 'username', 'message', 'requestId']) expect(isSecretName(name)).toBe(false);
  });
});
