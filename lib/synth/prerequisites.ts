import { type EnvironmentConfig } from '../environment';
import { isPrerequisiteProvider, type Prerequisite, PrerequisiteKind } from '../core/prerequisites';
import { type KubeObject } from './kube-object';
import { type RenderedEnvironment } from './rendered';

/** Everything one app in one environment needs before it is applied. */
export interface PrerequisiteReport {
  readonly app: string;
  readonly environment: string;
  readonly namespace: string;
  readonly items: readonly Prerequisite[];
}

/** What a rule sees: the rendered objects of one app in one environment. */
export interface PrerequisiteContext {
  readonly objects: readonly KubeObject[];
  readonly namespace: string;
  readonly environment: EnvironmentConfig;
}

/** Derives prerequisites of one kind from the rendered objects. */
export interface PrerequisiteRule {
  readonly name: string;
  find(context: PrerequisiteContext): Prerequisite[];
}

/** Who serves a custom resource, and how to install it. */
export interface CustomResourceProvider {
  /** The operator or controller, e.g. `KEDA`. */
  readonly operator: string;
  /** How it is usually installed. */
  readonly install: string;
}

/**
 * The operators behind the custom resources the library renders, by API group (or `group/Kind`
 * where one group is served by several). A feature that renders a new kind of custom resource
 * adds its provider here, and the report lists it wherever such an object is rendered.
 */
export const CUSTOM_RESOURCE_PROVIDERS: Readonly<Record<string, CustomResourceProvider>> = {
  'keda.sh': { operator: 'KEDA', install: 'helm install keda kedacore/keda --namespace keda --create-namespace' },
  'external-secrets.io': { operator: 'External Secrets Operator', install: 'helm install external-secrets external-secrets/external-secrets --namespace external-secrets --create-namespace' },
  'monitoring.coreos.com': { operator: 'Prometheus Operator (e.g. kube-prometheus-stack)', install: 'helm install kube-prometheus-stack prometheus-community/kube-prometheus-stack --namespace monitoring --create-namespace' },
  'bitnami.com': { operator: 'Sealed Secrets controller', install: 'helm install sealed-secrets sealed-secrets/sealed-secrets --namespace kube-system' },
  'cert-manager.io': { operator: 'cert-manager', install: 'helm install cert-manager jetstack/cert-manager --namespace cert-manager --create-namespace --set crds.enabled=true' },
  'gateway.networking.k8s.io': { operator: 'Gateway API CRDs and a Gateway controller', install: 'kubectl apply -f https://github.com/kubernetes-sigs/gateway-api/releases/download/<version>/standard-install.yaml, then a controller implementing it' },
  'inference.networking.k8s.io': { operator: 'Gateway API Inference Extension', install: 'kubectl apply -f https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases/download/<version>/manifests.yaml' },
  'inference.networking.x-k8s.io': { operator: 'Gateway API Inference Extension', install: 'kubectl apply -f https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases/download/<version>/manifests.yaml' },
  'leaderworkerset.x-k8s.io': { operator: 'LeaderWorkerSet controller', install: 'kubectl apply --server-side -f https://github.com/kubernetes-sigs/lws/releases/download/<version>/manifests.yaml' },
  'argoproj.io/Rollout': { operator: 'Argo Rollouts', install: 'helm install argo-rollouts argo/argo-rollouts --namespace argo-rollouts --create-namespace' },
  'argoproj.io/AnalysisTemplate': { operator: 'Argo Rollouts', install: 'helm install argo-rollouts argo/argo-rollouts --namespace argo-rollouts --create-namespace' },
  'argoproj.io/Application': { operator: 'Argo CD', install: 'helm install argo-cd argo/argo-cd --namespace argocd --create-namespace' },
};

/** API groups the API server serves itself. */
const BUILT_IN_GROUPS = new Set([
  '', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io', 'scheduling.k8s.io',
  'node.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'certificates.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io',
  'events.k8s.io', 'flowcontrol.apiserver.k8s.io', 'resource.k8s.io',
]);

const ref = (o: KubeObject): string => `${o.kind}/${o.metadata.name}`;
const quoteList = (values: Iterable<string>): string => [...new Set(values)].sort().map((v) => `\`${v}\``).join(', ');

/** `scaledobjects` from `ScaledObject`: the plural a CRD is named by. */
function plural(kind: string): string {
  const lower = kind.toLowerCase();
  if (/[^aeiou]y$/.test(lower)) {
    return `${lower.slice(0, -1)}ies`;
  }
  return /(s|x|ch|sh)$/.test(lower) ? `${lower}es` : `${lower}s`;
}

function groupOf(object: KubeObject): string {
  return object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
}

/** Adds `item` to `map` under `key`, merging who needs it. */
class Collector {
  private readonly items = new Map<string, { item: Prerequisite; neededBy: Set<string> }>();

  public add(key: string, item: Omit<Prerequisite, 'neededBy'>, neededBy: string): void {
    const entry = this.items.get(key) ?? { item: { ...item, neededBy: [] }, neededBy: new Set<string>() };
    entry.neededBy.add(neededBy);
    this.items.set(key, entry);
  }

  public list(): Prerequisite[] {
    return [...this.items.values()].map(({ item, neededBy }) => ({ ...item, neededBy: [...neededBy] }));
  }
}

const customResources: PrerequisiteRule = {
  name: 'custom resources',
  find: ({ objects, namespace }) => {
    const byOperator = new Map<string, { provider: CustomResourceProvider; crds: Set<string>; neededBy: Set<string>; labels: Map<string, string> }>();
    for (const object of objects) {
      const group = groupOf(object);
      if (BUILT_IN_GROUPS.has(group)) {
        continue;
      }
      const provider = CUSTOM_RESOURCE_PROVIDERS[`${group}/${object.kind}`] ?? CUSTOM_RESOURCE_PROVIDERS[group] ?? { operator: `the controller serving ${group}`, install: 'see its documentation' };
      const entry = byOperator.get(provider.operator) ?? { provider, crds: new Set<string>(), neededBy: new Set<string>(), labels: new Map<string, string>() };
      entry.crds.add(`${plural(object.kind)}.${group}`);
      entry.neededBy.add(ref(object));
      if (group === 'monitoring.coreos.com') {
        for (const [key, value] of Object.entries((object.metadata.labels ?? {}) as Record<string, string>)) {
          entry.labels.set(key, value);
        }
      }
      byOperator.set(provider.operator, entry);
    }
    return [...byOperator.values()].map(({ provider, crds, neededBy }) => ({
      kind: PrerequisiteKind.OPERATOR,
      name: provider.operator,
      detail: `CRDs ${quoteList(crds)}${provider.operator.startsWith('Prometheus Operator') ? `; a Prometheus that selects these objects in namespace \`${namespace}\` (serviceMonitorSelector, podMonitorSelector, ruleSelector and their namespace selectors)` : ''}. Install: ${provider.install}`,
      neededBy: [...neededBy],
      check: `kubectl get crd ${[...crds].sort().join(' ')}`,
    }));
  },
};

interface SecretUse {
  readonly name: string;
  readonly key?: string;
  readonly optional: boolean;
  readonly by: string;
}

/** The pod template of a workload object, if it has one. */
function podSpecOf(object: KubeObject): Record<string, unknown> | undefined {
  const spec = object.spec as Record<string, unknown> | undefined;
  const template = (object.kind === 'CronJob'
    ? ((spec?.jobTemplate as Record<string, unknown> | undefined)?.spec as Record<string, unknown> | undefined)?.template
    : object.kind === 'Pod' ? { spec } : spec?.template) as { spec?: Record<string, unknown> } | undefined;
  return template?.spec;
}

type Container = { env?: { valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[]; envFrom?: { secretRef?: { name: string; optional?: boolean } }[]; resources?: { limits?: Record<string, unknown> } };

function containersOf(pod: Record<string, unknown>): Container[] {
  return [...((pod.initContainers ?? []) as Container[]), ...((pod.containers ?? []) as Container[])];
}

/** Every Secret key a rendered object reads. */
function secretUses(object: KubeObject): SecretUse[] {
  const by = ref(object);
  const uses: SecretUse[] = [];
  const pod = podSpecOf(object);
  if (pod) {
    for (const container of containersOf(pod)) {
      for (const env of container.env ?? []) {
        const keyRef = env.valueFrom?.secretKeyRef;
        if (keyRef) {
          uses.push({ name: keyRef.name, key: keyRef.key, optional: keyRef.optional === true, by });
        }
      }
      for (const from of container.envFrom ?? []) {
        if (from.secretRef) {
          uses.push({ name: from.secretRef.name, optional: from.secretRef.optional === true, by });
        }
      }
    }
    type SecretVolume = { secretName: string; optional?: boolean; items?: { key: string }[] };
    type Volume = { secret?: SecretVolume; projected?: { sources?: { secret?: { name: string; optional?: boolean; items?: { key: string }[] } }[] } };
    for (const volume of (pod.volumes ?? []) as Volume[]) {
      const sources = [
        ...(volume.secret ? [{ name: volume.secret.secretName, optional: volume.secret.optional, items: volume.secret.items }] : []),
        ...(volume.projected?.sources ?? []).flatMap((s) => (s.secret ? [s.secret] : [])),
      ];
      for (const source of sources) {
        const keys = source.items?.map((i) => i.key) ?? [undefined];
        uses.push(...keys.map((key) => ({ name: source.name, key, optional: source.optional === true, by })));
      }
    }
    for (const pull of (pod.imagePullSecrets ?? []) as { name: string }[]) {
      uses.push({ name: pull.name, key: '.dockerconfigjson', optional: false, by });
    }
  }
  if (object.kind === 'TriggerAuthentication') {
    for (const target of ((object.spec as { secretTargetRef?: { name: string; key: string }[] } | undefined)?.secretTargetRef ?? [])) {
      uses.push({ name: target.name, key: target.key, optional: false, by });
    }
  }
  if (object.kind === 'Ingress' && !(object.metadata.annotations as Record<string, string> | undefined)?.['cert-manager.io/cluster-issuer']) {
    for (const tls of ((object.spec as { tls?: { secretName?: string }[] } | undefined)?.tls ?? [])) {
      if (tls.secretName) {
        uses.push({ name: tls.secretName, key: 'tls.crt', optional: false, by }, { name: tls.secretName, key: 'tls.key', optional: false, by });
      }
    }
  }
  return uses;
}

/** The Secrets the objects themselves create, directly or through an operator. */
function createdSecrets(objects: readonly KubeObject[]): Set<string> {
  const names = new Set<string>();
  for (const object of objects) {
    if (object.kind === 'Secret' && object.apiVersion === 'v1') {
      names.add(object.metadata.name);
    } else if (object.kind === 'ExternalSecret') {
      names.add((object.spec as { target?: { name?: string } } | undefined)?.target?.name ?? object.metadata.name);
    } else if (object.kind === 'SealedSecret') {
      names.add(object.metadata.name);
    }
  }
  return names;
}

/** How to create a Secret with these keys, values read from files (never on the command line). */
function createSecretCommand(namespace: string, name: string, keys: readonly string[]): string {
  if (keys.length === 0) {
    return `kubectl -n ${namespace} create secret generic ${name} --from-env-file=./${name}.env`;
  }
  if (keys.includes('.dockerconfigjson')) {
    return `kubectl -n ${namespace} create secret generic ${name} --type=kubernetes.io/dockerconfigjson --from-file=.dockerconfigjson=./config.json`;
  }
  if (keys.length === 2 && keys[0] === 'tls.crt' && keys[1] === 'tls.key') {
    return `kubectl -n ${namespace} create secret tls ${name} --cert=./tls.crt --key=./tls.key`;
  }
  return `kubectl -n ${namespace} create secret generic ${name} ${keys.map((k) => `--from-file=${k}=./${k}`).join(' ')}`.trimEnd();
}

const secrets: PrerequisiteRule = {
  name: 'secrets',
  find: ({ objects, namespace }) => {
    const created = createdSecrets(objects);
    const needed = new Map<string, { keys: Set<string>; by: Set<string> }>();
    for (const use of objects.flatMap(secretUses)) {
      if (created.has(use.name) || use.optional) {
        continue;
      }
      const entry = needed.get(use.name) ?? { keys: new Set<string>(), by: new Set<string>() };
      if (use.key) {
        entry.keys.add(use.key);
      }
      entry.by.add(use.by);
      needed.set(use.name, entry);
    }
    return [...needed.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, { keys, by }]) => ({
      kind: PrerequisiteKind.SECRET,
      name,
      detail: keys.size > 0 ? `keys ${quoteList(keys)}` : 'every key (read whole with envFrom)',
      neededBy: [...by],
      check: createSecretCommand(namespace, name, [...keys].sort()),
    }));
  },
};

const secretStores: PrerequisiteRule = {
  name: 'secret stores',
  find: ({ objects, namespace }) => {
    const collector = new Collector();
    for (const object of objects.filter((o) => o.kind === 'ExternalSecret')) {
      const spec = object.spec as { secretStoreRef?: { name: string; kind?: string }; data?: { remoteRef: { key: string; property?: string } }[] } | undefined;
      const store = spec?.secretStoreRef;
      if (!store) {
        continue;
      }
      const storeKind = store.kind ?? 'SecretStore';
      const remote = (spec?.data ?? []).map((d) => (d.remoteRef.property ? `${d.remoteRef.key} (property ${d.remoteRef.property})` : d.remoteRef.key));
      collector.add(`${storeKind}/${store.name}/${object.metadata.name}`, {
        kind: PrerequisiteKind.SECRET_STORE,
        name: `${storeKind} ${store.name}`,
        detail: `remote keys ${quoteList(remote)} (for Secret \`${object.metadata.name}\`)`,
        check: storeKind === 'ClusterSecretStore' ? `kubectl get clustersecretstore ${store.name}` : `kubectl -n ${namespace} get secretstore ${store.name}`,
      }, ref(object));
    }
    return collector.list();
  },
};

interface ClaimUse {
  readonly storageClassName?: string;
  readonly accessModes: readonly string[];
  readonly size: string;
  readonly by: string;
}

type ClaimSpec = { storageClassName?: string; accessModes?: string[]; resources?: { requests?: { storage?: string } } };

function claims(object: KubeObject): ClaimUse[] {
  const by = ref(object);
  const use = (spec: ClaimSpec | undefined): ClaimUse[] => (spec ? [{ storageClassName: spec.storageClassName, accessModes: spec.accessModes ?? [], size: String(spec.resources?.requests?.storage ?? '?'), by }] : []);
  const found: ClaimUse[] = [];
  if (object.kind === 'PersistentVolumeClaim') {
    found.push(...use(object.spec as ClaimSpec));
  }
  if (object.kind === 'StatefulSet') {
    for (const template of ((object.spec as { volumeClaimTemplates?: { spec?: ClaimSpec }[] } | undefined)?.volumeClaimTemplates ?? [])) {
      found.push(...use(template.spec));
    }
  }
  const pod = podSpecOf(object);
  for (const volume of ((pod?.volumes ?? []) as { ephemeral?: { volumeClaimTemplate?: { spec?: ClaimSpec } } }[])) {
    found.push(...use(volume.ephemeral?.volumeClaimTemplate?.spec));
  }
  return found;
}

const storageClasses: PrerequisiteRule = {
  name: 'storage classes',
  find: ({ objects }) => {
    const byClass = new Map<string, { modes: Set<string>; sizes: string[]; by: Set<string> }>();
    for (const claim of objects.flatMap(claims)) {
      const key = claim.storageClassName ?? '';
      const entry = byClass.get(key) ?? { modes: new Set<string>(), sizes: [], by: new Set<string>() };
      claim.accessModes.forEach((m) => entry.modes.add(m));
      entry.sizes.push(claim.size);
      entry.by.add(claim.by);
      byClass.set(key, entry);
    }
    return [...byClass.entries()].map(([name, { modes, by }]) => ({
      kind: PrerequisiteKind.STORAGE_CLASS,
      name: name === '' ? '(the cluster default StorageClass)' : name,
      detail: `provisions ${quoteList(modes)} volumes${modes.has('ReadWriteMany') ? ' (ReadWriteMany needs a shared file system, e.g. EFS, Filestore or Azure Files)' : ''}${name === '' ? '; the claims name no class, so one StorageClass must be marked (default)' : ''}`,
      neededBy: [...by],
      check: name === '' ? 'kubectl get storageclass' : `kubectl get storageclass ${name}`,
    }));
  },
};

const ingress: PrerequisiteRule = {
  name: 'ingress',
  find: ({ objects, environment }) => {
    const collector = new Collector();
    for (const object of objects.filter((o) => o.kind === 'Ingress')) {
      const className = (object.spec as { ingressClassName?: string } | undefined)?.ingressClassName;
      collector.add(`class/${className ?? ''}`, {
        kind: PrerequisiteKind.INGRESS_CLASS,
        name: className ?? '(the cluster default IngressClass)',
        detail: `an ingress controller serving it, in namespace \`${environment.ingress.controllerNamespace}\` (admitted by the NetworkPolicies)`,
        check: className ? `kubectl get ingressclass ${className}` : 'kubectl get ingressclass',
      }, ref(object));
      const issuer = (object.metadata.annotations as Record<string, string> | undefined)?.['cert-manager.io/cluster-issuer'];
      if (issuer) {
        collector.add(`issuer/${issuer}`, {
          kind: PrerequisiteKind.CLUSTER_ISSUER,
          name: issuer,
          detail: `a cert-manager ClusterIssuer issuing the TLS certificates (cert-manager: ${CUSTOM_RESOURCE_PROVIDERS['cert-manager.io'].install})`,
          check: `kubectl get clusterissuer ${issuer}`,
        }, ref(object));
      }
    }
    return collector.list();
  },
};

type SchedulingSpec = { nodeSelector?: Record<string, string>; tolerations?: { key?: string; effect?: string }[]; runtimeClassName?: string; priorityClassName?: string };

const gpusAndScheduling: PrerequisiteRule = {
  name: 'gpus and scheduling',
  find: ({ objects }) => {
    const collector = new Collector();
    for (const object of objects) {
      const pod = podSpecOf(object) as (SchedulingSpec & Record<string, unknown>) | undefined;
      if (!pod) {
        continue;
      }
      const by = ref(object);
      const gpuResources = containersOf(pod).flatMap((c) => Object.keys(c.resources?.limits ?? {})).filter((r) => r.startsWith('nvidia.com/'));
      for (const resource of new Set(gpuResources)) {
        const mig = resource.startsWith('nvidia.com/mig-');
        collector.add(`gpu/${resource}`, {
          kind: PrerequisiteKind.GPU,
          name: resource,
          detail: mig
            ? 'MIG slices advertised by the NVIDIA GPU Operator (device plugin) with MIG strategy `mixed` (with `single`, slices are advertised as nvidia.com/gpu), and the MIG profile configured on the nodes (nvidia.com/mig.config)'
            : 'GPUs advertised by the NVIDIA GPU Operator (or the NVIDIA device plugin) on the GPU nodes',
          check: `kubectl get nodes -o custom-columns='NODE:.metadata.name,${resource.replace(/\./g, '\\.')}:.status.allocatable.${resource.replace(/\./g, '\\.')}'`,
        }, by);
      }
      for (const [label, value] of Object.entries(pod.nodeSelector ?? {})) {
        collector.add(`label/${label}=${value}`, {
          kind: PrerequisiteKind.GPU,
          name: `node label ${label}=${value}`,
          detail: label.startsWith('nvidia.com/') ? 'set by GPU feature discovery (part of the NVIDIA GPU Operator) on the matching nodes' : 'on the nodes these pods may run on',
          check: `kubectl get nodes -l ${label}=${value}`,
        }, by);
      }
      if (pod.runtimeClassName) {
        collector.add(`runtime/${pod.runtimeClassName}`, {
          kind: PrerequisiteKind.SCHEDULING, name: `RuntimeClass ${pod.runtimeClassName}`, detail: 'a RuntimeClass with this name (the NVIDIA GPU Operator creates `nvidia`)', check: `kubectl get runtimeclass ${pod.runtimeClassName}`,
        }, by);
      }
      if (pod.priorityClassName) {
        collector.add(`priority/${pod.priorityClassName}`, {
          kind: PrerequisiteKind.SCHEDULING, name: `PriorityClass ${pod.priorityClassName}`, detail: 'a PriorityClass with this name', check: `kubectl get priorityclass ${pod.priorityClassName}`,
        }, by);
      }
    }
    return collector.list();
  },
};

type PolicyPeer = { namespaceSelector?: { matchLabels?: Record<string, string> }; podSelector?: { matchLabels?: Record<string, string> } };
type PolicyRuleJson = { from?: PolicyPeer[]; to?: PolicyPeer[]; ports?: { port?: number | string; protocol?: string }[] };

/** What the pods of another namespace are, from the environment that names it. */
function namespaceRole(namespace: string, environment: EnvironmentConfig): string {
  const roles = [
    ...(namespace === environment.networkPolicies.dnsNamespace ? ['the cluster DNS'] : []),
    ...(namespace === environment.ingress.controllerNamespace ? ['the ingress controller'] : []),
    ...(namespace === environment.observability.monitoringNamespace ? ['Prometheus and the OpenTelemetry Collector (monitoring)'] : []),
    ...(namespace === environment.autoscaling.kedaNamespace ? ['the KEDA operator (reads the queues)'] : []),
  ];
  return roles.length > 0 ? roles.join(', ') : 'a service the app calls';
}

const namespaces: PrerequisiteRule = {
  name: 'namespaces',
  find: ({ objects, namespace, environment }) => {
    const collector = new Collector();
    if (!objects.some((o) => o.kind === 'Namespace' && o.metadata.name === namespace)) {
      collector.add(`own/${namespace}`, {
        kind: PrerequisiteKind.NAMESPACE, name: namespace, detail: 'the app\'s namespace (the manifests do not create it)', check: `kubectl get namespace ${namespace}`,
      }, '(every object)');
    }
    for (const policy of objects.filter((o) => o.kind === 'NetworkPolicy')) {
      const spec = policy.spec as { ingress?: PolicyRuleJson[]; egress?: PolicyRuleJson[] } | undefined;
      const peers = [...(spec?.ingress ?? []).flatMap((r) => (r.from ?? []).map((p) => ({ p, ports: r.ports, direction: 'from' }))),
        ...(spec?.egress ?? []).flatMap((r) => (r.to ?? []).map((p) => ({ p, ports: r.ports, direction: 'to' })))];
      for (const { p } of peers) {
        const other = p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
        if (!other || other === namespace) {
          continue;
        }
        const pods = p.podSelector?.matchLabels;
        const podText = pods && Object.keys(pods).length > 0 ? `the pods labelled ${Object.entries(pods).map(([k, v]) => `\`${k}=${v}\``).join(', ')}` : 'any pod';
        collector.add(`ns/${other}/${JSON.stringify(pods ?? {})}`, {
          kind: PrerequisiteKind.NAMESPACE,
          name: other,
          detail: `${namespaceRole(other, environment)}; the NetworkPolicies allow traffic with ${podText} in it`,
          check: pods && Object.keys(pods).length > 0 ? `kubectl -n ${other} get pods -l ${Object.entries(pods).map(([k, v]) => `${k}=${v}`).join(',')}` : `kubectl get namespace ${other}`,
        }, ref(policy));
      }
    }
    return collector.list();
  },
};

/**
 * The rules the report runs, in the order it lists their findings. Custom resources, Secrets,
 * secret stores, storage, ingress, GPUs and scheduling, and the namespaces the NetworkPolicies
 * name are read from the rendered objects; what the objects cannot show comes from the
 * constructs (`IPrerequisiteProvider`).
 */
export const PREREQUISITE_RULES: readonly PrerequisiteRule[] = [customResources, secrets, secretStores, storageClasses, ingress, gpusAndScheduling, namespaces];

const cache = new WeakMap<RenderedEnvironment, PrerequisiteReport>();

/** Everything one rendered app in one environment needs before it is applied. */
export function prerequisitesOf(env: RenderedEnvironment): PrerequisiteReport {
  const cached = cache.get(env);
  if (cached) {
    return cached;
  }
  const environment = env.platform.environment;
  const context: PrerequisiteContext = { objects: env.objects, namespace: environment.namespace, environment };
  const fromConstructs = env.platform.node.findAll().filter(isPrerequisiteProvider).flatMap((p) => p.prerequisites());
  const report = { app: env.app, environment: env.environment, namespace: environment.namespace, items: [...PREREQUISITE_RULES.flatMap((r) => r.find(context)), ...fromConstructs] };
  cache.set(env, report);
  return report;
}

const SECTIONS: readonly { readonly kind: PrerequisiteKind; readonly title: string }[] = [
  { kind: PrerequisiteKind.NAMESPACE, title: 'Namespaces' },
  { kind: PrerequisiteKind.OPERATOR, title: 'Operators and CRDs' },
  { kind: PrerequisiteKind.SECRET, title: 'Secrets to create' },
  { kind: PrerequisiteKind.SECRET_STORE, title: 'Secret stores (External Secrets)' },
  { kind: PrerequisiteKind.STORAGE_CLASS, title: 'StorageClasses' },
  { kind: PrerequisiteKind.INGRESS_CLASS, title: 'IngressClasses' },
  { kind: PrerequisiteKind.CLUSTER_ISSUER, title: 'ClusterIssuers' },
  { kind: PrerequisiteKind.GPU, title: 'GPUs' },
  { kind: PrerequisiteKind.SCHEDULING, title: 'RuntimeClasses and PriorityClasses' },
  { kind: PrerequisiteKind.METRICS_SOURCE, title: 'Metrics sources for the dashboards and alerts' },
];

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** PREREQUISITES.md: one table per kind of prerequisite. */
export function prerequisitesMarkdown(report: PrerequisiteReport): string {
  const lines = [
    `# Prerequisites of ${report.app} in ${report.environment}`,
    '',
    `Everything below must exist in the cluster before \`kubectl apply\` of these manifests or \`helm install\` of the \`${report.app}-${report.environment}\` chart (namespace \`${report.namespace}\`).`,
    'Generated by cdk8s-agents from the manifests and the constructs: synthesize again rather than edit it.',
  ];
  if (report.items.length === 0) {
    lines.push('', 'Nothing: the manifests only need a Kubernetes cluster.');
  }
  for (const section of SECTIONS) {
    const items = report.items.filter((i) => i.kind === section.kind);
    if (items.length === 0) {
      continue;
    }
    lines.push('', `## ${section.title}`, '', `| what | needed | by | ${section.kind === PrerequisiteKind.SECRET ? 'create' : 'check'} |`, '| --- | --- | --- | --- |');
    for (const item of items) {
      lines.push(`| ${cell(item.name)} | ${cell(item.detail)} | ${cell([...item.neededBy].sort().join(', '))} | ${item.check ? `\`${cell(item.check)}\`` : ''} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The same list as plain text, for a chart's NOTES.txt (shown after `helm install`). */
export function prerequisitesText(report: PrerequisiteReport): string {
  const lines = [`${report.app} in ${report.environment} (namespace ${report.namespace}) needs, in the cluster:`];
  if (report.items.length === 0) {
    lines.push('  nothing beyond Kubernetes itself.');
  }
  for (const section of SECTIONS) {
    const items = report.items.filter((i) => i.kind === section.kind);
    if (items.length === 0) {
      continue;
    }
    lines.push('', `${section.title}:`);
    for (const item of items) {
      lines.push(`  - ${item.name}: ${item.detail.replace(/`/g, '')}`, ...(item.check ? [`      ${section.kind === PrerequisiteKind.SECRET ? 'create' : 'check'}: ${item.check}`] : []));
    }
  }
  return `${lines.join('\n')}\n`;
}
