import { checkSignature, signatureOf } from './webhook-signature.js';

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = '{"id":"1"}';

  it('verifies what it signed, within the tolerance', () => {
    const header = signatureOf(secret, 1_000, body);
    expect(header).toMatch(/^t=1000,v1=[0-9a-f]{64}$/);
    expect(checkSignature(header, secret, body, { nowSeconds: 1_010 })).toBe('valid');
  });

  it('refuses a changed body, another secret, an old timestamp and a malformed header', () => {
    const header = signatureOf(secret, 1_000, body);
    expect(checkSignature(header, secret, '{"id":"2"}', { nowSeconds: 1_000 })).toBe('mismatch');
    expect(checkSignature(header, 'other', body, { nowSeconds: 1_000 })).toBe('mismatch');
    expect(checkSignature(header, secret, body, { nowSeconds: 2_000 })).toBe('too-old');
    expect(checkSignature('v1=abc', secret, body)).toBe('malformed');
    expect(checkSignature(undefined, secret, body)).toBe('malformed');
  });

  it('signs the timestamp with the body: a replayed body under a new timestamp does not verify', () => {
    const header = signatureOf(secret, 1_000, body).replace('t=1000', 't=1500');
    expect(checkSignature(header, secret, body, { nowSeconds: 1_500 })).toBe('mismatch');
  });
});
