import { formatBytes } from '../core/quantity';

/** Number formats of the estimate: fixed, locale-independent, so that COST.md is stable. */

const SYMBOLS: Readonly<Record<string, string>> = { USD: '$', EUR: '€', GBP: '£' };
const GI = 2 ** 30;

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

function withCurrency(text: string, currency: string): string {
  const symbol = SYMBOLS[currency];
  return symbol ? `${symbol}${text}` : `${text} ${currency}`;
}

/** An amount in cents: `$91.10`, `91.10 CHF`. */
export function formatMoney(amount: number, currency: string): string {
  return withCurrency(amount.toFixed(2), currency);
}

/** A unit price as precise as it was given, at least to the cent: `$0.0416`, `$18.00`. */
export function formatUnitPrice(price: number, currency: string): string {
  const cents = price.toFixed(2);
  const precise = trimZeros(price.toFixed(6));
  return withCurrency(Number(cents) === Number(precise) ? cents : precise, currency);
}

/** Rounds to cents (amounts are computed in full precision, then rounded once per line). */
export function roundCents(amount: number): number {
  return Math.round(amount * 100 + 1e-9) / 100;
}

/** Millicores as cores: `1.93`, `0.5`, `14`. */
export function formatCores(millicores: number): string {
  return trimZeros((millicores / 1000).toFixed(3));
}

/** Bytes as GiB with up to two decimals: `3.47`, `10`. */
export function formatGiB(bytes: number): string {
  return trimZeros((bytes / GI).toFixed(2));
}

/** Bytes in Kubernetes notation when exact (`3554Mi`), else GiB. */
export function formatMemory(bytes: number): string {
  const text = formatBytes(bytes);
  return /[KMGTPE]i$/.test(text) || bytes === 0 ? text : `${formatGiB(bytes)}Gi`;
}

/** `1 pod`, `3 pods`. */
export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}
