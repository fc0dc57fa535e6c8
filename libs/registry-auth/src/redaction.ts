import { inspect } from 'node:util';
import { REDACTED } from '#libs/secrets';

export { REDACTED };

function redactedInspect(): string {
  return REDACTED;
}

function redactedJson(): string {
  return REDACTED;
}

/**
 * Makes `target` print as `[redacted]` through JSON.stringify, util.inspect, console.log, Nest's
 * logger and template strings, by defining non-enumerable `toJSON`, `util.inspect.custom` and
 * `toString` on it. Its own properties stay readable, so code that means to use the secret
 * reads the fields it needs. A spread copy (`{ ...target }`) or structuredClone drops the
 * protection: build new objects field by field instead.
 */
export function redact<T extends object>(target: T): T {
  Object.defineProperties(target, {
    toJSON: { value: redactedJson, enumerable: false, configurable: true, writable: false },
    toString: { value: redactedJson, enumerable: false, configurable: true, writable: false },
    [inspect.custom]: { value: redactedInspect, enumerable: false, configurable: true, writable: false },
  });
  return target;
}
