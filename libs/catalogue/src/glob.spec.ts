import { DomainError } from '#libs/errors';
import { globToRegExp } from './glob.js';

describe('globToRegExp (Go path.Match semantics)', () => {
  it.each([
    ['acme/*', 'acme/app', true],
    ['acme/*', 'acme/team/app', false],
    ['acme/*:1.*', 'acme/app:1.2', true],
    ['acme/*:1.*', 'acme/app:2.0', false],
    ['*', 'nginx', true],
    ['*', 'acme/app', false],
    ['ngin?', 'nginx', true],
    ['ngin?', 'nginxx', false],
    ['app-[ab]', 'app-a', true],
    ['app-[^ab]', 'app-a', false],
    ['app-[^ab]', 'app-c', true],
    ['app-[a-c]:1', 'app-b:1', true],
    ['a.b', 'axb', false],
    ['a\\*', 'a*', true],
    ['a\\*', 'ab', false],
    ['127.0.0.1:5000/*', '127.0.0.1:5000/app', true],
  ])('%s against %s is %s', (pattern, text, expected) => {
    expect(globToRegExp(pattern).test(text)).toBe(expected);
  });

  it.each(['a[', 'a\\'])('rejects the malformed pattern %p as BAD_USER_INPUT', (pattern) => {
    expect(() => globToRegExp(pattern)).toThrow(DomainError);
    try {
      globToRegExp(pattern);
    } catch (error) {
      expect((error as DomainError).code).toBe('BAD_USER_INPUT');
    }
  });
});
