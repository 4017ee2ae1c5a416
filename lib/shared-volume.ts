import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { brand, BrandKind } from './core/brand';
import { z } from 'zod';
import { checkScope, type PropIssue, reportIssues } from './core/errors';
import { contextLabels, toKubernetesName } from './core/labels';
import { checkProps } from './core/props';
import { PLACEHOLDER } from './core/placeholder';
import { parseQuantity } from './core/quantity';
import { absolutePath, dnsSubdomain, resourceName, storageQuantity } from './core/schemas';
import { addNotice } from './core/notices';
import { contextOf, type IQuotaConsumer, type QuotaDemand } from './core/workload';
import { type ISharedVolume } from './core/service-workload';
import { type EnvironmentConfig, PodSecurityLevel } from './environment';

/** Props of a `SharedVolume`. */
export interface SharedVolumeProps {
  /**
   * Name of the PersistentVolumeClaim.
   * @default - the construct id in kebab-case
   */
  readonly name?: string;
  /**
   * Capacity requested.
   * @default "20Gi"
   */
  readonly size?: string;
  /**
   * Folder on the node used instead of a claim where the environment allows hostPath
   * (a single-node development cluster such as Minikube or k3s).
   * @default - a claim in every environment
   */
  readonly hostPath?: string;
  /**
   * StorageClass of the claim; it must support ReadWriteMany (EFS, Filestore, NFS).
   * @default - the environment's `storage.sharedStorageClassName`
   */
  readonly storageClassName?: string;
}

export const sharedVolumeSchema = z.object({
  name: z.unknown().optional(),
  size: storageQuantity.optional(),
  hostPath: absolutePath('/mnt/data/vault').optional(),
  storageClassName: dnsSubdomain.optional(),
}).strict();

/**
 * Files shared by several pods (an Obsidian vault, an inbox folder). Where the environment allows
 * hostPath (single-node development) and a `hostPath` is given, pods mount the node folder;
 * everywhere else a ReadWriteMany PersistentVolumeClaim (e.g. storage class `efs-sc`), which
 * pods on any node can mount at once.
 */
export class SharedVolume extends Construct implements IQuotaConsumer, ISharedVolume {
  public readonly name: string;
  /** Whether pods mount a node folder instead of the claim. */
  public readonly usesHostPath: boolean;
  public readonly size: string;
  private readonly hostPath?: string;
  private readonly environment: EnvironmentConfig;

  constructor(scope: Construct, id: string, props: SharedVolumeProps = {}) {
    super(checkScope(scope, id, 'SharedVolume'), id);
    brand(this, BrandKind.SHARED_VOLUME);
    const { value, issues } = checkProps(sharedVolumeSchema, props ?? {});
    const problems: PropIssue[] = [...issues];
    this.environment = contextOf(this).environment;
    const given = value?.name ?? toKubernetesName(id);
    const nameCheck = resourceName().safeParse(given);
    this.name = nameCheck.success ? nameCheck.data : PLACEHOLDER;
    if (!nameCheck.success) {
      problems.push({ field: 'name', value: given, message: nameCheck.error.issues[0].message });
    }
    reportIssues(this, problems);
    this.size = value?.size ?? '20Gi';
    this.hostPath = value?.hostPath;
    this.usesHostPath = this.hostPath !== undefined && this.environment.storage.allowHostPath;
    if (this.hostPath !== undefined && !this.usesHostPath) {
      addNotice(this, {
        field: 'hostPath',
        asked: `the node folder ${this.hostPath}`,
        rendered: `a ReadWriteMany claim of ${this.size}`,
        why: `environment "${this.environment.name}" does not allow hostPath volumes (storage.allowHostPath is false)`,
      });
    }
    if (this.usesHostPath && this.environment.namespacePolicy.enforce !== PodSecurityLevel.PRIVILEGED) {
      problems.push({
        field: 'hostPath',
        value: this.hostPath,
        message: `the namespace enforces Pod Security "${this.environment.namespacePolicy.enforce}", which rejects hostPath volumes; enforce "privileged" in this development environment or drop hostPath`,
      });
    }
    if (!this.usesHostPath) {
      new k8s.KubePersistentVolumeClaim(this, 'Resource', {
        metadata: { name: this.name, labels: contextLabels(contextOf(this).partOf, this.environment.name) },
        spec: {
          accessModes: ['ReadWriteMany'],
          storageClassName: value?.storageClassName ?? this.environment.storage.sharedStorageClassName,
          resources: { requests: { storage: k8s.Quantity.fromString(this.size) } },
        },
      });
    }
  }

  /** The pod volume named `volumeName`. */
  public toVolume(volumeName: string): k8s.Volume {
    if (this.usesHostPath) {
      return { name: volumeName, hostPath: { path: this.hostPath ?? '/', type: 'DirectoryOrCreate' } };
    }
    return { name: volumeName, persistentVolumeClaim: { claimName: this.name } };
  }

  public quotaDemand(): QuotaDemand | undefined {
    if (this.usesHostPath) {
      return undefined;
    }
    return { pods: 0, cpuRequest: 0, memoryRequest: 0, cpuLimit: 0, memoryLimit: 0, gpus: 0, volumeClaims: 1, storageBytes: parseQuantity(this.size) };
  }
}
