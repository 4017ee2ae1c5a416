import type * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type IConstruct } from 'constructs';
import { brand, BrandKind, hasBrand } from './brand';

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

/**
 * The value of an environment variable: a literal, a key of a ConfigMap or Secret, or a pod field.
 * Literal values must not be secrets: use `EnvValue.fromSecret()`.
 */
export class EnvValue {
  /** Whether `value` is an `EnvValue` of any copy of the library. */
  public static isEnvValue(value: unknown): value is EnvValue {
    return hasBrand(value, BrandKind.ENV_VALUE);
  }

  /** A literal value, rendered into the manifest. */
  public static fromValue(value: string): EnvValue {
    return new EnvValue({ value });
  }

  /** A key of a ConfigMap. */
  public static fromConfigMap(configMap: IConfigMapReference, key: string, options: { optional?: boolean } = {}): EnvValue {
    return new EnvValue({ valueFrom: { configMapKeyRef: { name: configMap.name, key, optional: options.optional } } });
  }

  /** A key of a Secret; the value never appears in the manifest. */
  public static fromSecret(secret: ISecretSource, key: string): EnvValue {
    return new EnvValue({ valueFrom: { secretKeyRef: { name: secret.secretName, key } } }, { secret, key });
  }

  /** A field of the pod, e.g. `status.podIP` or `metadata.name`. */
  public static fromFieldPath(fieldPath: string): EnvValue {
    return new EnvValue({ valueFrom: { fieldRef: { fieldPath } } });
  }

  /** @internal */
  public readonly _secretKey?: { readonly secret: ISecretSource; readonly key: string };

  private constructor(private readonly source: Omit<k8s.EnvVar, 'name'>, secretKey?: { secret: ISecretSource; key: string }) {
    this._secretKey = secretKey;
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

/** Environment variables by name; plain strings are literal values. */
export type EnvMap = Readonly<Record<string, string | EnvValue>>;

export function toEnvValue(value: string | EnvValue): EnvValue {
  return typeof value === 'string' ? EnvValue.fromValue(value) : value;
}

const SECRET_NAME_HINT = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)(_|$)/i;

/** Whether a variable's name says it holds a secret, so a literal value for it is refused. `*_FILE` names a file holding one (a path, e.g. Grafana's `GF_SECURITY_ADMIN_PASSWORD__FILE`). */
export function looksLikeSecretName(name: string): boolean {
  return SECRET_NAME_HINT.test(name) && !/_FILE$/i.test(name);
}
