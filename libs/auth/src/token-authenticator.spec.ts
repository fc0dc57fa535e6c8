import { DomainError } from '#libs/errors';
import { roleAllows } from './roles.js';
import { TokenAuthenticator, generateToken } from './token-authenticator.js';

const READ = 'read-token-0123456789';
const ADMIN = 'admin-token-0123456789';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a domain error';
  }
  return undefined;
}

describe('TokenAuthenticator', () => {
  const authenticator = new TokenAuthenticator([
    { role: 'read', token: READ },
    { role: 'admin', token: ADMIN },
  ]);

  it('knows each token by its role and a fingerprint that does not reveal it', () => {
    const principal = authenticator.authenticate(`Bearer ${READ}`);
    expect(principal.role).toBe('read');
    expect(principal.fingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(READ).not.toContain(principal.fingerprint);
    expect(authenticator.authenticate(`bearer   ${ADMIN}`).role).toBe('admin');
  });

  it.each([undefined, '', 'Bearer', `Basic ${READ}`, `Bearer ${READ}x`, `Bearer ${READ.slice(0, -1)}`, READ])(
    'refuses %p as UNAUTHENTICATED',
    (header) => {
      expect(codeOf(() => authenticator.authenticate(header))).toBe('UNAUTHENTICATED');
    },
  );

  it('orders roles read < write < admin', () => {
    expect(roleAllows('admin', 'write')).toBe(true);
    expect(roleAllows('write', 'read')).toBe(true);
    expect(roleAllows('read', 'write')).toBe(false);
    expect(roleAllows('write', 'admin')).toBe(false);
  });

  it('generates long random tokens', () => {
    const token = generateToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateToken()).not.toBe(token);
  });
});
