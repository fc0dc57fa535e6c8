import { REDACTED_VALUE, withoutSecrets } from './audit-entry.js';

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
      input: { ref: 'nginx', auth: REDACTED_VALUE, platform: null },
      list: [{ identityToken: REDACTED_VALUE }, { name: 'x' }],
      apiToken: REDACTED_VALUE,
      when: '1970-01-01T00:00:00.000Z',
    });
  });

  it('leaves absent secrets absent rather than inventing them', () => {
    expect(withoutSecrets({ auth: null, password: undefined })).toEqual({ auth: null, password: undefined });
  });
});
