import { retryDelay } from './webhook-deliveries.js';

describe('webhook retry delays', () => {
  it('grows exponentially from 1 s, with full jitter between half a second and the ceiling', () => {
    expect(retryDelay(1, undefined, () => 0)).toBe(500);
    expect(retryDelay(1, undefined, () => 1)).toBe(1_000);
    expect(retryDelay(4, undefined, () => 1)).toBe(8_000);
    expect(retryDelay(4, undefined, () => 0.5)).toBe(4_250);
  });

  it('never waits past 10 minutes', () => {
    expect(retryDelay(30, undefined, () => 1)).toBe(600_000);
  });
});
