import { isIPv4, isIPv6 } from 'net';
import { z } from 'zod';
import { compareQuantities, isQuantity } from './quantity';

/**
 * zod schemas shared by every construct. Each message says what is allowed, so that a user who
 * reads only the error knows the fix.
 */

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A name that is valid for every object a construct creates (Services require DNS-1035). */
export function resourceName(maxLength = 63): z.ZodString {
  return z.string().max(maxLength, {
    error: `must be at most ${maxLength} characters (the construct appends suffixes to some object names)`,
  }).regex(DNS_1035_LABEL, {
    error: 'must be a DNS-1035 label: lowercase letters, digits and "-", starting with a letter and ending with a letter or digit (e.g. "jd-classifier")',
  });
}

export const namespaceName = z.string().max(63, { error: 'must be at most 63 characters' }).regex(DNS_1123_LABEL, {
  error: 'must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. "agentic-ai")',
});

export const dnsSubdomain = z.string().max(253, { error: 'must be at most 253 characters' }).regex(DNS_1123_SUBDOMAIN, {
  error: 'must be a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", e.g. "agents.example.com"',
});

export const PORT_MESSAGE = 'must be an integer port number between 1 and 65535';

/** A TCP/UDP port: every port anywhere in the props (endpoints, metrics, URLs) is checked by this one schema. */
export const port = z.number({ error: PORT_MESSAGE }).int({ error: PORT_MESSAGE }).min(1, { error: PORT_MESSAGE }).max(65535, { error: PORT_MESSAGE });

/** Whether `value` is a port number Kubernetes accepts. */
export function isPort(value: unknown): value is number {
  return port.safeParse(value).success;
}

/**
 * The port of an http(s) URL, explicit or the scheme's; undefined when the URL names a port
 * Kubernetes cannot open (0, above 65535) or is not an http(s) URL at all.
 */
export function urlPort(url: string): number | undefined {
  const match = /^(https?):\/\/(\[[^\]]*\]|[^/:?#]*)(?::([0-9]*))?(?:[/?#]|$)/i.exec(url);
  if (!match) {
    return undefined;
  }
  if (match[3] === undefined || match[3] === '') {
    return match[1].toLowerCase() === 'https' ? 443 : 80;
  }
  const value = Number(match[3]);
  return /^[0-9]{1,5}$/.test(match[3]) && isPort(value) ? value : undefined;
}

/** Refines a URL schema: its port, explicit or implied, must be one Kubernetes can open. */
export const urlPortCheck = (url: string) => urlPort(url) !== undefined;
export const URL_PORT_MESSAGE = `must name a port between 1 and 65535 (or none, for the scheme's 80 or 443)`;

export const httpPath = z.string().regex(/^\/[^\s]*$/, { error: 'must be an absolute HTTP path starting with "/", without spaces (e.g. "/health")' });

export const percentage = z.number({ error: 'must be a whole percentage between 1 and 100' }).int({ error: 'must be a whole percentage between 1 and 100' })
  .min(1, { error: 'must be a whole percentage between 1 and 100' })
  .max(100, { error: 'must be a whole percentage between 1 and 100' });

export const positiveInt = z.number({ error: 'must be a positive integer' }).int({ error: 'must be a positive integer' }).min(1, { error: 'must be a positive integer' });
export const nonNegativeInt = z.number({ error: 'must be an integer of 0 or more' }).int({ error: 'must be an integer of 0 or more' }).min(0, { error: 'must be an integer of 0 or more' });

export const ENV_VAR_NAME_MESSAGE = 'must be a valid environment variable name: letters, digits, "_", "-" and ".", not starting with a digit (e.g. "OPENAI_BASE_URL")';
export const envVarName = z.string({ error: ENV_VAR_NAME_MESSAGE }).regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/, { error: ENV_VAR_NAME_MESSAGE });

/**
 * A key of a Secret or ConfigMap: letters, digits, "-", "_" and ".", at most 253 characters, and
 * never "." or ".." or a name starting with ".." (Kubernetes would refuse the object).
 */
export const CONFIG_KEY_MESSAGE = 'must be a Secret or ConfigMap key: letters, digits, "-", "_" and ".", at most 253 characters, not "." or ".." and not starting with ".." (e.g. "password")';
export const configKey = z.string({ error: CONFIG_KEY_MESSAGE }).max(253, { error: CONFIG_KEY_MESSAGE }).regex(/^[-._a-zA-Z0-9]+$/, { error: CONFIG_KEY_MESSAGE })
  .refine((key) => key !== '.' && !key.startsWith('..'), { error: CONFIG_KEY_MESSAGE });

/** An absolute path without ".." segments (Kubernetes refuses backsteps in hostPath and subPath). */
export function absolutePath(example: string): z.ZodType<string> {
  const message = `must be an absolute path without ".." segments, e.g. "${example}"`;
  return z.string({ error: message }).regex(/^\/[^\0]*$/, { error: message })
    .refine((path) => !path.split('/').includes('..'), { error: message });
}

const LABEL_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_KEY_MESSAGE = 'must be a label key: an optional DNS prefix of at most 253 characters and "/", then up to 63 letters, digits, "-", "_" or "."';
export const labelKey = z.string({ error: LABEL_KEY_MESSAGE }).regex(LABEL_NAME, { error: LABEL_KEY_MESSAGE })
  .refine((key) => !key.includes('/') || key.indexOf('/') <= 253, { error: LABEL_KEY_MESSAGE });
export const labelValue = z.string({ error: 'must be a label value (a string)' }).regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, {
  error: 'must be a label value: up to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
});
export const labels = z.record(labelKey, labelValue);

/** Kubernetes refuses an object whose annotations (keys and values, in UTF-8 bytes) exceed 256 KiB. */
export const MAX_ANNOTATION_BYTES = 256 * 1024;

/** Bytes the annotations take against Kubernetes' 256 KiB limit. */
export function annotationBytes(annotations: Readonly<Record<string, string>>): number {
  return Object.entries(annotations).reduce((total, [k, v]) => total + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
}

export const annotations = z.record(labelKey, z.string({ error: 'must be an annotation value (a string)' })).superRefine((value, ctx) => {
  const bytes = annotationBytes(value);
  if (bytes > MAX_ANNOTATION_BYTES) {
    ctx.addIssue({ code: 'custom', input: `${bytes} bytes`, message: `take ${bytes} bytes in total; Kubernetes refuses an object whose annotations (keys and values) exceed 262144 bytes (256 KiB): move large data into a ConfigMap` });
  }
});

/**
 * Quantity grammars as plain regular expressions (no look-arounds), so that the same schemas
 * also become Helm's values.schema.json, checked by Go's RE2.
 */
export const CPU_PATTERN = /^([0-9]+(\.[0-9]+)?|\.[0-9]+)m?$/;
export const BYTES_PATTERN = /^([0-9]+(\.[0-9]+)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

/**
 * The largest quantity Kubernetes represents exactly (2^63-1 in the base unit); larger ones are
 * silently capped by the API server, and would overflow the arithmetic of quotas and configs.
 */
export const MAX_QUANTITY = '9223372036854775807';

/**
 * Why a quantity text cannot be used as asked, or undefined: the one check of every CPU, memory
 * and storage quantity. `unit` is the smallest step Kubernetes keeps (1m for CPU, 1 byte for memory).
 */
export function quantityProblem(text: string, unit: { readonly text: string; readonly name: string }): string | undefined {
  if (!isQuantity(text) || compareQuantities(text, '0') <= 0) {
    return 'must be above 0';
  }
  if (compareQuantities(text, MAX_QUANTITY) > 0) {
    return `is larger than Kubernetes can represent (at most ${MAX_QUANTITY} in the base unit)`;
  }
  if (compareQuantities(text, unit.text) < 0) {
    return `is below the smallest ${unit.name} Kubernetes keeps (${unit.text}); it would be rounded up`;
  }
  return undefined;
}

function quantitySchema(pattern: RegExp, message: string, unit: { text: string; name: string }): z.ZodType<string> {
  return z.string({ error: message }).regex(pattern, { error: message }).superRefine((text, ctx) => {
    if (!pattern.test(text)) {
      return; // the grammar's own message says it
    }
    const problem = quantityProblem(text, unit);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `${problem}: ${message.replace(/^must be /, 'use ')}` });
    }
  });
}

const CPU_MESSAGE = 'must be a positive Kubernetes CPU quantity such as "250m", "0.5" or "2"';
const cpuString = z.string().regex(CPU_PATTERN, { error: CPU_MESSAGE });
const bytesString = (kind: string, example: string) => z.string().regex(BYTES_PATTERN, { error: `must be a positive Kubernetes ${kind} quantity such as ${example}` });

/** CPU: cores ("1", "0.5") or millicores ("250m"). */
export const cpuQuantity = quantitySchema(CPU_PATTERN, CPU_MESSAGE, { text: '1m', name: 'CPU step' });
/** Memory: bytes with a binary or decimal suffix ("256Mi", "2Gi", "1G"). */
export const memoryQuantity = quantitySchema(BYTES_PATTERN, 'must be a positive Kubernetes memory quantity such as "256Mi", "1Gi" or "512M"', { text: '1', name: 'amount of memory' });
export const storageQuantity = quantitySchema(BYTES_PATTERN, 'must be a positive Kubernetes storage quantity such as "10Gi" or "500Mi"', { text: '1', name: 'amount of storage' });

/** A CPU quantity as a Helm value: the prop's grammar, or a number (`--set cpu=2` gives one). */
export const cpuValue = z.union([cpuString, z.number().min(0)]).meta({ id: 'cpuQuantity', description: 'CPU: cores or millicores, e.g. "500m" or 2' });
/** Any Kubernetes quantity as a Helm value (a ResourceQuota limit: "40", "12Gi", "8500m"). */
export const quantityValue = z.union([
  z.string().regex(/^([0-9]+(\.[0-9]+)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/, { error: 'must be a Kubernetes quantity such as "40", "12Gi" or "8500m"' }),
  z.number().min(0),
]).meta({ id: 'quantity', description: 'A Kubernetes quantity' });

/** A memory quantity as a Helm value. */
export const memoryValue = z.union([bytesString('memory', '"256Mi" or "1Gi"'), z.number().min(0)]).meta({ id: 'memoryQuantity', description: 'Memory in bytes with a suffix, e.g. "256Mi" or "1Gi"' });

/** A parsed CIDR block: its family, prefix length and the address as a 32- or 128-bit number. */
export interface CidrBlock {
  readonly family: 4 | 6;
  readonly bits: number;
  readonly address: bigint;
}

function ipv4ToBigInt(address: string): bigint {
  return address.split('.').reduce((n, octet) => (n << 8n) + BigInt(Number(octet)), 0n);
}

function ipv6ToBigInt(address: string): bigint {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = ipv4ToBigInt(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((n, group) => (n << 16n) + BigInt(parseInt(group, 16)), 0n);
}

/** Parses "10.0.0.0/8" or "2001:db8::/32" as Go's net.ParseCIDR would; undefined when it is not a CIDR. */
export function parseCidr(value: string): CidrBlock | undefined {
  const slash = value.indexOf('/');
  const address = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  if (slash < 0 || !/^(0|[1-9][0-9]{0,2})$/.test(prefix)) {
    return undefined;
  }
  const bits = Number(prefix);
  if (isIPv4(address) && bits <= 32) {
    return { family: 4, bits, address: ipv4ToBigInt(address) };
  }
  if (isIPv6(address) && !address.includes('%') && bits <= 128) {
    return { family: 6, bits, address: ipv6ToBigInt(address) };
  }
  return undefined;
}

/** Whether `inner` lies strictly inside `outer` (what NetworkPolicy requires of an `except` range). */
export function cidrStrictlyInside(inner: CidrBlock, outer: CidrBlock): boolean {
  const width = inner.family === 4 ? 32 : 128;
  if (inner.family !== outer.family || inner.bits <= outer.bits) {
    return false;
  }
  const shift = BigInt(width - outer.bits);
  return inner.address >> shift === outer.address >> shift;
}

/** A CIDR block such as "10.0.0.0/8" or "2001:db8::/32". */
export const cidr = z.string({ error: 'must be a CIDR block such as "10.0.0.0/16" or "0.0.0.0/0"' })
  .refine((value) => parseCidr(value) !== undefined, { error: 'must be a CIDR block such as "10.0.0.0/16" or "0.0.0.0/0": an IPv4 or IPv6 address without leading zeros, "/" and a prefix length (at most 32 or 128)' });
