import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { z } from 'zod';
import { ExternalSecret, ExternalSecretSpecSecretStoreRefKind, ExternalSecretSpecTargetCreationPolicy, ExternalSecretSpecTargetDeletionPolicy } from '../imports/external-secrets.io';
import { SealedSecret } from '../imports/bitnami.com';
import { EnvironmentTier, SecretBackend } from './environment';
import { brand, BrandKind } from './core/brand';
import { checkScope, type PropIssue, reportIssues } from './core/errors';
import { EnvValue, type ISecretSource } from './core/env-value';
import { contextOf } from './core/workload';
import { checkProps } from './core/props';
import { contextLabels, toKubernetesName } from './core/labels';
import { configKey, dnsSubdomain } from './core/schemas';
import { allowedWording } from './core/props';
import { PLACEHOLDER } from './core/placeholder';

/** Props of a `SecretSource`. */
export interface SecretSourceProps {
  /**
   * Name of the Kubernetes Secret the pods read.
   * @default - the construct id in kebab-case
   */
  readonly name?: string;
  /** Keys the Secret holds, e.g. `["base_url", "username", "password"]`. */
  readonly keys: string[];
  /**
   * Remote key of each Secret key, for the external-secrets backend; the environment's
   * `secrets.remoteKeyPrefix` is prepended (so `confluence/password` becomes `prod/confluence/password`).
   * @default - every key reads property `<key>` of the remote secret `<prefix><name>`
   */
  readonly remoteKeys?: Record<string, string>;
  /**
   * Already-encrypted values (`kubeseal --raw` output) per key, for the sealed-secrets backend.
   * @default - none; required when the backend is sealed-secrets
   */
  readonly encryptedData?: Record<string, string>;
  /**
   * Literal values, rendered into the manifests. Refused unless the environment is development
   * and sets `secrets.allowLiteralValues`: never commit real credentials.
   * @default - none
   */
  readonly literalValues?: Record<string, string>;
  /**
   * Backend for this secret only.
   * @default - the environment's `secrets.backend`
   */
  readonly backend?: SecretBackend;
}

const secretKeys = z.array(configKey, { error: 'must be a list of Secret keys, e.g. ["username", "password"]' })
  .min(1, { error: 'must list at least one key' })
  .refine((keys) => new Set(keys).size === keys.length, { error: 'must list each key once' });

export const secretSourceSchema = z.object({
  name: z.unknown().optional(),
  keys: secretKeys,
  remoteKeys: z.record(z.string(), z.string().min(1, { error: 'must not be empty' })).optional(),
  encryptedData: z.record(z.string(), z.string().min(1, { error: 'must not be empty' })).optional(),
  literalValues: z.record(z.string(), z.string({ error: 'must be a string' })).optional(),
  backend: z.enum(SecretBackend, { error: `must be one of ${Object.values(SecretBackend).join(', ')}` }).optional(),
}).strict();

/**
 * A Secret the app needs, declared by its keys. The environment decides where the values come
 * from: a Secret created out of band (`kubectl create secret generic ...`), an ExternalSecret
 * synced by the External Secrets Operator, or a SealedSecret. No secret value is ever rendered,
 * except literal values a development environment explicitly allows.
 */
export class SecretSource extends Construct implements ISecretSource {
  /**
   * A Secret that already exists in the namespace, whatever the environment's backend: nothing
   * is rendered, the workloads only reference it.
   */
  public static fromSecretName(scope: Construct, id: string, secretName: string, keys: string[]): ISecretSource {
    const problems: PropIssue[] = [];
    const name = checkSecretName(secretName, PLACEHOLDER, problems);
    const parsedKeys = secretKeys.safeParse(keys, { error: allowedWording });
    if (!parsedKeys.success) {
      problems.push({ field: 'keys', value: keys, message: parsedKeys.error.issues[0].message });
    }
    const secret = new ExistingSecret(scope, id, name, parsedKeys.success ? parsedKeys.data : []);
    reportIssues(secret, problems);
    return secret;
  }

  public readonly secretName: string;
  public readonly keys: readonly string[];
  /** The backend that provides the values. */
  public readonly backend: SecretBackend;

  constructor(scope: Construct, id: string, props: SecretSourceProps) {
    super(checkScope(scope, id, 'SecretSource'), id);
    brand(this, BrandKind.SECRET_SOURCE);
    const { value, issues } = checkProps(secretSourceSchema, props);
    const problems: PropIssue[] = [...issues];
    const environment = contextOf(this).environment;
    this.secretName = checkSecretName(props?.name, id, problems);
    this.keys = value?.keys ?? [];
    this.backend = value?.backend ?? environment.secrets.backend;
    reportIssues(this, problems);
    if (!value) {
      return;
    }
    problems.push(
      ...unknownKeyIssues(this.keys, value.remoteKeys, 'remoteKeys'),
      ...unknownKeyIssues(this.keys, value.encryptedData, 'encryptedData'),
      ...unknownKeyIssues(this.keys, value.literalValues, 'literalValues'),
    );
    const labels = contextLabels(contextOf(this).partOf, environment.name);
    if (value.literalValues) {
      problems.push(...this.renderLiteral(value.literalValues, labels));
      return;
    }
    if (this.backend === SecretBackend.EXTERNAL_SECRETS) {
      problems.push(...this.renderExternalSecret(value.remoteKeys ?? {}, labels));
    } else if (this.backend === SecretBackend.SEALED_SECRETS) {
      problems.push(...this.renderSealedSecret(value.encryptedData, labels));
    }
  }

  /** An environment variable reading one key. */
  public envValue(key: string): EnvValue {
    return EnvValue.fromSecret(this, key);
  }

  private renderLiteral(values: Record<string, string>, labels: Record<string, string>): PropIssue[] {
    const environment = contextOf(this).environment;
    if (environment.tier !== EnvironmentTier.DEVELOPMENT || !environment.secrets.allowLiteralValues) {
      return [{
        field: 'literalValues',
        message: `literal secret values would be committed to Git with the manifests; environment "${environment.name}" (${environment.tier}) does not allow them. Remove literalValues and create the secret out of band (kubectl create secret generic ${this.secretName} ...), or use the external-secrets or sealed-secrets backend; only a development environment with secrets.allowLiteralValues: true may render literals`,
      }];
    }
    const missing = this.keys.filter((k) => !(k in values));
    new k8s.KubeSecret(this, 'Resource', {
      metadata: { name: this.secretName, labels },
      type: 'Opaque',
      stringData: { ...values },
    });
    return missing.length > 0 ? [{ field: 'literalValues', message: `has no value for declared keys: ${missing.join(', ')}` }] : [];
  }

  private renderExternalSecret(remoteKeys: Record<string, string>, labels: Record<string, string>): PropIssue[] {
    const policy = contextOf(this).environment.secrets;
    if (!policy.store) {
      return [{ field: 'backend', message: 'the external-secrets backend needs the environment\'s secrets.store (a SecretStore or ClusterSecretStore)' }];
    }
    new ExternalSecret(this, 'Resource', {
      metadata: { name: this.secretName, labels },
      spec: {
        refreshInterval: policy.refreshInterval,
        secretStoreRef: { name: policy.store.name, kind: policy.store.kind === 'ClusterSecretStore' ? ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE : ExternalSecretSpecSecretStoreRefKind.SECRET_STORE },
        target: { name: this.secretName, creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER, deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN },
        data: this.keys.map((key) => ({
          secretKey: key,
          remoteRef: remoteKeys[key] !== undefined
            ? { key: `${policy.remoteKeyPrefix}${remoteKeys[key]}` }
            : { key: `${policy.remoteKeyPrefix}${this.secretName}`, property: key },
        })),
      },
    });
    return [];
  }

  private renderSealedSecret(encryptedData: Record<string, string> | undefined, labels: Record<string, string>): PropIssue[] {
    const missing = this.keys.filter((k) => !encryptedData || !(k in encryptedData));
    if (!encryptedData || missing.length > 0) {
      return [{
        field: 'encryptedData',
        message: `the sealed-secrets backend needs the encrypted value of every key (kubeseal --raw --name ${this.secretName} ...); missing: ${missing.join(', ')}`,
      }];
    }
    new SealedSecret(this, 'Resource', {
      metadata: { name: this.secretName, labels },
      spec: { encryptedData: { ...encryptedData }, template: { metadata: { name: this.secretName, labels }, type: 'Opaque' } },
    });
    return [];
  }
}

function checkSecretName(given: unknown, id: string, problems: PropIssue[]): string {
  const name = given ?? toKubernetesName(id);
  const result = dnsSubdomain.safeParse(name);
  if (!result.success) {
    problems.push({ field: 'name', value: name, message: result.error.issues[0].message });
    return PLACEHOLDER;
  }
  return result.data;
}

function unknownKeyIssues(keys: readonly string[], map: Record<string, string> | undefined, field: string): PropIssue[] {
  return Object.keys(map ?? {}).filter((k) => !keys.includes(k)).map((k) => ({
    field: `${field}.${k}`,
    message: `is not one of the declared keys (${keys.join(', ')}); add it to keys or remove it`,
  }));
}

/** A Secret created outside the app. */
class ExistingSecret extends Construct implements ISecretSource {
  constructor(scope: Construct, id: string, public readonly secretName: string, public readonly keys: readonly string[]) {
    super(checkScope(scope, id, 'SecretSource.fromSecretName()'), id);
    brand(this, BrandKind.SECRET_SOURCE);
  }
}
