import { DomainError } from '#libs/errors';
import { compileGlob } from './glob.js';

describe('compileGlob (Go path.Match semantics)', () => {
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
    // Runs of stars are one star.
    ['a**b', 'axyb', true],
    ['***', '', true],
    ['*/**', 'acme/app', true],
    ['', '', true],
    ['', 'a', false],
    ['?', '/', false],
    ['?', 'é', true],
    // Classes: escapes inside, `*` and `^` as members, and (as in Go) a class may match `/`.
    ['[\\]]', ']', true],
    ['[a\\-z]', '-', true],
    ['[a\\-z]', 'b', false],
    ['[\\a-\\c]', 'b', true],
    ['[*]', '*', true],
    ['[*]', 'a', false],
    ['[a^]', '^', true],
    ['[^^]', '^', false],
    ['a[/]b', 'a/b', true],
    ['a[^x]b', 'a/b', true],
    ['a[b-b]', 'ab', true],
    ['*[0-9]', 'app:1', true],
    ['*:*', 'acme:1', true],
    ['*a*b*c', 'xaybzc', true],
    ['*a*b*c', 'xaybz', false],
    // Go commits each chunk to the leftmost place it fits, even when a later one would let a `/`
    // be matched by a class: the daemon answers false here, so do we.
    ['*[^a]*c', 'x/c', false],
    ['*[^a]c', 'x/c', true],
  ])('%s against %s is %s', (pattern, text, expected) => {
    expect(compileGlob(pattern).matches(text)).toBe(expected);
  });

  it.each([
    ['a[', 'a [ is not closed'],
    ['a[b', 'a [ is not closed'],
    ['a[b-', 'a [ is not closed'],
    ['a\\', 'lone backslash'],
    ['[a\\', 'lone backslash'],
    ['[]', 'empty'],
    ['[]a]', 'empty'],
    ['[^]', 'empty'],
    ['[a-]', 'has no end'],
    ['[-a]', 'must be escaped'],
    ['[a-b-c]', 'must be escaped'],
    ['[z-a]', 'the range "z-a" is reversed'],
    ['app-[c-a]*', 'the range "c-a" is reversed'],
  ])('rejects the malformed pattern %p as BAD_USER_INPUT (%s)', (pattern, why) => {
    let thrown: unknown;
    try {
      compileGlob(pattern);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect((thrown as DomainError).code).toBe('BAD_USER_INPUT');
    expect((thrown as DomainError).message).toContain(JSON.stringify(pattern));
    expect((thrown as DomainError).message).toContain(why);
  });

  it('validates the whole pattern when compiling, not as far as a match happens to read', () => {
    // The text would fail on `a` before the bad class is reached.
    expect(() => compileGlob('a*[z-a]')).toThrow(DomainError);
    expect(() => compileGlob('*x[')).toThrow(DomainError);
  });
});
