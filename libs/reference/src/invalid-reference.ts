import { InvalidReferenceError } from '#libs/errors';

/**
 * The error message quotes the input, and the input can be anything a client sends: cap what is echoed so a
 * megabyte of garbage does not become a megabyte of response body and log line (JSON.stringify of a huge
 * string can even throw RangeError, which would break the "only InvalidReferenceError" promise).
 */
const MAX_ECHOED_INPUT = 256;
const MAX_ECHOED_FRAGMENT = 80;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** An InvalidReferenceError for `input`, quoting at most MAX_ECHOED_INPUT characters of it. */
export function invalidReference(input: string, reason: string): InvalidReferenceError {
  return new InvalidReferenceError(truncate(input, MAX_ECHOED_INPUT), reason);
}

/** A part of the input, JSON-quoted (control characters escaped) and truncated, for use inside a reason. */
export function quote(fragment: string): string {
  return JSON.stringify(truncate(fragment, MAX_ECHOED_FRAGMENT));
}

/** The first character (a whole code point, not half a surrogate pair) of `text` at or after `index`. */
export function characterAt(text: string, index: number): string {
  return String.fromCodePoint(text.codePointAt(index) ?? 0);
}
