import { characterAt, quote } from './invalid-reference.js';
import { TAG_MAX_LENGTH } from './image-reference.js';

/*
 * The lexical productions of the reference grammar (distribution/reference regexp.go), written as character
 * scanners rather than as the Go regular expressions. Go's RE2 engine is linear-time; JavaScript's is a
 * backtracking engine whose stack grows with the input, and the domain production has no length limit, so a
 * long hostile input could make a regex-based port slow or throw RangeError. The scanners below run in one
 * pass. testing/go-reference-oracle.ts keeps the verbatim Go patterns, and the property tests check that these
 * scanners accept exactly what those patterns accept.
 *
 * Each `...Problem` function returns a reason a person can act on, or undefined when the text is valid.
 */

const COLON = 0x3a;
const HYPHEN = 0x2d;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isLowerAlpha(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}

function isAlpha(c: number): boolean {
  return isLowerAlpha(c) || (c >= 0x41 && c <= 0x5a);
}

/** `alpha-numeric := /[a-z0-9]+/`: path components are lowercase only. */
function isLowerAlnum(c: number): boolean {
  return isLowerAlpha(c) || isDigit(c);
}

function isAlnum(c: number): boolean {
  return isAlpha(c) || isDigit(c);
}

function isLowerHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66);
}

/** The `[a-fA-F0-9]` of the ipv6address production. */
function isHex(c: number): boolean {
  return isLowerHex(c) || (c >= 0x41 && c <= 0x46);
}

/** Go's `\w` is ASCII-only: `[0-9A-Za-z_]`. */
function isWordChar(c: number): boolean {
  return isAlnum(c) || c === 0x5f;
}

function isSeparatorChar(c: number): boolean {
  return c === 0x2e || c === 0x5f || c === HYPHEN;
}

/** Index of the first character of `text` that fails `accept`, or -1 when all pass. */
function firstRejected(text: string, accept: (c: number) => boolean): number {
  for (let i = 0; i < text.length; i++) {
    if (!accept(text.charCodeAt(i))) return i;
  }
  return -1;
}

/** Hex as go-digest writes it: lowercase only. */
export function isLowerHexString(text: string): boolean {
  return text.length > 0 && firstRejected(text, isLowerHex) < 0;
}

/** `identifier := /[a-f0-9]{64}/`: a content-addressable image ID without its `sha256:`. */
export function isIdentifier(text: string): boolean {
  return text.length === 64 && isLowerHexString(text);
}

/** `separator := /[_.]|__|[-]+/`: one period, one or two underscores, or any number of dashes. */
function isSeparator(run: string): boolean {
  return (
    run === '.' ||
    run === '_' ||
    run === '__' ||
    (run.length > 0 && firstRejected(run, (c) => c === HYPHEN) < 0)
  );
}

/** `path-component := alpha-numeric [separator alpha-numeric]*`. */
export function isPathComponent(text: string): boolean {
  let i = 0;
  while (i < text.length) {
    const alnumStart = i;
    while (i < text.length && isLowerAlnum(text.charCodeAt(i))) i++;
    if (i === alnumStart) return false;
    if (i === text.length) return true;
    const separatorStart = i;
    while (i < text.length && isSeparatorChar(text.charCodeAt(i))) i++;
    if (!isSeparator(text.slice(separatorStart, i)) || i === text.length) return false;
  }
  return false;
}

export function pathComponentProblem(component: string): string | undefined {
  if (isPathComponent(component)) return undefined;
  if (component === '') {
    return 'the repository path has an empty component (look for a leading, trailing or doubled "/")';
  }
  const bad = firstRejected(component, (c) => isLowerAlnum(c) || isSeparatorChar(c));
  if (bad >= 0) {
    return (
      `path component ${quote(component)} contains ${quote(characterAt(component, bad))}; ` +
      'only lowercase letters, digits, ".", "_" and "-" are allowed'
    );
  }
  return (
    `path component ${quote(component)} is invalid: it must start and end with a lowercase letter or digit, ` +
    'and the separators between them must be ".", "_", "__" or dashes'
  );
}

/** `domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/`. */
function hostnameProblem(host: string): string | undefined {
  if (host === '') return 'the host name is empty';
  for (const label of host.split('.')) {
    if (label === '') return 'the host name has an empty label (look for "..", or a leading or trailing ".")';
    const bad = firstRejected(label, (c) => isAlnum(c) || c === HYPHEN);
    if (bad >= 0) {
      return `the host name contains ${quote(characterAt(label, bad))}; only letters, digits, "-" and "." are allowed`;
    }
    if (label.charCodeAt(0) === HYPHEN || label.charCodeAt(label.length - 1) === HYPHEN) {
      return `the host name label ${quote(label)} must not start or end with "-"`;
    }
  }
  return undefined;
}

/**
 * `domain := host [":" port-number]`, `host := domain-name | "[" IPv6address "]"`. The bracketed form accepts
 * only hex digits and ':' (the Go pattern excludes zone IDs and IPv4-mapped addresses), and the port is any
 * run of digits: Go does not range-check it either.
 */
export function domainProblem(candidate: string): string | undefined {
  let portPart: string;
  if (candidate.startsWith('[')) {
    const close = candidate.indexOf(']');
    if (close < 0) return 'an IPv6 address must end with "]"';
    const address = candidate.slice(1, close);
    if (address === '' || firstRejected(address, (c) => isHex(c) || c === COLON) >= 0) {
      return (
        `${quote(`[${address}]`)} is not a supported IPv6 address: only hexadecimal digits and ":" are allowed ` +
        '(no zone ID, no embedded IPv4 address)'
      );
    }
    portPart = candidate.slice(close + 1);
    if (portPart !== '' && !portPart.startsWith(':')) {
      return `expected ":" and a port after the IPv6 address, found ${quote(portPart)}`;
    }
  } else {
    const colon = candidate.indexOf(':');
    const problem = hostnameProblem(colon < 0 ? candidate : candidate.slice(0, colon));
    if (problem !== undefined) return problem;
    portPart = colon < 0 ? '' : candidate.slice(colon);
  }
  if (portPart === '') return undefined;
  const port = portPart.slice(1);
  if (port !== '' && firstRejected(port, isDigit) < 0) return undefined;
  if (!candidate.startsWith('[') && port.includes(':')) {
    return 'an IPv6 address must be written in brackets, like [fc00::1]:5000';
  }
  return `the port ${quote(port)} must be a number`;
}

/** `tag := /[\w][\w.-]{0,127}/`. */
export function tagProblem(tag: string): string | undefined {
  if (tag === '') return 'the tag after ":" is empty';
  const bad = firstRejected(tag, (c) => isWordChar(c) || c === 0x2e || c === HYPHEN);
  if (bad >= 0) {
    return (
      `the tag ${quote(tag)} contains ${quote(characterAt(tag, bad))}; ` +
      'tags may contain only letters, digits, "_", "." and "-"'
    );
  }
  if (!isWordChar(tag.charCodeAt(0))) return `the tag ${quote(tag)} must start with a letter, a digit or "_"`;
  if (tag.length > TAG_MAX_LENGTH) {
    return `tag is longer than ${TAG_MAX_LENGTH} characters (it has ${tag.length})`;
  }
  return undefined;
}
