/*
 * Test-only: Go's path.Match (src/path/match.go), transcribed as literally as possible, to check the
 * compiled matcher of ../glob.ts against.
 *
 * Go-to-JavaScript notes: Go walks bytes and decodes runes where it needs them; this walks code points
 * (the same on ASCII, which is all a reference can hold). One deliberate addition, marked below: a
 * reversed range is a bad pattern, as Stevedore wants it.
 */

/** Go's ErrBadPattern. */
export const BAD_PATTERN = 'bad pattern';

export function goPathMatch(patternText: string, nameText: string): boolean | typeof BAD_PATTERN {
  let pattern = Array.from(patternText);
  let name = Array.from(nameText);
  Pattern: while (pattern.length > 0) {
    let star: boolean;
    let chunk: string[];
    [star, chunk, pattern] = scanChunk(pattern);
    if (star && chunk.length === 0) {
      // Trailing * matches rest of string unless it has a /.
      return !name.includes('/');
    }
    // Look for match at current position.
    const [t, ok, err] = matchChunk(chunk, name);
    // if we're the last chunk, make sure we've exhausted the name
    // otherwise we'll give a false result even if we could still match
    // using the star
    if (ok && (t.length === 0 || pattern.length > 0)) {
      name = t;
      continue;
    }
    if (err) return BAD_PATTERN;
    if (star) {
      // Look for match skipping i+1 bytes.
      // Cannot skip /.
      for (let i = 0; i < name.length && name[i] !== '/'; i++) {
        const [t, ok, err] = matchChunk(chunk, name.slice(i + 1));
        if (ok) {
          // if we're the last chunk, make sure we exhausted the name
          if (pattern.length === 0 && t.length > 0) continue;
          name = t;
          continue Pattern;
        }
        if (err) return BAD_PATTERN;
      }
    }
    // Before returning false with no error,
    // check that the remainder of the pattern is syntactically valid.
    while (pattern.length > 0) {
      [, chunk, pattern] = scanChunk(pattern);
      if (matchChunk(chunk, [])[2]) return BAD_PATTERN;
    }
    return false;
  }
  return name.length === 0;
}

// scanChunk gets the next segment of pattern, which is a non-star string
// possibly preceded by a star.
function scanChunk(pattern: string[]): [star: boolean, chunk: string[], rest: string[]] {
  let star = false;
  while (pattern.length > 0 && pattern[0] === '*') {
    pattern = pattern.slice(1);
    star = true;
  }
  let inrange = false;
  for (let i = 0; i < pattern.length; i++) {
    switch (pattern[i]) {
      case '\\':
        // error check handled in matchChunk: bad pattern.
        if (i + 1 < pattern.length) i++;
        break;
      case '[':
        inrange = true;
        break;
      case ']':
        inrange = false;
        break;
      case '*':
        if (!inrange) return [star, pattern.slice(0, i), pattern.slice(i)];
    }
  }
  return [star, pattern, []];
}

// matchChunk checks whether chunk matches the beginning of s.
// If so, it returns the remainder of s (after the match).
// Chunk is all single-character operators: literals, char classes, and ?.
function matchChunk(chunk: string[], s: string[]): [rest: string[], ok: boolean, err: boolean] {
  // failed records whether the match has failed.
  // After the match fails, the loop continues on processing chunk,
  // checking that the pattern is well-formed but no longer reading s.
  let failed = false;
  while (chunk.length > 0) {
    if (!failed && s.length === 0) failed = true;
    switch (chunk[0]) {
      case '[': {
        // character class
        let r = '';
        if (!failed) {
          r = s[0]!;
          s = s.slice(1);
        }
        chunk = chunk.slice(1);
        // possibly negated
        let negated = false;
        if (chunk.length > 0 && chunk[0] === '^') {
          negated = true;
          chunk = chunk.slice(1);
        }
        // parse all ranges
        let match = false;
        let nrange = 0;
        for (;;) {
          if (chunk.length > 0 && chunk[0] === ']' && nrange > 0) {
            chunk = chunk.slice(1);
            break;
          }
          let lo: number, hi: number, err: boolean;
          [lo, chunk, err] = getEsc(chunk);
          if (err) return [[], false, true];
          hi = lo;
          if (chunk[0] === '-') {
            [hi, chunk, err] = getEsc(chunk.slice(1));
            if (err) return [[], false, true];
          }
          // Stevedore's addition: Go lets a reversed range match nothing.
          if (hi < lo) return [[], false, true];
          const rune = r === '' ? 0 : r.codePointAt(0)!;
          if (lo <= rune && rune <= hi) match = true;
          nrange++;
        }
        if (match === negated) failed = true;
        break;
      }
      case '?':
        if (!failed) {
          if (s[0] === '/') failed = true;
          s = s.slice(1);
        }
        chunk = chunk.slice(1);
        break;
      default:
        // Go: case '\\' strips the backslash, then falls through to default.
        if (chunk[0] === '\\') {
          chunk = chunk.slice(1);
          if (chunk.length === 0) return [[], false, true];
        }
        if (!failed) {
          if (chunk[0] !== s[0]) failed = true;
          s = s.slice(1);
        }
        chunk = chunk.slice(1);
    }
  }
  if (failed) return [[], false, false];
  return [s, true, false];
}

// getEsc gets a possibly-escaped character from chunk, for a character class.
function getEsc(chunk: string[]): [r: number, nchunk: string[], err: boolean] {
  if (chunk.length === 0 || chunk[0] === '-' || chunk[0] === ']') return [0, chunk, true];
  if (chunk[0] === '\\') {
    chunk = chunk.slice(1);
    if (chunk.length === 0) return [0, chunk, true];
  }
  const r = chunk[0]!.codePointAt(0)!;
  const nchunk = chunk.slice(1);
  return [r, nchunk, nchunk.length === 0];
}
