import { BadUserInputError } from '#libs/errors';

/**
 * Compiles a glob with the semantics of Go's path.Match, which the daemon uses for
 * `--filter reference=`: `*` and `?` never cross a `/`, `[...]` is a character class
 * (`[^...]` negated), and `\` escapes the next character.
 */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '\\') {
      const next = pattern[++index];
      if (next === undefined) throw badPattern(pattern, 'it ends with a lone backslash');
      source += escapeRegExp(next);
    } else if (char === '[') {
      const end = pattern.indexOf(']', index + 2);
      if (end === -1) throw badPattern(pattern, 'a [ is not closed');
      let body = pattern.slice(index + 1, end);
      const negated = body.startsWith('^');
      if (negated) body = body.slice(1);
      source += `[${negated ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      index = end;
    } else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, 'u');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function badPattern(pattern: string, why: string): BadUserInputError {
  return new BadUserInputError(
    `The reference filter ${JSON.stringify(pattern)} is not a valid glob: ${why}.`,
  );
}
