/**
 * REST query parameters arrive as strings. These class-transformer transforms turn them into
 * what the input classes validate; values that are already typed (GraphQL, JSON) pass as they are.
 */

/** `true` and `false` become booleans; anything else is left for @IsBoolean to refuse. */
export const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

/** A parameter given once is a one-item list (repeat it for several). */
export const toList = ({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value);
