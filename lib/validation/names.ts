/**
 * Kubernetes name, label and annotation rules (k8s.io/apimachinery/pkg/util/validation).
 * Every check returns an error message, or undefined when the value is valid.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const IANA_SVC_NAME = /^[-a-z0-9]+$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

/** Maximum total size of the annotations of one object, in bytes. */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

function tooLong(value: string, max: number): string | undefined {
  return value.length > max ? `must be no more than ${max} characters (has ${value.length})` : undefined;
}

export function dns1123Label(value: string): string | undefined {
  return tooLong(value, 63) ?? (DNS1123_LABEL.test(value)
    ? undefined
    : 'must be a DNS-1123 label: lowercase alphanumerics or \'-\', starting and ending with an alphanumeric');
}

export function dns1123Subdomain(value: string): string | undefined {
  return tooLong(value, 253) ?? (DNS1123_SUBDOMAIN.test(value)
    ? undefined
    : 'must be a DNS-1123 subdomain: lowercase alphanumerics, \'-\' or \'.\', starting and ending with an alphanumeric');
}

export function dns1035Label(value: string): string | undefined {
  return tooLong(value, 63) ?? (DNS1035_LABEL.test(value)
    ? undefined
    : 'must be a DNS-1035 label: lowercase alphanumerics or \'-\', starting with a letter and ending with an alphanumeric');
}

/** RBAC and a few other kinds only require a valid path segment. */
export function pathSegmentName(value: string): string | undefined {
  if (value === '.' || value === '..') return `may not be '${value}'`;
  return /[/%]/.test(value) ? 'may not contain \'/\' or \'%\'' : undefined;
}

/** Port names: IANA_SVC_NAME (RFC 6335). */
export function ianaSvcName(value: string): string | undefined {
  const problem = tooLong(value, 15);
  if (problem !== undefined) return `must be an IANA_SVC_NAME: ${problem}`;
  if (!IANA_SVC_NAME.test(value)) return 'must be an IANA_SVC_NAME: only lowercase alphanumerics and \'-\'';
  if (!/[a-z]/.test(value)) return 'must be an IANA_SVC_NAME: must contain at least one letter';
  if (value.startsWith('-') || value.endsWith('-')) return 'must be an IANA_SVC_NAME: must not begin or end with \'-\'';
  return value.includes('--') ? 'must be an IANA_SVC_NAME: must not contain \'--\'' : undefined;
}

/** Label and annotation keys: optional DNS-subdomain prefix, '/', then a name of at most 63. */
export function qualifiedName(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'must be a qualified name: at most one \'/\'';
  const name = parts[parts.length - 1];
  if (parts.length === 2) {
    const prefix = parts[0];
    if (prefix === '') return 'must be a qualified name: the prefix before \'/\' must not be empty';
    const prefixProblem = dns1123Subdomain(prefix);
    if (prefixProblem !== undefined) return `prefix ${JSON.stringify(prefix)} ${prefixProblem}`;
  }
  if (name === '') return 'must be a qualified name: the name part must not be empty';
  if (name.length > 63) return `name part must be no more than 63 characters (has ${name.length})`;
  return QUALIFIED_NAME.test(name)
    ? undefined
    : 'name part must consist of alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric';
}

export function labelValue(value: string): string | undefined {
  return tooLong(value, 63) ?? (LABEL_VALUE.test(value)
    ? undefined
    : 'must be empty or consist of alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric');
}

/** ConfigMap and Secret data keys. */
export function configKey(key: string): string | undefined {
  const problem = tooLong(key, 253);
  if (problem !== undefined) return problem;
  if (!CONFIG_KEY.test(key)) return 'must consist of alphanumerics, \'-\', \'_\' or \'.\'';
  return key === '.' || key === '..' || key.startsWith('..') ? 'must not be \'.\' or \'..\' or start with \'..\'' : undefined;
}

/** Which rule metadata.name follows for a kind (group-qualified kinds use the same table). */
export function objectNameRule(group: string, kind: string): (value: string) => string | undefined {
  if (group === 'rbac.authorization.k8s.io') return pathSegmentName;
  if (group === '' && kind === 'Service') return dns1035Label;
  if (group === '' && kind === 'Namespace') return dns1123Label;
  if (group === 'batch' && kind === 'CronJob') return cronJobName;
  if (group === 'batch' && kind === 'Job') return jobName;
  return dns1123Subdomain;
}

/** Jobs created by a CronJob get an 11-character suffix, and the name must stay a valid label value. */
function cronJobName(value: string): string | undefined {
  return value.length > 52 ? `must be no more than 52 characters (has ${value.length})` : dns1123Subdomain(value);
}

/** A Job's name becomes the value of its pods' job-name label, so it must fit in 63 characters. */
function jobName(value: string): string | undefined {
  return value.length > 63 ? `must be no more than 63 characters (has ${value.length})` : dns1123Subdomain(value);
}
