import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';

/** What a single-replica StatefulSet with a persistent `data` volume needs. */
export interface PersistentStatefulSetOptions {
  /** Name of the StatefulSet; its headless Service is `<name>-headless`. */
  readonly name: string;
  readonly selectorLabels: Readonly<Record<string, string>>;
  readonly template: k8s.PodTemplateSpec;
  /** The `data` volume of each replica; none when undefined. */
  readonly storage?: { readonly size: string; readonly storageClassName?: string };
  /**
   * Pods, each with its own volume.
   * @default 1
   */
  readonly replicas?: number;
}

/**
 * One replica (or `replicas`) with a stable identity and its own ReadWriteOnce `data` volume, kept when the
 * StatefulSet is deleted or scaled down (Redis, Prometheus, Tempo, Alertmanager).
 */
export function persistentStatefulSetSpec(options: PersistentStatefulSetOptions): k8s.StatefulSetSpec {
  const storage = options.storage;
  return {
    replicas: options.replicas ?? 1,
    serviceName: `${options.name}-headless`,
    podManagementPolicy: 'OrderedReady',
    updateStrategy: { type: 'RollingUpdate' },
    revisionHistoryLimit: 5,
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    selector: { matchLabels: { ...options.selectorLabels } },
    template: options.template,
    volumeClaimTemplates: storage ? [{
      metadata: { name: 'data', labels: { ...options.selectorLabels } },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: storage.storageClassName,
        resources: { requests: { storage: k8s.Quantity.fromString(storage.size) } },
      },
    }] : undefined,
  };
}
