import { failureOf, rateLimitOf, retryAfterSeconds } from './registry-failure.js';

describe('failureOf', () => {
  const code = (status: number, body = '', retryAfter?: string) =>
    failureOf('r.example', status, body, 'the tag 1 of app', retryAfter).code;

  it('maps statuses and Distribution error codes to the contract codes', () => {
    expect(code(404)).toBe('MANIFEST_UNKNOWN');
    expect(code(400, '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')).toBe(
      'MANIFEST_UNKNOWN',
    );
    expect(code(401)).toBe('REGISTRY_UNAUTHORIZED');
    expect(code(403, '{"errors":[{"code":"DENIED"}]}')).toBe('REGISTRY_UNAUTHORIZED');
    expect(code(429)).toBe('RATE_LIMITED');
    expect(code(405)).toBe('UNSUPPORTED');
    expect(code(500, '<html>')).toBe('REGISTRY_UNREACHABLE');
    expect(code(503)).toBe('REGISTRY_UNREACHABLE');
  });

  it('names the registry and what was asked, and carries Retry-After', () => {
    const error = failureOf('r.example', 429, '', 'the tag 1 of app', '30') as { retryAfterSeconds?: number };
    expect(error.retryAfterSeconds).toBe(30);
    expect(failureOf('r.example', 404, '', 'tag 1 of app', undefined).message).toBe(
      'The registry r.example has no tag 1 of app.',
    );
  });
});

describe('retryAfterSeconds', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterSeconds('12')).toBe(12);
    expect(retryAfterSeconds(undefined)).toBeUndefined();
    expect(retryAfterSeconds('soon')).toBeUndefined();
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    expect(retryAfterSeconds(inAMinute)).toBeGreaterThanOrEqual(58);
  });
});

describe('rateLimitOf', () => {
  it("reads Docker Hub's RateLimit headers", () => {
    expect(rateLimitOf({ 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600' })).toEqual({
      limit: 100,
      remaining: 76,
      windowSeconds: 21600,
    });
    expect(rateLimitOf({ 'ratelimit-limit': '100' })).toBeUndefined();
    expect(rateLimitOf({})).toBeUndefined();
  });
});
