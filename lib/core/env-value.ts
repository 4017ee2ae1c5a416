import type * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type IConstruct } from 'constructs';
import { brand, BrandKind, hasBrand } from './brand';
import { PLACEHOLDER } from './placeholder';
import { configKey, dnsSubdomain } from './schemas';

/** A Secret that environment variables and volumes can read keys from. */
export interface ISecretSource extends IConstruct {
  /** Name of the Kubernetes Secret. */
  readonly secretName: string;
  /** Keys the Secret is declared to hold. */
  readonly keys: readonly string[];
}

/** A ConfigMap referenced by name (a cdk8s-plus `ConfigMap` or `ConfigMap.fromConfigMapName()` fits). */
export interface IConfigMapReference {
  readonly name: string;
}

/** Whether `value` is a `SecretSource` (or `SecretSource.fromSecretName()`) of any copy of the library. */
export function isSecretSource(value: unknown): value is ISecretSource {
  return hasBrand(value, BrandKind.SECRET_SOURCE);
}

/** A problem with the arguments of an `EnvValue` factory, reported where the value is used. */
export interface EnvValueProblem {
  readonly message: string;
  readonly value?: unknown;
}

/** Pod fields the downward API gives to environment variables (Kubernetes refuses any other). */
const FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
const LABEL_OR_ANNOTATION = /^metadata\.(labels|annotations)\['[^']+'\]$/;

function keyProblem(key: unknown, what: string): EnvValueProblem[] {
  const result = configKey.safeParse(key);
  return result.success ? [] : [{ message: `the key of the ${what} ${result.error.issues[0].message}`, value: key }];
}

/**
 * The value of an environment variable: a literal, a key of a ConfigMap or Secret, or a pod field.
 * Literal values must not be secrets: use `EnvValue.fromSecret()`. The factories never throw:
 * a bad argument is reported, with every other problem, by the workload the value is given to.
 */
export class EnvValue {
  /** Whether `value` is an `EnvValue` of any copy of the library. */
  public static isEnvValue(value: unknown): value is EnvValue {
    return hasBrand(value, BrandKind.ENV_VALUE);
  }

  /** A literal value, rendered into the manifest. */
  public static fromValue(value: string): EnvValue {
    if (typeof value !== 'string') {
      return new EnvValue({ value: '' }, undefined, [{ message: 'a literal value must be a string (write numbers and booleans as text, e.g. "8")', value }]);
    }
    return new EnvValue({ value });
  }

  /** A key of a ConfigMap. */
  public static fromConfigMap(configMap: IConfigMapReference, key: string, options: { optional?: boolean } = {}): EnvValue {
    const problems: EnvValueProblem[] = [];
    const name = readName(configMap);
    if (!dnsSubdomain.safeParse(name).success) {
      problems.push({ message: 'must reference a ConfigMap: a cdk8s-plus ConfigMap or an object with its name (a DNS subdomain such as "copilot-config")', value: configMap });
    }
    problems.push(...keyProblem(key, 'ConfigMap'));
    const optional = readOptional(options, problems);
    const ref = { name: typeof name === 'string' ? name : PLACEHOLDER, key: typeof key === 'string' ? key : PLACEHOLDER, optional };
    return new EnvValue({ valueFrom: { configMapKeyRef: ref } }, undefined, problems);
  }

  /** A key of a Secret; the value never appears in the manifest. */
  public static fromSecret(secret: ISecretSource, key: string): EnvValue {
    const problems: EnvValueProblem[] = [];
    if (!isSecretSource(secret)) {
      problems.push({ message: 'must reference a SecretSource (new SecretSource() or SecretSource.fromSecretName()), not a name or a plain object', value: secret });
    }
    problems.push(...keyProblem(key, 'Secret'));
    if (problems.length > 0) {
      return new EnvValue({ valueFrom: { secretKeyRef: { name: PLACEHOLDER, key: PLACEHOLDER } } }, undefined, problems);
    }
    return new EnvValue({ valueFrom: { secretKeyRef: { name: secret.secretName, key } } }, { secret, key });
  }

  /** @internal A placeholder carrying the problem of a value that is no EnvValue at all. */
  public static _invalid(problem: EnvValueProblem): EnvValue {
    return new EnvValue({ value: '' }, undefined, [problem]);
  }

  /** A field of the pod, e.g. `status.podIP` or `metadata.name`. */
  public static fromFieldPath(fieldPath: string): EnvValue {
    if (typeof fieldPath !== 'string' || !(FIELD_PATHS.includes(fieldPath) || LABEL_OR_ANNOTATION.test(fieldPath))) {
      return new EnvValue({ valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, undefined, [{
        message: `must be a pod field the downward API gives to environment variables: ${FIELD_PATHS.join(', ')}, metadata.labels['<key>'] or metadata.annotations['<key>']`,
        value: fieldPath,
      }]);
    }
    return new EnvValue({ valueFrom: { fieldRef: { fieldPath } } });
  }

  /** @internal */
  public readonly _secretKey?: { readonly secret: ISecretSource; readonly key: string };
  /** @internal Problems with the factory's arguments, reported by the workload that uses the value. */
  public readonly _problems: readonly EnvValueProblem[];

  private constructor(private readonly source: Omit<k8s.EnvVar, 'name'>, secretKey?: { secret: ISecretSource; key: string }, problems: readonly EnvValueProblem[] = []) {
    this._secretKey = secretKey;
    this._problems = problems;
    brand(this, BrandKind.ENV_VALUE);
  }

  /** The literal value, when this is one. */
  public get literal(): string | undefined {
    return this.source.value;
  }

  /** @internal */
  public _toEnvVar(name: string): k8s.EnvVar {
    return { name, ...this.source };
  }
}

function readName(configMap: unknown): unknown {
  try {
    return typeof configMap === 'object' && configMap !== null ? (configMap as { name?: unknown }).name : undefined;
  } catch {
    return undefined;
  }
}

function readOptional(options: unknown, problems: EnvValueProblem[]): boolean | undefined {
  if (options === undefined) {
    return undefined;
  }
  const optional = typeof options === 'object' && options !== null ? (options as { optional?: unknown }).optional : options;
  if (optional !== undefined && typeof optional !== 'boolean') {
    problems.push({ message: 'options must be { optional?: boolean }', value: options });
    return undefined;
  }
  return optional;
}

/** Environment variables by name; plain strings are literal values. */
export type EnvMap = Readonly<Record<string, string | EnvValue>>;

/** The value as an `EnvValue`; anything else is an `EnvValue` carrying the problem. */
export function toEnvValue(value: string | EnvValue): EnvValue {
  if (typeof value === 'string') {
    return EnvValue.fromValue(value);
  }
  if (EnvValue.isEnvValue(value)) {
    return value;
  }
  return EnvValue._invalid({ message: 'must be a string or an EnvValue (EnvValue.fromSecret(), EnvValue.fromConfigMap(), ...)', value });
}

const SECRET_NAME_HINT = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)(_|$)/i;

/** Whether a variable's name says it holds a secret, so a literal value for it is refused. `*_FILE` names a file holding one (a path, e.g. Grafana's `GF_SECURITY_ADMIN_PASSWORD__FILE`). */
export function looksLikeSecretName(name: string): boolean {
  return SECRET_NAME_HINT.test(name) && !/_FILE$/i.test(name);
}
