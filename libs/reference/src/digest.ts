import { isLowerHexString } from './grammar.js';
import { quote } from './invalid-reference.js';

/*
 * The grammar's digest production (`algorithm ":" hex{32,}`) is only a first filter: Parse then calls
 * go-digest's digest.Parse, which accepts only registered algorithms and, for those, exactly the hash size in
 * lowercase hex (go-digest algorithm.go, "Note that /A-F/ disallowed"). The Docker CLI and daemon register
 * sha256 and sha512 (crypto/sha512 also provides sha384), so these three are the whole accepted set.
 * A Map, not an object literal, so that an algorithm named "constructor" or "__proto__" finds nothing.
 */
const HEX_DIGITS_BY_ALGORITHM: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
]);

export const SUPPORTED_DIGEST_ALGORITHMS: readonly string[] = [...HEX_DIGITS_BY_ALGORITHM.keys()];

/** Why `digest` (without its '@') is not a digest Docker accepts, or undefined when it is one. */
export function digestProblem(digest: string): string | undefined {
  const colon = digest.indexOf(':');
  if (colon <= 0 || colon === digest.length - 1) {
    return `invalid digest ${quote(digest)}: expected "<algorithm>:<hex digits>", like "sha256:" and 64 hex digits`;
  }
  const algorithm = digest.slice(0, colon);
  const hexDigits = HEX_DIGITS_BY_ALGORITHM.get(algorithm);
  if (hexDigits === undefined) {
    return (
      `invalid digest: unsupported algorithm ${quote(algorithm)} ` +
      `(supported: ${SUPPORTED_DIGEST_ALGORITHMS.join(', ')})`
    );
  }
  const hex = digest.slice(colon + 1);
  if (hex.length !== hexDigits || !isLowerHexString(hex)) {
    return `invalid digest: a ${algorithm} digest is exactly ${hexDigits} lowercase hexadecimal digits`;
  }
  return undefined;
}

export function isDigest(text: string): boolean {
  return digestProblem(text) === undefined;
}
