import { createHash } from 'crypto';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct, type IConstruct } from 'constructs';
import { z } from 'zod';
import { brand, BrandKind, hasBrand } from './brand';
import { type IConfigMapReference, type ISecretSource } from './env-value';
import { type PropIssue } from './errors';
import { toPropIssues } from './props';
import { storageQuantity } from './schemas';

/** Files several pods mount at once (implemented by `SharedVolume`). */
export interface ISharedVolume extends IConstruct {
  /** Name of the volume, unique in the namespace. */
  readonly name: string;
  /** The pod volume, named `volumeName`. */
  toVolume(volumeName: string): k8s.Volume;
}

/** A ConfigMap a pod mounts; when its data is known (a cdk8s-plus `ConfigMap`), a change of it rolls the pods. */
export interface IConfigMapVolumeSource extends IConfigMapReference {
  /**
   * The ConfigMap's data, when it is built in this app. Its hash goes on the pod template, so
   * that a change reaches the pods (files mounted with `subPath` are never updated in place).
   * @default - unknown: pods are not rolled when the ConfigMap changes
   */
  readonly data?: Readonly<Record<string, string>>;
  /**
   * The ConfigMap's binary files (base64), when it is built in this app; hashed with `data`.
   * @default - none
   */
  readonly binaryData?: Readonly<Record<string, string>>;
}

/**
 * Configuration files in a ConfigMap of this app (implemented by `ConfigFiles`), mounted into
 * workloads with their `configFiles` prop or `mountConfigFiles()`.
 */
export interface IConfigFiles extends IConfigMapVolumeSource, IConstruct {
  /** The files' keys: their names in a mounted folder. */
  readonly keys: readonly string[];
}

/** Options of `PodVolume.emptyDir()`. */
export interface EmptyDirOptions {
  /**
   * Most the volume may hold; a pod that writes more is evicted. Memory-backed volumes count against the memory limit of the containers.
   * @default "256Mi"
   */
  readonly sizeLimit?: string;
  /**
   * Whether the volume lives in memory (tmpfs) instead of on the node's disk.
   * @default false
   */
  readonly memory?: boolean;
}

/** Options of `PodVolume.fromConfigMap()`. */
export interface ConfigMapVolumeOptions {
  /**
   * Name of the volume in the pod.
   * @default - `config-<ConfigMap name>`, cut to 63 characters
   */
  readonly name?: string;
  /**
   * Keys to project and the file each becomes (`{ "app.yaml": "config/app.yaml" }`).
   * @default - every key, as a file of the same name
   */
  readonly items?: Record<string, string>;
}

/** Options of `PodVolume.fromSecret()`. */
export interface SecretVolumeOptions {
  /**
   * Name of the volume in the pod.
   * @default - `secret-<Secret name>`, cut to 63 characters
   */
  readonly name?: string;
  /**
   * Keys to project, each as a file of the same name; they must be keys the Secret declares.
   * @default - every declared key
   */
  readonly keys?: string[];
}

/** Where a container sees a volume. */
export interface VolumeMountOptions {
  /** Absolute path in the container. */
  readonly mountPath: string;
  /**
   * Whether the container only reads it. ConfigMap and Secret volumes are always mounted read-only.
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * A file or folder inside the volume to mount instead of its root, e.g. one file of a ConfigMap.
   * Files mounted this way are not updated in place when the source changes.
   * @default - the whole volume
   */
  readonly subPath?: string;
}

/** A volume and where a container sees it. */
export interface ContainerMount extends VolumeMountOptions {
  /** The volume. */
  readonly volume: PodVolume;
}

const volumeName = z.string().max(63, { error: 'must be at most 63 characters' }).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
  error: 'must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. "cache")',
});

const relativePath = z.string().min(1, { error: 'must not be empty' }).refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), {
  error: 'must be a relative path inside the volume, without ".." (e.g. "app.yaml")',
});

export const volumeMountOptionsSchema = z.object({
  mountPath: z.string().regex(/^\/[^\0:]*$/, { error: 'must be an absolute path without ":", e.g. "/etc/app"' }),
  readOnly: z.boolean().optional(),
  subPath: relativePath.optional(),
}).strict();

const emptyDirSchema = z.object({ sizeLimit: storageQuantity.optional(), memory: z.boolean().optional() }).strict();
const configMapSchema = z.object({ name: volumeName.optional(), items: z.record(z.string().min(1), relativePath).optional() }).strict();
const secretSchema = z.object({ name: volumeName.optional(), keys: z.array(z.string().min(1)).min(1, { error: 'must list at least one key, or be left out for all of them' }).optional() }).strict();

/** What a volume source contributes to a pod, resolved when the pod renders. */
interface VolumeSource {
  readonly render: () => Omit<k8s.Volume, 'name'>;
  /** Hash of the content, for the pod template annotation that rolls the pods when it changes. */
  readonly contentHash?: () => string | undefined;
  /** Constructs the workload must be synthesized after. */
  readonly dependencies?: readonly IConstruct[];
  /** Whether every mount is read-only, whatever the mount asks. */
  readonly readOnly?: boolean;
}

/**
 * A volume of a pod, built from the library's own types (never a raw Kubernetes `Volume`): an
 * emptyDir, a ConfigMap, a Secret or a `SharedVolume`. Containers mount it by reference
 * (`addVolume(volume, { mountPath })` for the main container, `mounts` of a sidecar or init
 * container); a volume is added to the pod once, however many containers mount it.
 */
export class PodVolume {
  /** Whether `value` is a `PodVolume` of any copy of the library. */
  public static isPodVolume(value: unknown): value is PodVolume {
    return hasBrand(value, BrandKind.POD_VOLUME);
  }

  /** Scratch space shared by the containers of one pod, emptied when the pod goes. */
  public static emptyDir(name: string, options: EmptyDirOptions = {}): PodVolume {
    const issues = [...nameIssues(name), ...optionIssues(emptyDirSchema, options)];
    const parsed = emptyDirSchema.safeParse(options);
    const sizeLimit = (parsed.success ? parsed.data.sizeLimit : undefined) ?? '256Mi';
    const memory = parsed.success && parsed.data.memory === true;
    return new PodVolume(name, issues, {
      render: () => ({ emptyDir: { sizeLimit: k8s.Quantity.fromString(sizeLimit), ...(memory ? { medium: 'Memory' } : {}) } }),
    });
  }

  /**
   * The keys of a ConfigMap as files, always read-only. With a ConfigMap whose data the app knows
   * (a cdk8s-plus `ConfigMap`), a hash of the data on the pod template rolls the pods when it changes.
   */
  public static fromConfigMap(configMap: IConfigMapVolumeSource, options: ConfigMapVolumeOptions = {}): PodVolume {
    const name = options.name ?? defaultName('config', configMap.name);
    const parsed = configMapSchema.safeParse(options);
    const items = parsed.success ? parsed.data.items : undefined;
    return new PodVolume(name, [...nameIssues(name), ...optionIssues(configMapSchema, options)], {
      render: () => ({ configMap: { name: configMap.name, ...(items ? { items: Object.entries(items).map(([key, path]) => ({ key, path })) } : {}) } }),
      contentHash: () => (configMap.data === undefined && configMap.binaryData === undefined ? undefined : hashOf(configMap.data ?? {}, configMap.binaryData)),
      // A ConfigMap built in this app is applied before the pods that mount it.
      dependencies: Construct.isConstruct(configMap) ? [configMap] : [],
      readOnly: true,
    });
  }

  /** The keys of a Secret as files (mode 0440: the pod's user reads them through its fsGroup), always read-only. */
  public static fromSecret(secret: ISecretSource, options: SecretVolumeOptions = {}): PodVolume {
    const name = options.name ?? defaultName('secret', secret.secretName);
    const parsed = secretSchema.safeParse(options);
    const keys = parsed.success ? parsed.data.keys : undefined;
    const undeclared = (keys ?? []).filter((k) => !secret.keys.includes(k)).map((key) => ({
      field: 'keys',
      value: key,
      message: `secret "${secret.secretName}" declares no such key (declared: ${secret.keys.join(', ')}); the pod would not start. Use one of them`,
    }));
    return new PodVolume(name, [...nameIssues(name), ...optionIssues(secretSchema, options), ...undeclared], {
      render: () => ({ secret: { secretName: secret.secretName, defaultMode: 0o440, ...(keys ? { items: keys.map((key) => ({ key, path: key })) } : {}) } }),
      dependencies: [secret],
      readOnly: true,
    });
  }

  /** A `SharedVolume`: a ReadWriteMany claim (or a node folder in single-node development). One per shared volume, however often asked. */
  public static fromSharedVolume(volume: ISharedVolume): PodVolume {
    let podVolume = SHARED.get(volume);
    if (!podVolume) {
      const name = `shared-${volume.name}`;
      podVolume = new PodVolume(name, nameIssues(name), { render: () => withoutName(volume.toVolume(name)), dependencies: [volume] });
      SHARED.set(volume, podVolume);
    }
    return podVolume;
  }

  /** Name of the volume in the pod. */
  public readonly name: string;
  /** Problems with the factory's arguments; the workload that adds the volume reports them. @internal */
  public readonly _issues: readonly PropIssue[];
  /** @internal */
  public readonly _source: VolumeSource;

  private constructor(name: string, issues: readonly PropIssue[], source: VolumeSource) {
    this.name = name;
    this._issues = issues;
    this._source = source;
    brand(this, BrandKind.POD_VOLUME);
  }

  /** The pod volume. @internal */
  public _toVolume(): k8s.Volume {
    return { name: this.name, ...this._source.render() };
  }
}

const SHARED = new WeakMap<ISharedVolume, PodVolume>();

function defaultName(prefix: string, name: string): string {
  return `${prefix}-${name}`.slice(0, 63).replace(/[^a-z0-9]+$/, '');
}

function withoutName(volume: k8s.Volume): Omit<k8s.Volume, 'name'> {
  return Object.fromEntries(Object.entries(volume).filter(([key]) => key !== 'name')) as Omit<k8s.Volume, 'name'>;
}

function nameIssues(name: unknown): PropIssue[] {
  const result = volumeName.safeParse(name);
  return result.success ? [] : [{ field: 'name', value: name, message: result.error.issues[0].message }];
}

function optionIssues(schema: z.ZodType, options: unknown): PropIssue[] {
  const result = schema.safeParse(options, { reportInput: true });
  return result.success ? [] : toPropIssues(schema, result.error.issues, options);
}

/** SHA-256 of the entries sorted by key; binary entries, when there are any, are hashed after the text ones. */
function hashOf(data: Readonly<Record<string, string>>, binaryData?: Readonly<Record<string, string>>): string {
  const sorted = (entries: Readonly<Record<string, string>>) => Object.keys(entries).sort().map((key) => [key, entries[key]]);
  const binary = binaryData && Object.keys(binaryData).length > 0 ? [sorted(binaryData)] : [];
  return createHash('sha256').update(JSON.stringify([...sorted(data), ...binary])).digest('hex');
}
