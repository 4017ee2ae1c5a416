import type * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type IConstruct } from 'constructs';
import { type PropIssue } from './errors';
import { checkProps } from './props';
import { type ContainerMount, PodVolume, type VolumeMountOptions, volumeMountOptionsSchema } from './volumes';

/**
 * The volumes of one pod and the mounts of its main container: each volume added once however
 * many containers mount it, two volumes never under one name, two mounts never at one path, the
 * factories' problems reported, the pod ordered after what its volumes read, and a
 * `checksum/<volume>` annotation for every volume whose content the app knows.
 */
export class PodVolumeSet {
  private readonly volumes = new Map<string, k8s.Volume | PodVolume>();
  private readonly mounts: k8s.VolumeMount[] = [];

  constructor(private readonly owner: IConstruct, private readonly report: (issue: PropIssue) => void) {}

  /** Adds a volume to the pod, mounted into the main container when `mount` is given (checked against `volumeMountOptionsSchema`). */
  public addAndMount(volume: PodVolume, mount: VolumeMountOptions | undefined, field: string): void {
    this.add(volume, field);
    if (!mount) {
      return;
    }
    const options = checkProps(volumeMountOptionsSchema, mount, `${field}.${volume.name}`);
    options.issues.forEach(this.report);
    if (options.value) {
      const mounts = [{ volume, ...options.value }];
      mountIssues(mounts, `${field}.${volume.name}`).forEach(this.report);
      this.renderMounts(mounts).forEach((m) => this.mountMain(m, `${field}.${volume.name}.mountPath`));
    }
  }

  /** Adds a volume to the pod once, reporting a library volume's factory problems and ordering the pod after what it reads. */
  public add(volume: PodVolume | k8s.Volume, field: string): void {
    if (this.volumes.get(volume.name) === volume) {
      return;
    }
    if (this.volumes.has(volume.name)) {
      this.report({ field, value: volume.name, message: 'is already the name of another volume of this pod; give each volume its own name' });
      return;
    }
    this.volumes.set(volume.name, volume);
    if (PodVolume.isPodVolume(volume)) {
      volume._issues.forEach((i) => this.report({ ...i, field: `${field}.${volume.name}.${i.field}` }));
      for (const dependency of volume._source.dependencies ?? []) {
        this.owner.node.addDependency(dependency);
      }
    }
  }

  /** Mounts a volume of the pod into the main container; Kubernetes refuses two mounts at one path. */
  public mountMain(mount: k8s.VolumeMount, field: string): void {
    const taken = this.mounts.find((m) => m.mountPath === mount.mountPath);
    if (taken) {
      this.report({ field, value: mount.mountPath, message: `is already the mount path of volume "${taken.name}"; Kubernetes refuses two mounts at one path: choose another mountPath` });
      return;
    }
    this.mounts.push(mount);
  }

  /** The mounts of the main container, in the order added. */
  public get mainMounts(): readonly k8s.VolumeMount[] {
    return this.mounts;
  }

  /** Kubernetes mounts of the library's mounts: ConfigMaps and Secrets always read-only. */
  public renderMounts(mounts: readonly ContainerMount[]): k8s.VolumeMount[] {
    return mounts.map((m) => ({ name: m.volume.name, mountPath: m.mountPath, readOnly: m.volume._source.readOnly || m.readOnly ? true : undefined, subPath: m.subPath }));
  }

  /** The pod's volumes, in the order added. */
  public render(): k8s.Volume[] {
    return [...this.volumes.values()].map((v) => (PodVolume.isPodVolume(v) ? v._toVolume() : v));
  }

  /** `checksum/<volume>` for every volume whose content the app knows: a change of it rolls the pods, `subPath` files included. */
  public contentHashes(): Record<string, string> {
    const hashes: Record<string, string> = {};
    for (const volume of this.volumes.values()) {
      const hash = PodVolume.isPodVolume(volume) ? volume._source.contentHash?.() : undefined;
      if (hash) {
        hashes[`checksum/${volume.name}`] = hash;
      }
    }
    return hashes;
  }
}

/** Mounts of a read-only source (a ConfigMap, a Secret) that ask to be writable, and two mounts at one path of one container. */
export function mountIssues(mounts: readonly ContainerMount[], field: string): PropIssue[] {
  const issues: PropIssue[] = mounts.filter((m) => m.volume._source.readOnly && m.readOnly === false).map((m) => ({
    field,
    value: m.mountPath,
    message: `volume "${m.volume.name}" is a ConfigMap or Secret, always mounted read-only; remove readOnly: false`,
  }));
  mounts.forEach((m, i) => {
    const taken = mounts.slice(0, i).find((earlier) => earlier.mountPath === m.mountPath);
    if (taken) {
      issues.push({ field, value: m.mountPath, message: `is already the mount path of volume "${taken.volume.name}"; Kubernetes refuses two mounts at one path: choose another mountPath` });
    }
  });
  return issues;
}
