import { BadUserInputError } from '#libs/errors';
import { untilOf } from './engine-image-changes.handlers.js';

describe("prune's until, as the daemon reads it", () => {
  const now = Date.parse('2026-12-02T12:00:00Z');

  it.each([
    ['24h', '2026-12-01T12:00:00.000Z'],
    ['1h30m', '2026-12-02T10:30:00.000Z'],
    ['1796212800', '2026-12-02T12:00:00.000Z'],
    ['2026-11-30T00:00:00Z', '2026-11-30T00:00:00.000Z'],
  ])('%s', (raw, expected) => {
    expect(untilOf(raw, now).toISOString()).toBe(expected);
  });

  it('refuses anything else', () => {
    expect(() => untilOf('yesterday', now)).toThrow(BadUserInputError);
  });
});
