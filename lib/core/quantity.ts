/**
 * Kubernetes resource quantities ("500m", "1.5", "256Mi", "2G", "1e3"), parsed to plain numbers
 * (cores for CPU, bytes for memory) so that requests and limits can be compared before deploy.
 */

const BINARY_SUFFIXES: Readonly<Record<string, number>> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;

/** True when `text` follows the Kubernetes quantity grammar. */
export function isQuantity(text: string): boolean {
  return QUANTITY.test(text);
}

/**
 * The numeric value of a quantity (`"500m"` is 0.5, `"1Gi"` is 1073741824).
 * @throws Error when the text is not a Kubernetes quantity.
 */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') {
    if (!Number.isFinite(quantity)) {
      throw new Error(`invalid quantity ${quantity}`);
    }
    return quantity;
  }
  const match = QUANTITY.exec(quantity);
  if (!match) {
    throw new Error(`invalid quantity "${quantity}"`);
  }
  const base = Number(match[1]);
  const suffix = match[2] ?? '';
  if (suffix in BINARY_SUFFIXES) {
    return base * BINARY_SUFFIXES[suffix];
  }
  if (suffix in DECIMAL_SUFFIXES) {
    return base * DECIMAL_SUFFIXES[suffix];
  }
  return base * 10 ** Number(suffix.slice(1));
}

/** A quantity as an exact fraction, so that "350m" and "0.35" compare equal. */
function toFraction(quantity: string | number): { numerator: bigint; denominator: bigint } {
  const text = typeof quantity === 'number' ? String(quantity) : quantity;
  const match = QUANTITY.exec(text);
  if (!match) {
    throw new Error(`invalid quantity "${text}"`);
  }
  const [whole, fraction = ''] = match[1].replace(/^\+/, '').split('.');
  let numerator = BigInt(`${whole || '0'}${fraction}`);
  let denominator = 10n ** BigInt(fraction.length);
  const suffix = match[2] ?? '';
  const binary: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
  const decimal: Record<string, bigint> = { n: -9n, u: -6n, m: -3n, '': 0n, k: 3n, M: 6n, G: 9n, T: 12n, P: 15n, E: 18n };
  let exponent = 0n;
  if (suffix in binary) {
    numerator *= 2n ** binary[suffix];
  } else if (suffix in decimal) {
    exponent = decimal[suffix];
  } else {
    // Clamped: beyond it every quantity is far outside what Kubernetes represents anyway.
    const limit = 10_000n;
    const given = BigInt(suffix.slice(1));
    exponent = given > limit ? limit : given < -limit ? -limit : given;
  }
  if (exponent >= 0n) {
    numerator *= 10n ** exponent;
  } else {
    denominator *= 10n ** -exponent;
  }
  return { numerator, denominator };
}

/** Compares two quantities exactly: negative when a < b, 0 when equal, positive when a > b. */
export function compareQuantities(a: string | number, b: string | number): number {
  const x = toFraction(a);
  const y = toFraction(b);
  const left = x.numerator * y.denominator;
  const right = y.numerator * x.denominator;
  return left === right ? 0 : left < right ? -1 : 1;
}

/** Formats bytes with the largest binary suffix that keeps an integer (`"1536Mi"`, `"2Gi"`). */
export function formatBytes(bytes: number): string {
  const whole = Math.ceil(bytes);
  for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
    const unit = BINARY_SUFFIXES[suffix];
    if (whole >= unit && whole % unit === 0) {
      return `${whole / unit}${suffix}`;
    }
  }
  return String(whole);
}

/** Formats cores as whole cores when possible, else millicores (`"2"`, `"250m"`). */
export function formatCpu(cores: number): string {
  const millis = Math.ceil(cores * 1000 - 1e-9);
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}
