import { BadUserInputError } from '#libs/errors';

/** The daemon's `filters` query parameter: `{"name": {"value": true}}`, or the older `{"name": ["value"]}`. */
export type EngineFilters = ReadonlyMap<string, readonly string[]>;

const MAX_FILTERS_LENGTH = 16_384;

export function parseEngineFilters(raw: string | null): EngineFilters {
  if (raw === null || raw.trim() === '') return new Map();
  if (raw.length > MAX_FILTERS_LENGTH) {
    throw new BadUserInputError(`filters is over ${MAX_FILTERS_LENGTH} characters.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new BadUserInputError(`filters must be JSON, such as {"dangling":{"true":true}}.`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new BadUserInputError('filters must be a JSON object of filter names.');
  }
  const filters = new Map<string, string[]>();
  for (const [name, values] of Object.entries(json as Record<string, unknown>)) {
    if (Array.isArray(values) && values.every((value) => typeof value === 'string')) {
      filters.set(name, values);
    } else if (values !== null && typeof values === 'object') {
      filters.set(
        name,
        Object.entries(values as Record<string, unknown>)
          .filter(([, on]) => on === true)
          .map(([value]) => value),
      );
    } else {
      throw new BadUserInputError(`filter ${JSON.stringify(name)} must list its values.`);
    }
  }
  return filters;
}

/** Refuses a filter the endpoint does not know, in the daemon's words. */
export function onlyFilters(filters: EngineFilters, known: readonly string[]): void {
  for (const name of filters.keys()) {
    if (!known.includes(name)) throw new BadUserInputError(`Invalid filter '${name}'`);
  }
}

/** A boolean filter (`dangling=true`); undefined when absent. */
export function booleanFilter(filters: EngineFilters, name: string): boolean | undefined {
  const values = filters.get(name);
  if (!values || values.length === 0) return undefined;
  const value = values[values.length - 1]!.toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new BadUserInputError(`Invalid filter '${name}=${values[values.length - 1]}'`);
}

/** A query flag as the daemon reads one (`force=1`, `all=true`); absent, empty, 0 or false is off. */
export function flag(value: string | null): boolean {
  return value !== null && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}
