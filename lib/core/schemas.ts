import { z } from 'zod';
import { isQuantity, parseQuantity } from './quantity';

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

export const port = z.number({ error: 'must be an integer port number between 1 and 65535' }).int({ error: 'must be an integer port number between 1 and 65535' })
  .min(1, { error: 'must be an integer port number between 1 and 65535' })
  .max(65535, { error: 'must be an integer port number between 1 and 65535' });

export const httpPath = z.string().regex(/^\/[^\s]*$/, { error: 'must be an absolute HTTP path starting with "/", without spaces (e.g. "/health")' });

export const percentage = z.number({ error: 'must be a whole percentage between 1 and 100' }).int({ error: 'must be a whole percentage between 1 and 100' })
  .min(1, { error: 'must be a whole percentage between 1 and 100' })
  .max(100, { error: 'must be a whole percentage between 1 and 100' });

export const positiveInt = z.number({ error: 'must be a positive integer' }).int({ error: 'must be a positive integer' }).min(1, { error: 'must be a positive integer' });
export const nonNegativeInt = z.number({ error: 'must be an integer of 0 or more' }).int({ error: 'must be an integer of 0 or more' }).min(0, { error: 'must be an integer of 0 or more' });

export const envVarName = z.string().regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/, {
  error: 'must be a valid environment variable name: letters, digits, "_", "-" and ".", not starting with a digit',
});

const LABEL_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
export const labelKey = z.string().regex(LABEL_NAME, { error: 'must be a label key: an optional DNS prefix and "/", then up to 63 letters, digits, "-", "_" or "."' });
export const labelValue = z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, {
  error: 'must be a label value: up to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
});
export const labels = z.record(labelKey, labelValue);
export const annotations = z.record(labelKey, z.string());

/**
 * Quantity grammars as plain regular expressions (no look-arounds), so that the same schemas
 * also become Helm's values.schema.json, checked by Go's RE2.
 */
export const CPU_PATTERN = /^([0-9]+(\.[0-9]+)?|\.[0-9]+)m?$/;
export const BYTES_PATTERN = /^([0-9]+(\.[0-9]+)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

const CPU_MESSAGE = 'must be a positive Kubernetes CPU quantity such as "250m", "0.5" or "2"';
const cpuString = z.string().regex(CPU_PATTERN, { error: CPU_MESSAGE });
const bytesString = (kind: string, example: string) => z.string().regex(BYTES_PATTERN, { error: `must be a positive Kubernetes ${kind} quantity such as ${example}` });
const positive = (q: string) => isQuantity(q) && parseQuantity(q) > 0;

/** CPU: cores ("1", "0.5") or millicores ("250m"). */
export const cpuQuantity = cpuString.refine(positive, { error: CPU_MESSAGE });
/** Memory: bytes with a binary or decimal suffix ("256Mi", "2Gi", "1G"). */
export const memoryQuantity = bytesString('memory', '"256Mi", "1Gi" or "512M"').refine(positive, { error: 'must be a positive Kubernetes memory quantity such as "256Mi", "1Gi" or "512M"' });
export const storageQuantity = bytesString('storage', '"10Gi" or "500Mi"').refine(positive, { error: 'must be a positive Kubernetes storage quantity such as "10Gi" or "500Mi"' });

/** A CPU quantity as a Helm value: the prop's grammar, or a number (`--set cpu=2` gives one). */
export const cpuValue = z.union([cpuString, z.number().min(0)]).meta({ id: 'cpuQuantity', description: 'CPU: cores or millicores, e.g. "500m" or 2' });
/** Any Kubernetes quantity as a Helm value (a ResourceQuota limit: "40", "12Gi", "8500m"). */
export const quantityValue = z.union([
  z.string().regex(/^([0-9]+(\.[0-9]+)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/, { error: 'must be a Kubernetes quantity such as "40", "12Gi" or "8500m"' }),
  z.number().min(0),
]).meta({ id: 'quantity', description: 'A Kubernetes quantity' });

/** A memory quantity as a Helm value. */
export const memoryValue = z.union([bytesString('memory', '"256Mi" or "1Gi"'), z.number().min(0)]).meta({ id: 'memoryQuantity', description: 'Memory in bytes with a suffix, e.g. "256Mi" or "1Gi"' });

/** A CIDR block such as "10.0.0.0/8" or "2001:db8::/32". */
export const cidr = z.string().refine((value) => isCidr(value), { error: 'must be a CIDR block such as "10.0.0.0/16" or "0.0.0.0/0"' });

function isCidr(value: string): boolean {
  const [address, prefix, extra] = value.split('/');
  if (extra !== undefined || prefix === undefined || !/^[0-9]{1,3}$/.test(prefix)) {
    return false;
  }
  const bits = Number(prefix);
  if (address.includes(':')) {
    return bits <= 128 && /^[0-9a-fA-F:]+$/.test(address);
  }
  const octets = address.split('.');
  return bits <= 32 && octets.length === 4 && octets.every((o) => /^[0-9]{1,3}$/.test(o) && Number(o) <= 255);
}
