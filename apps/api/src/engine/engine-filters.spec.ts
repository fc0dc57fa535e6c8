import { BadUserInputError } from '#libs/errors';
import { booleanFilter, flag, onlyFilters, parseEngineFilters } from './engine-filters.js';

describe('Engine API filters', () => {
  it('reads both the map form the CLI sends and the older list form', () => {
    const filters = parseEngineFilters('{"reference":{"app*":true,"off":false},"label":["a=b"]}');
    expect(filters.get('reference')).toEqual(['app*']);
    expect(filters.get('label')).toEqual(['a=b']);
  });

  it('is empty without the parameter', () => {
    expect(parseEngineFilters(null).size).toBe(0);
    expect(parseEngineFilters('').size).toBe(0);
  });

  it.each(['not json', '[1]', '{"dangling":"true"}', 'x'.repeat(20_000)])(
    'refuses %s as BAD_USER_INPUT',
    (raw) => {
      expect(() => parseEngineFilters(raw)).toThrow(BadUserInputError);
    },
  );

  it("refuses a filter the endpoint does not know, in the daemon's words", () => {
    expect(() => onlyFilters(parseEngineFilters('{"colour":["red"]}'), ['dangling'])).toThrow(
      "Invalid filter 'colour'",
    );
  });

  it('reads booleans as the daemon does', () => {
    expect(booleanFilter(parseEngineFilters('{"dangling":["true"]}'), 'dangling')).toBe(true);
    expect(booleanFilter(parseEngineFilters('{"dangling":["0"]}'), 'dangling')).toBe(false);
    expect(booleanFilter(parseEngineFilters('{}'), 'dangling')).toBeUndefined();
    expect(() => booleanFilter(parseEngineFilters('{"dangling":["maybe"]}'), 'dangling')).toThrow(
      BadUserInputError,
    );
  });

  it('reads query flags: absent, empty, 0 and false are off', () => {
    expect([null, '', '0', 'false', 'FALSE'].map(flag)).toEqual([false, false, false, false, false]);
    expect(['1', 'true', 'yes'].map(flag)).toEqual([true, true, true]);
  });
});
