import { type IConstruct } from 'constructs';
import { brand, BrandKind, hasBrand } from './brand';

/** What has to exist in the cluster before the manifests are applied. */
export enum PrerequisiteKind {
  /** An operator (controller) and the CustomResourceDefinitions of the objects it serves. */
  OPERATOR = 'operator',
  /** A Secret created out of band: its name and the keys the pods read. */
  SECRET = 'secret',
  /** A SecretStore or ClusterSecretStore and the remote keys ExternalSecrets read from it. */
  SECRET_STORE = 'secret-store',
  /** A StorageClass (or the cluster's default one) that claims are provisioned from. */
  STORAGE_CLASS = 'storage-class',
  /** An IngressClass and its controller. */
  INGRESS_CLASS = 'ingress-class',
  /** A cert-manager ClusterIssuer issuing the TLS certificates of Ingresses. */
  CLUSTER_ISSUER = 'cluster-issuer',
  /** GPUs advertised to the scheduler (NVIDIA GPU Operator, MIG strategy), node labels and taints. */
  GPU = 'gpu',
  /** RuntimeClasses and PriorityClasses pods name. */
  SCHEDULING = 'scheduling',
  /** A namespace the manifests need: the app's own when they do not create it, or one whose pods the NetworkPolicies admit (scrapers, ingress controllers, KEDA, DNS, collectors). */
  NAMESPACE = 'namespace',
  /** Where dashboards and alerts get series the app does not serve (kube-state-metrics, cAdvisor, the DCGM exporter, Grafana's dashboard sidecar). */
  METRICS_SOURCE = 'metrics-source',
}

/** One thing that must exist before `kubectl apply` or `helm install`. */
export interface Prerequisite {
  readonly kind: PrerequisiteKind;
  /** What it is, e.g. `KEDA`, the Secret's name, the StorageClass's name. */
  readonly name: string;
  /** What exactly is needed: keys, CRDs, labels, modes. */
  readonly detail: string;
  /** The objects (`Kind/name`) or constructs that need it. */
  readonly neededBy: readonly string[];
  /** A command that checks it (or creates it, for a Secret). */
  readonly check?: string;
}

/**
 * A construct that knows prerequisites the rendered objects do not show (the series its
 * dashboards read from the cluster, for example). The prerequisites report asks every construct
 * of the chart that implements it.
 */
export interface IPrerequisiteProvider extends IConstruct {
  prerequisites(): Prerequisite[];
}

/** Marks a construct as a prerequisite provider. */
export function brandPrerequisiteProvider(construct: IPrerequisiteProvider): void {
  brand(construct, BrandKind.PREREQUISITE_PROVIDER);
}

/** Whether `value` provides prerequisites (any copy of the library). */
export function isPrerequisiteProvider(value: unknown): value is IPrerequisiteProvider {
  return hasBrand(value, BrandKind.PREREQUISITE_PROVIDER);
}
