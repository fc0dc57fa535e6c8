import { BadUserInputError } from '#libs/errors';
import { DEFAULT_REFUSED_TARGETS, WebhookTargetPolicy } from './webhook-target-policy.js';

describe('webhook target policy', () => {
  const policy = new WebhookTargetPolicy({ allowed: [], refused: DEFAULT_REFUSED_TARGETS });

  it.each([
    '169.254.169.254',
    '127.0.0.1',
    '::1',
    '0.0.0.0',
    'fe80::1',
    '100.100.100.200',
    '::ffff:127.0.0.1',
    '::ffff:a9fe:a9fe',
  ])('refuses %s by default', (address) => expect(policy.permits(address)).toBe(false));

  it.each(['10.0.0.5', '192.168.1.10', '203.0.113.7', '2001:db8::1'])('permits %s by default', (address) =>
    expect(policy.permits(address)).toBe(true),
  );

  it('lets the allow list open a refused range, and nothing more', () => {
    const testing = new WebhookTargetPolicy({ allowed: ['127.0.0.1'], refused: DEFAULT_REFUSED_TARGETS });
    expect(testing.permits('127.0.0.1')).toBe(true);
    expect(testing.permits('127.0.0.2')).toBe(false);
    expect(testing.permits('169.254.169.254')).toBe(false);
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://127.0.0.1:3000/api/v1/admin',
    'http://[::1]/',
    'http://localhost:3000/',
    'ftp://example.com/',
    'https://user:pass@example.com/',
    'not a url',
  ])('refuses %s as BAD_USER_INPUT', async (url) => {
    await expect(policy.checkUrl(url)).rejects.toBeInstanceOf(BadUserInputError);
  });

  it('accepts an http(s) URL whose host is a permitted address', async () => {
    await expect(policy.checkUrl('https://203.0.113.7/hooks')).resolves.toBeInstanceOf(URL);
  });

  it('refuses a configuration that is not addresses', () => {
    expect(() => new WebhookTargetPolicy({ allowed: ['example.com'], refused: [] })).toThrow(/CIDR/);
  });
});
