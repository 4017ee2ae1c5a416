/**
 * Kubernetes resource quantities (`io.k8s.apimachinery.pkg.api.resource.Quantity`).
 *
 * Grammar (from the Kubernetes API conventions):
 *   quantity        ::= signedNumber suffix
 *   suffix          ::= binarySI | decimalExponent | decimalSI
 *   binarySI        ::= Ki | Mi | Gi | Ti | Pi | Ei
 *   decimalSI       ::= n | u | m | "" | k | M | G | T | P | E
 *   decimalExponent ::= "e" signedInteger | "E" signedInteger
 */

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE])?$/;

const BINARY_POWER: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

const DECIMAL_EXPONENT: Readonly<Record<string, number>> = {
  n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18,
};

/** True when `text` is a syntactically valid Kubernetes quantity string. */
export function isQuantityString(text: string): boolean {
  return QUANTITY.test(text);
}

/**
 * Parses a Kubernetes quantity into a plain number (base units: cores, bytes...).
 * `'500m'` -> 0.5, `'1Gi'` -> 1073741824, `'1e3'` -> 1000. Numbers are returned as they are.
 * Throws on anything that is not a valid quantity (e.g. `'1GB'`, `''`, `'1 Gi'`).
 */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') {
    if (!Number.isFinite(q)) throw new Error(`invalid quantity ${String(q)}: not a finite number`);
    return q;
  }
  const match = QUANTITY.exec(q);
  if (match === null) throw new Error(`invalid quantity ${JSON.stringify(q)}: does not match the Kubernetes quantity grammar`);
  const [, sign, digits, suffix = ''] = match;
  const value = scale(`${sign}${digits}`, suffix);
  if (!Number.isFinite(value)) throw new Error(`invalid quantity ${JSON.stringify(q)}: out of range`);
  return value;
}

/** Like parseQuantity but returns undefined instead of throwing. */
export function tryParseQuantity(q: unknown): number | undefined {
  if (typeof q !== 'string' && typeof q !== 'number') return undefined;
  try {
    return parseQuantity(q);
  } catch {
    return undefined;
  }
}

function scale(number: string, suffix: string): number {
  const binary = BINARY_POWER[suffix];
  if (binary !== undefined) return Number(number) * 2 ** binary;
  // Decimal scaling goes through the exponent notation so that '300m' and '0.3' give the very
  // same double (multiplying by 0.001 would not).
  const exponent = suffix === '' ? 0 : DECIMAL_EXPONENT[suffix] ?? Number(suffix.slice(1));
  return Number(`${number}e${exponent}`);
}
