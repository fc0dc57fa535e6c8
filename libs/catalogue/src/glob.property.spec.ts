import fc from 'fast-check';
import { BadUserInputError } from '#libs/errors';
import { compileGlob } from './glob.js';
import { BAD_PATTERN, goPathMatch } from './testing/go-path-match.js';

const SEED = 20_240_611;
const chars = (text: string) => fc.constantFrom(...text);

/** Every character the glob syntax gives a meaning to, and a few plain ones. */
const syntax = 'ab/*?[]-^\\';
const rawPattern = fc.string({ unit: chars(syntax), maxLength: 10 });

/** Patterns built piece by piece, mostly well-formed, sometimes with one slip inside a class. */
const classMember = fc.oneof(
  { arbitrary: chars('abz/*?[^'), weight: 6 },
  { arbitrary: chars('-]\\ab/').map((char) => `\\${char}`), weight: 3 },
  { arbitrary: chars('-]\\'), weight: 1 },
);
const classItem = fc.oneof(
  { arbitrary: classMember, weight: 3 },
  { arbitrary: fc.tuple(classMember, classMember).map(([lo, hi]) => `${lo}-${hi}`), weight: 2 },
);
const piece = fc.oneof(
  { arbitrary: chars('ab/-^]:.'), weight: 6 },
  { arbitrary: chars(syntax).map((char) => `\\${char}`), weight: 1 },
  { arbitrary: fc.constantFrom('?', '*', '**'), weight: 4 },
  {
    arbitrary: fc
      .tuple(fc.boolean(), fc.array(classItem, { minLength: 1, maxLength: 3 }))
      .map(([negated, items]) => `[${negated ? '^' : ''}${items.join('')}]`),
    weight: 3,
  },
);
const builtPattern = fc.array(piece, { maxLength: 6 }).map((pieces) => pieces.join(''));
const text = fc.string({ unit: chars('ab/-^]*?[:.z'), maxLength: 8 });

/**
 * A pattern with texts to match against it: random ones, and ones written from the pattern itself
 * (a star becomes a few characters, a class its first member), which mostly match.
 */
const withText = (patterns: fc.Arbitrary<string>) =>
  patterns.chain((pattern) =>
    fc.tuple(
      fc.constant(pattern),
      fc.oneof(
        text,
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }).map((r) => sampleOf(pattern, r)),
      ),
    ),
  );

function sampleOf(pattern: string, random: readonly number[]): string {
  const p = Array.from(pattern);
  let draws = 0;
  const pick = (options: readonly string[]) => options[random[draws++ % random.length]! % options.length]!;
  let out = '';
  for (let index = 0; index < p.length; index++) {
    if (p[index] === '*') out += pick(['', 'a', 'ba', 'b/']);
    else if (p[index] === '?') out += pick(['a', 'b', '-']);
    else if (p[index] === '\\') out += p[++index] ?? '';
    else if (p[index] === '[') {
      if (p[++index] === '^') index++;
      if (p[index] === '\\') index++;
      out += p[index] ?? '';
      for (index++; index < p.length && p[index] !== ']'; index++) if (p[index] === '\\') index++;
    } else out += p[index];
  }
  return out;
}

type Outcome = boolean | typeof BAD_PATTERN;

function outcome(pattern: string, input: string): Outcome {
  try {
    return compileGlob(pattern).matches(input);
  } catch (error) {
    if (!(error instanceof BadUserInputError)) throw error;
    return BAD_PATTERN;
  }
}

/**
 * The documented meaning of a well-formed pattern, by plain backtracking over every split of the
 * text (exponential: small inputs only). Go's leftmost placement of chunks agrees with it unless a
 * class can match `/`.
 */
function documentedMatch(pattern: string, input: string): boolean {
  const p = Array.from(pattern);
  const t = Array.from(input);
  const from = (pi: number, ti: number): boolean => {
    if (pi === p.length) return ti === t.length;
    if (p[pi] === '*') return from(pi + 1, ti) || (ti < t.length && t[ti] !== '/' && from(pi, ti + 1));
    if (ti === t.length) return false;
    if (p[pi] === '?') return t[ti] !== '/' && from(pi + 1, ti + 1);
    if (p[pi] === '[') {
      const [matches, next] = classAt(p, pi, t[ti]!);
      return matches && from(next, ti + 1);
    }
    const escaped = p[pi] === '\\';
    return t[ti] === p[pi + (escaped ? 1 : 0)] && from(pi + (escaped ? 2 : 1), ti + 1);
  };
  return from(0, 0);
}

/** Whether the well-formed class at p[start] matches char, and the index after its `]`. */
function classAt(p: readonly string[], start: number, char: string): [boolean, number] {
  let index = start + 1;
  const negated = p[index] === '^';
  if (negated) index++;
  const member = () => (p[index] === '\\' ? p[(index += 2) - 1]! : p[index++]!);
  let matches = false;
  do {
    const lo = member();
    const hi = p[index] === '-' ? (index++, member()) : lo;
    if (lo <= char && char <= hi) matches = true;
  } while (index < p.length && p[index] !== ']');
  return [matches !== negated, index + 1];
}

function someClassMatchesSlash(pattern: string): boolean {
  const p = Array.from(pattern);
  for (let index = 0; index < p.length; index++) {
    if (p[index] === '\\') index++;
    else if (p[index] === '[') {
      const [matches, next] = classAt(p, index, '/');
      if (matches) return true;
      index = next - 1;
    }
  }
  return false;
}

describe('compileGlob properties', () => {
  it.each([
    ['arbitrary strings of glob syntax', rawPattern],
    ['patterns built piece by piece', builtPattern],
  ])(
    '%s: matches exactly where Go path.Match does, and refuses exactly what it refuses',
    (_name, patterns) => {
      const seen = { true: 0, false: 0, [BAD_PATTERN]: 0 };
      fc.assert(
        fc.property(withText(patterns), ([pattern, input]) => {
          const expected = goPathMatch(pattern, input);
          expect(outcome(pattern, input)).toBe(expected);
          seen[`${expected}`]++;
        }),
        { seed: SEED, numRuns: 5_000 },
      );
      // The runs reached every outcome, not just the refusals.
      expect(Math.min(seen.true, seen.false, seen[BAD_PATTERN])).toBeGreaterThan(500);
    },
  );

  it('matches as the documented semantics say when no class can match a /', () => {
    let matched = 0;
    fc.assert(
      fc.property(withText(builtPattern), ([pattern, input]) => {
        fc.pre(goPathMatch(pattern, '') !== BAD_PATTERN && !someClassMatchesSlash(pattern));
        const expected = documentedMatch(pattern, input);
        expect(compileGlob(pattern).matches(input)).toBe(expected);
        if (expected) matched++;
      }),
      { seed: SEED, numRuns: 5_000 },
    );
    expect(matched).toBeGreaterThan(500);
  });
});
