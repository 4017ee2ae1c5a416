import { ApiObject, Chart } from 'cdk8s';
import { type IConstruct } from 'constructs';
import { type ImageReference } from '../core/image';
import { type MetricsEndpoint, Workload } from '../core/workload';

/** How Prometheus finds a target. */
export enum ScrapeMethod {
  /** The self-hosted `kubernetes-pods` job, from the pod's `prometheus.io/*` annotations. */
  ANNOTATIONS = 'annotations',
  /** The self-hosted Prometheus scrapes itself on localhost (no network path). */
  SELF = 'self',
  /** A dedicated self-hosted job with `honor_labels` (kube-state-metrics: its series describe other pods). */
  HONOR_LABELS = 'honor-labels',
  /** A ServiceMonitor (operator mode): the workload's Service exposes the metrics port. */
  SERVICE_MONITOR = 'service-monitor',
  /** A PodMonitor (operator mode): no Service exposes the metrics port (queue workers, exporters). */
  POD_MONITOR = 'pod-monitor',
}

/** One endpoint Prometheus scrapes, derived from a workload's `metricsEndpoints()`. */
export interface ScrapeTarget {
  readonly workload: Workload;
  readonly endpoint: MetricsEndpoint;
  readonly method: ScrapeMethod;
  /** The Service and its port a ServiceMonitor scrapes through (SERVICE_MONITOR only). */
  readonly service?: { readonly name: string; readonly port: string };
}

/** Every workload of the chart of `scope`, in construction order. */
export function chartWorkloads(scope: IConstruct): Workload[] {
  return Chart.of(scope).node.findAll().filter((c): c is Workload => Workload.isWorkload(c));
}

const CONTROLLER_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];

function ownObjects(workload: Workload): ApiObject[] {
  return workload.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));
}

/** The object that runs the workload's pods (undefined when it renders none). */
function controllerOf(workload: Workload): ApiObject | undefined {
  const controllers = ownObjects(workload).filter((o) => CONTROLLER_KINDS.includes(o.kind));
  return controllers.find((o) => o.name === workload.name) ?? controllers[0];
}

/** The kind of the object that runs the workload's pods (undefined when it renders none). */
export function controllerKind(workload: Workload): string | undefined {
  return controllerOf(workload)?.kind;
}

/**
 * A regular expression matching exactly the names of the workload's pods, for the cluster series
 * (cAdvisor, kube-state-metrics, DCGM) that carry `pod` but not the workload's labels. Precise
 * enough that `file-system` does not match the pods of `file-system-agent`.
 */
export function podPattern(workload: Workload): string {
  const controller = controllerOf(workload);
  // Pods are named after their controller, which a workload may name differently (a Job per model revision).
  const name = controller?.name ?? workload.name;
  switch (controller?.kind) {
    case 'Deployment':
      return `${name}-[a-z0-9]+-[a-z0-9]+`;
    case 'StatefulSet':
      return `${name}-[0-9]+`;
    case 'DaemonSet':
    case 'Job':
      return `${name}-[a-z0-9]+`;
    case 'CronJob':
      return `${name}-[0-9]+-[a-z0-9]+`;
    default:
      return `${name}-[a-z0-9]+(-[a-z0-9]+)?`;
  }
}

interface ServicePortJson {
  readonly name?: string;
  readonly port: number;
  readonly targetPort?: string | number;
}

/** The workload's (non-headless) Service and port that lead to the metrics endpoint, if any. */
export function metricsService(workload: Workload, endpoint: MetricsEndpoint): { name: string; port: string } | undefined {
  for (const object of ownObjects(workload).filter((o) => o.kind === 'Service')) {
    const spec = (object.toJson() as { spec?: { clusterIP?: string; ports?: ServicePortJson[] } }).spec;
    if (!spec || spec.clusterIP === 'None') {
      continue;
    }
    const port = (spec.ports ?? []).find((p) => {
      const target = p.targetPort ?? p.port;
      return target === endpoint.portName || target === endpoint.port;
    });
    if (port?.name) {
      return { name: object.name, port: port.name };
    }
  }
  return undefined;
}

/** The workload's image tag, when it has a public `image` (the version of its telemetry). */
export function imageTag(workload: Workload): string | undefined {
  return (workload as { image?: ImageReference }).image?.tag;
}
