import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { type Construct } from 'constructs';
import { z } from 'zod';
import { type ExternalEndpoint } from '../../core/network';
import { CLUSTER_METRICS } from '../catalog';
import { ObservabilityServer, type ServerOptions, serverOptionsShape, serverProbes } from '../server';

/** The namespaced kube-state-metrics of the self-hosted stack. */
export interface KubeStateMetricsOptions extends ServerOptions {
  /**
   * Whether it is deployed (restart and OOMKill panels and alerts need it).
   * @default true
   */
  readonly enabled?: boolean;
}

export const kubeStateMetricsOptionsSchema = z.object({ ...serverOptionsShape, enabled: z.boolean().optional() }).strict();

export const KSM_PORT = 8080;
export const KSM_PORT_NAME = 'http-metrics';

/**
 * kube-state-metrics watching only the pods of the app's namespace (`--namespaces`, a namespaced
 * Role): restarts and termination reasons without any cluster-wide permission.
 */
export class KubeStateMetricsServer extends ObservabilityServer {
  public static readonly DEFAULT_IMAGE = 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.14.0';

  constructor(scope: Construct, id: string, options: KubeStateMetricsOptions, kubernetesApi: ExternalEndpoint) {
    super(scope, id, options.image, KubeStateMetricsServer.DEFAULT_IMAGE, { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } }, options);
    this.allowExternal(kubernetesApi);
    this.build({
      args: [`--port=${KSM_PORT}`, '--telemetry-port=8081', `--namespaces=${this.namespace ?? 'default'}`, '--resources=pods'],
      ports: [{ name: KSM_PORT_NAME, port: KSM_PORT, service: false }],
      probes: serverProbes(KSM_PORT_NAME, { ready: '/healthz', live: '/healthz' }, 60),
      uid: 65534,
      automountToken: true,
      metrics: { port: KSM_PORT, portName: KSM_PORT_NAME, path: '/metrics' },
      signals: { metrics: [CLUSTER_METRICS.restarts.name, CLUSTER_METRICS.lastTerminated.name] },
    });
    new k8s.KubeRole(this, 'Role', {
      metadata: this.metadata(),
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] }],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: this.metadata(),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.name },
      subjects: [{ kind: 'ServiceAccount', name: this.name, namespace: this.namespace }],
    });
  }
}
