import { BadUserInputError } from '#libs/errors';

/** A compiled reference filter glob. */
export interface Glob {
  matches(text: string): boolean;
}

/** One code point's worth of pattern: a literal, `?`, or a `[...]` class. */
type Token =
  | { readonly kind: 'literal'; readonly char: number }
  | { readonly kind: 'any' }
  | {
      readonly kind: 'class';
      readonly negated: boolean;
      readonly ranges: readonly (readonly [number, number])[];
    };

/** A run of tokens, after a (collapsed) run of stars or not: Go's scanChunk. */
interface Segment {
  readonly star: boolean;
  readonly chunk: readonly Token[];
}

const SLASH = 0x2f;

/**
 * Compiles a glob with the semantics of Go's path.Match, which the daemon uses for
 * `--filter reference=`: `*` and `?` never cross a `/`, `[...]` is a character class
 * (`[^...]` negated), and `\` escapes the next character. The whole pattern is validated here,
 * with Go's rules for malformed patterns plus one of our own: a reversed range (`[z-a]`).
 *
 * Matching is Go's algorithm, not a regular expression: each chunk takes the leftmost place it fits
 * after the star before it, and is never revisited. A chunk has a fixed length, so matching costs at
 * most (text length + 1) × (pattern length) steps, whatever the pattern.
 */
export function compileGlob(pattern: string): Glob {
  const segments = parse(pattern);
  return { matches: (text) => matchSegments(segments, codePointsOf(text)) };
}

function matchSegments(segments: readonly Segment[], text: readonly number[]): boolean {
  let position = 0;
  for (let index = 0; index < segments.length; index++) {
    const { star, chunk } = segments[index]!;
    const last = index === segments.length - 1;
    // A trailing star takes the rest, unless the rest crosses a `/`.
    if (star && chunk.length === 0) return !text.includes(SLASH, position);
    // The last chunk must also end the text.
    const fits = (start: number) => {
      const end = matchChunk(chunk, text, start);
      return end !== -1 && (!last || end === text.length) ? end : -1;
    };
    let end = fits(position);
    if (star) {
      for (let start = position; end === -1 && start < text.length && text[start] !== SLASH; start++) {
        end = fits(start + 1);
      }
    }
    if (end === -1) return false;
    position = end;
  }
  return position === text.length;
}

/** Where the chunk ends when it matches text from start, else -1. */
function matchChunk(chunk: readonly Token[], text: readonly number[], start: number): number {
  if (start + chunk.length > text.length) return -1;
  for (let offset = 0; offset < chunk.length; offset++) {
    if (!accepts(chunk[offset]!, text[start + offset]!)) return -1;
  }
  return start + chunk.length;
}

function accepts(token: Token, char: number): boolean {
  switch (token.kind) {
    case 'literal':
      return token.char === char;
    case 'any':
      return char !== SLASH;
    case 'class':
      // As in Go, a class may match a `/`.
      return token.ranges.some(([lo, hi]) => lo <= char && char <= hi) !== token.negated;
  }
}

function parse(pattern: string): Segment[] {
  const chars = codePointsOf(pattern);
  const segments: Segment[] = [];
  let current: { star: boolean; chunk: Token[] } = { star: false, chunk: [] };
  let index = 0;

  const classChar = (role: 'first' | 'lo' | 'hi', lo?: number): number => {
    const char = chars[index];
    if (char === undefined) throw badPattern(pattern, 'a [ is not closed');
    if (char === 0x5d /* ] */) {
      if (role === 'hi') throw badPattern(pattern, `the range "${String.fromCodePoint(lo!)}-" has no end`);
      throw badPattern(pattern, 'a character class is empty (a literal ] is written \\])');
    }
    if (char === 0x2d /* - */)
      throw badPattern(pattern, 'a - in a character class must be escaped (\\-) unless it separates a range');
    index++;
    if (char !== 0x5c /* \ */) return char;
    const escaped = chars[index++];
    if (escaped === undefined) throw badPattern(pattern, 'it ends with a lone backslash');
    return escaped;
  };

  while (index < chars.length) {
    const char = chars[index++]!;
    if (char === 0x2a /* * */) {
      if (current.chunk.length > 0) {
        segments.push(current);
        current = { star: true, chunk: [] };
      } else current.star = true;
    } else if (char === 0x3f /* ? */) current.chunk.push({ kind: 'any' });
    else if (char === 0x5c /* \ */) {
      const escaped = chars[index++];
      if (escaped === undefined) throw badPattern(pattern, 'it ends with a lone backslash');
      current.chunk.push({ kind: 'literal', char: escaped });
    } else if (char === 0x5b /* [ */) {
      const negated = chars[index] === 0x5e; /* ^ */
      if (negated) index++;
      const ranges: [number, number][] = [];
      for (;;) {
        if (ranges.length > 0 && chars[index] === 0x5d /* ] */) {
          index++;
          break;
        }
        const lo = classChar(ranges.length === 0 ? 'first' : 'lo');
        let hi = lo;
        if (chars[index] === 0x2d /* - */) {
          index++;
          hi = classChar('hi', lo);
        }
        // Go accepts a reversed range and lets it match nothing; it is surely a mistake.
        if (hi < lo) {
          const range = `${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}`;
          throw badPattern(pattern, `the range "${range}" is reversed`);
        }
        ranges.push([lo, hi]);
      }
      current.chunk.push({ kind: 'class', negated, ranges });
    } else current.chunk.push({ kind: 'literal', char });
  }
  if (current.star || current.chunk.length > 0) segments.push(current);
  return segments;
}

function codePointsOf(text: string): number[] {
  const codePoints: number[] = [];
  for (let index = 0; index < text.length; index++) {
    const codePoint = text.codePointAt(index)!;
    codePoints.push(codePoint);
    if (codePoint > 0xffff) index++;
  }
  return codePoints;
}

function badPattern(pattern: string, why: string): BadUserInputError {
  return new BadUserInputError(
    `The reference filter ${JSON.stringify(pattern)} is not a valid glob: ${why}.`,
  );
}
