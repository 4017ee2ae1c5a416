import { Lazy } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { z } from 'zod';
import { brand, BrandKind, hasBrand } from './core/brand';
import { checkScope, formatIssue, type PropIssue, reportIssues } from './core/errors';
import { contextLabels, toKubernetesName } from './core/labels';
import { PLACEHOLDER } from './core/placeholder';
import { checkProps } from './core/props';
import { resourceName } from './core/schemas';
import { type IConfigFiles } from './core/volumes';
import { contextOf } from './core/workload';
import { ConfigFile, MAX_CONFIG_MAP_BYTES } from './config-file';

/** Props of a `ConfigFiles` map. */
export interface ConfigFilesProps {
  /**
   * Name of the ConfigMap. Pods mount it by this name, so it is stable: changing it replaces
   * the map (and rolls the pods that mount it).
   * @default - the construct id in kebab-case
   */
  readonly name?: string;
  /** The files, each under its own key (more can be added with `addFile()`). */
  readonly files: ConfigFile[];
}

/** The pod volume is `config-<name>`, a DNS label of at most 63 characters. */
const MAX_NAME_LENGTH = 56;

const CONFIG_FILE_MESSAGE = 'must be a ConfigFile (ConfigFile.fromFile(), .fromContent(), .fromYaml() or .fromJson()), not a plain object';

export const configFilesSchema = z.object({
  name: z.unknown().optional(),
  files: z.array(z.custom<ConfigFile>((v) => ConfigFile.isConfigFile(v), { error: CONFIG_FILE_MESSAGE }))
    .min(1, { error: 'must list at least one ConfigFile (ConfigFile.fromFile(), .fromContent(), .fromYaml() or .fromJson())' }),
}).strict();

/**
 * Configuration files shipped as one ConfigMap under a readable, stable name (`jd-structure`),
 * which any number of workloads of the platform mount read-only, as a folder or one file each
 * (`configFiles` on agents, tools, batch jobs and GPU pools, or `mountConfigFiles()`). Every pod
 * template that mounts it carries a hash of its content (`checksum/config-<name>`), so a change
 * of any file rolls those pods, the Helm `checksum/config` habit; the map is applied before them.
 *
 * Checked before anything is written: keys unique and valid, the data (as Kubernetes counts it:
 * UTF-8 bytes of text plus raw bytes of binary files) at most 1 MiB, no secret-looking file.
 * Maps above about 256 KiB need a server-side apply (`kubectl apply --server-side`; Helm and the
 * Argo CD output do that already): a client-side apply copies the whole object into an annotation,
 * which is limited to 256 KiB.
 */
export class ConfigFiles extends Construct implements IConfigFiles {
  /** Whether `value` is a `ConfigFiles` of any copy of the library. */
  public static isConfigFiles(value: unknown): value is ConfigFiles {
    return hasBrand(value, BrandKind.CONFIG_FILES);
  }

  /** Name of the ConfigMap. */
  public readonly name: string;
  /** The ConfigMap. */
  public readonly configMap: k8s.KubeConfigMap;
  private readonly files: ConfigFile[] = [];
  private readonly problems: PropIssue[] = [];

  constructor(scope: Construct, id: string, props: ConfigFilesProps) {
    super(checkScope(scope, id, 'ConfigFiles'), id);
    brand(this, BrandKind.CONFIG_FILES);
    const { value, issues } = checkProps(configFilesSchema, props);
    this.problems.push(...issues);
    const given = props?.name ?? toKubernetesName(id);
    const nameCheck = resourceName(MAX_NAME_LENGTH).safeParse(given);
    this.name = nameCheck.success ? nameCheck.data : PLACEHOLDER;
    if (!nameCheck.success) {
      this.problems.push({ field: 'name', value: given, message: nameCheck.error.issues[0].message });
    }
    reportIssues(this, this.problems);
    this.node.addValidation({ validate: () => this.sizeProblems() });
    const context = contextOf(this);
    this.configMap = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: { name: this.name, labels: contextLabels(context.partOf, context.environment.name) },
      data: Lazy.any({ produce: () => (Object.keys(this.data).length > 0 ? this.data : undefined) }),
      binaryData: Lazy.any({ produce: () => this.binaryData }),
    });
    for (const file of value?.files ?? []) {
      this.addFile(file);
    }
  }

  /** Adds a file under its key; a key may name one file only. */
  public addFile(file: ConfigFile): void {
    const field = `files[${this.files.length}]`;
    if (!ConfigFile.isConfigFile(file)) {
      this.problems.push({ field, value: file, message: CONFIG_FILE_MESSAGE });
      return;
    }
    this.problems.push(...file._issues.map((i) => ({ ...i, field: `${field}.${i.field}` })));
    const taken = this.files.find((f) => f.key === file.key);
    if (taken) {
      this.problems.push({
        field: `${field}.key`,
        value: file.key,
        message: `is already the key of another file of the map (${taken.source}); a key names one file: give one of them another key (ConfigFile.fromFile(path, { key: "other.yaml" }))`,
      });
      return;
    }
    this.files.push(file);
  }

  /** The keys of the files: their names in a mounted folder. */
  public get keys(): readonly string[] {
    return this.files.map((f) => f.key);
  }

  /** The text files by key, as the ConfigMap's `data` renders them. */
  public get data(): Readonly<Record<string, string>> {
    return Object.fromEntries(this.files.flatMap((f) => ('text' in f._content ? [[f.key, f._content.text]] : [])));
  }

  /** The binary files by key, base64-encoded as the ConfigMap's `binaryData` renders them; undefined when there are none. */
  public get binaryData(): Readonly<Record<string, string>> | undefined {
    const binary = this.files.flatMap((f) => ('base64' in f._content ? [[f.key, f._content.base64]] : []));
    return binary.length > 0 ? Object.fromEntries(binary) : undefined;
  }

  /** Bytes of data as Kubernetes counts them against its 1 MiB limit: UTF-8 bytes of text plus raw bytes of binary files (keys are not counted). */
  public get sizeBytes(): number {
    return this.files.reduce((total, f) => total + f.sizeBytes, 0);
  }

  private sizeProblems(): string[] {
    const size = this.sizeBytes;
    if (size <= MAX_CONFIG_MAP_BYTES || this.files.some((f) => f.sizeBytes > MAX_CONFIG_MAP_BYTES)) {
      return [];
    }
    const largest = [...this.files].sort((a, b) => b.sizeBytes - a.sizeBytes).slice(0, 3).map((f) => `${f.key} ${f.sizeBytes}`).join(', ');
    return [formatIssue({
      field: 'files',
      value: `${size} bytes`,
      message: `hold more data than Kubernetes accepts in one ConfigMap, ${MAX_CONFIG_MAP_BYTES} bytes (1 MiB; largest files in bytes: ${largest}): split them into several ConfigFiles, or ship large files in the image or on a volume`,
    })];
  }
}
