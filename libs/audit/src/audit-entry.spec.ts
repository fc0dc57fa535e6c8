import { REDACTED as REDACTED_VALUE } from '#libs/secrets';
import { auditArguments, MAX_AUDIT_ARGUMENTS_BYTES, TRUNCATED_MARKER } from './audit-entry.js';

describe('auditArguments', () => {
  it('keeps small arguments whole, secrets removed', () => {
    expect(auditArguments({ input: { ref: 'nginx', auth: { password: 'p' } } })).toEqual({
      input: { ref: 'nginx', auth: REDACTED_VALUE },
    });
  });

  it('cuts large arguments to the bound with a marker and the original size', () => {
    const huge = { input: { ref: 'é'.repeat(100_000), auth: { password: 'hunter2' } } };
    const stored = auditArguments(huge);
    expect(stored[TRUNCATED_MARKER]).toBe(true);
    expect(stored.originalBytes).toBeGreaterThan(200_000);
    expect(Buffer.byteLength(JSON.stringify(stored))).toBeLessThanOrEqual(MAX_AUDIT_ARGUMENTS_BYTES);
    expect(String(stored.prefix)).toMatch(/^\{"input":\{"ref":"é+$/);
    expect(JSON.stringify(stored)).not.toContain('hunter2');
  });
});

describe('auditArguments past the bound', () => {
  it('stays within the bound when the JSON it cuts is full of characters JSON escapes', () => {
    const stored = auditArguments({ tags: Array(3000).fill('"\\') });
    expect(stored[TRUNCATED_MARKER]).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(stored))).toBeLessThanOrEqual(MAX_AUDIT_ARGUMENTS_BYTES);
  });
});
