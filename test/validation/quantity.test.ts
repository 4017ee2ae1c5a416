import { isQuantityString, parseQuantity, tryParseQuantity } from '../validation';

describe('parseQuantity', () => {
  it.each<[string | number, number]>([
    ['500m', 0.5],
    ['1Gi', 1073741824],
    ['1e3', 1000],
    ['0.5', 0.5],
    ['1', 1],
    ['2', 2],
    ['100m', 0.1],
    ['1500m', 1.5],
    ['250n', 250e-9],
    ['3u', 3e-6],
    ['1k', 1000],
    ['1M', 1e6],
    ['1G', 1e9],
    ['1T', 1e12],
    ['1P', 1e15],
    ['1E', 1e18],
    ['1Ki', 1024],
    ['512Mi', 512 * 1024 * 1024],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['1Ti', 2 ** 40],
    ['1Pi', 2 ** 50],
    ['1Ei', 2 ** 60],
    ['1E3', 1000],
    ['12e-3', 0.012],
    ['1e+2', 100],
    ['+1', 1],
    ['-1', -1],
    ['.5', 0.5],
    ['1.', 1],
    ['0', 0],
    [42, 42],
    [0.25, 0.25],
  ])('GIVEN %p WHEN parsed THEN it is %p', (input, expected) => {
    expect(parseQuantity(input)).toBeCloseTo(expected, 12);
  });

  it('GIVEN equal values written two ways WHEN parsed THEN they are exactly equal (no float drift)', () => {
    expect(parseQuantity('300m')).toBe(parseQuantity('0.3'));
    expect(parseQuantity('700m')).toBe(parseQuantity('0.7'));
    expect(parseQuantity('1Gi')).toBe(parseQuantity('1073741824'));
    expect(parseQuantity('1k')).toBe(parseQuantity('1e3'));
  });

  it.each(['1GB', '', ' 1', '1 Gi', 'abc', '1.2.3', 'Gi', '1gi', '1KI', '1e', '1e1.5', '--1', '1m1', '0x10', '1mi', 'm'])(
    'GIVEN invalid %p WHEN parsed THEN it throws',
    (input) => {
      expect(() => parseQuantity(input)).toThrow(/invalid quantity/);
      expect(isQuantityString(input)).toBe(false);
      expect(tryParseQuantity(input)).toBeUndefined();
    },
  );

  it('GIVEN a non-finite number or an overflowing exponent WHEN parsed THEN it throws', () => {
    expect(() => parseQuantity(Number.NaN)).toThrow(/invalid quantity/);
    expect(() => parseQuantity(Number.POSITIVE_INFINITY)).toThrow(/invalid quantity/);
    expect(() => parseQuantity('1e999')).toThrow(/out of range/);
  });

  it('GIVEN values that are not strings or numbers WHEN tryParseQuantity THEN undefined', () => {
    expect(tryParseQuantity(undefined)).toBeUndefined();
    expect(tryParseQuantity({})).toBeUndefined();
    expect(tryParseQuantity('2Gi')).toBe(2 ** 31);
  });
});
