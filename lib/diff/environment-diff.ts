import { formatNotice, type SynthesisNotice } from '../core/notices';
import { type KubeObject } from '../synth/kube-object';
import { dig, isRecord, podTemplateOf, WORKLOAD_KINDS } from './objects';

const NAME_LABEL = 'app.kubernetes.io/name';

/** One environment of an app, as objects. */
export interface EnvironmentOutput {
  /** Environment name, e.g. `prod`. */
  readonly environment: string;
  readonly objects: readonly KubeObject[];
  /**
   * What the environment changed or dropped of what the app asked for (the synthesis notices).
   * @default - none
   */
  readonly notices?: readonly SynthesisNotice[];
}

/** One row of a workload's table: a setting in each environment. */
export interface EnvironmentDiffRow {
  readonly setting: string;
  readonly values: readonly [string, string];
  readonly differs: boolean;
}

/** One workload (or the namespace) compared across two environments. */
export interface WorkloadComparison {
  /** Workload name, or `(namespace)` for the environment-wide settings. */
  readonly workload: string;
  readonly rows: readonly EnvironmentDiffRow[];
  /** Object kinds only the second environment renders for it, and only the first. */
  readonly added: readonly string[];
  readonly dropped: readonly string[];
}

/** Two environments of one app, compared workload by workload. */
export interface EnvironmentDiff {
  readonly app: string;
  readonly environments: readonly [string, string];
  readonly comparisons: readonly WorkloadComparison[];
  /** The notices of each environment, one line each. */
  readonly notices: readonly [readonly string[], readonly string[]];
}

const NONE = '-';

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function labelName(object: KubeObject): string | undefined {
  return str(dig(object, 'metadata', 'labels', NAME_LABEL));
}

/** The workload an object belongs to: its name label, else the workload it targets, else its own name. */
function ownerOf(object: KubeObject, workloads: ReadonlySet<string>): string | undefined {
  const candidates = [labelName(object), str(dig(object, 'spec', 'scaleTargetRef', 'name')), object.metadata.name];
  return candidates.find((c): c is string => c !== undefined && workloads.has(c));
}

function containersOf(workload: KubeObject): Record<string, unknown>[] {
  return list(dig(podTemplateOf(workload), 'spec', 'containers')).filter(isRecord);
}

function perContainer(workload: KubeObject, describe: (c: Record<string, unknown>) => string | undefined): string {
  const parts = containersOf(workload).map((c) => {
    const text = describe(c);
    return text === undefined ? undefined : `${str(c.name) ?? '?'}: ${text}`;
  }).filter((t): t is string => t !== undefined);
  return parts.length > 0 ? parts.join('; ') : NONE;
}

function resourcesText(c: Record<string, unknown>): string | undefined {
  const pair = (kind: string) => {
    const cpu = str(dig(c, 'resources', kind, 'cpu'));
    const memory = str(dig(c, 'resources', kind, 'memory'));
    const gpu = Object.entries(isRecord(dig(c, 'resources', kind)) ? dig(c, 'resources', kind) as Record<string, unknown> : {})
      .filter(([k]) => k !== 'cpu' && k !== 'memory' && k !== 'ephemeral-storage').map(([k, v]) => `${String(v)} ${k}`);
    return [cpu ?? '?', memory ?? '?', ...gpu].join('/');
  };
  return isRecord(c.resources) ? `requests ${pair('requests')}, limits ${pair('limits')}` : 'none';
}

function probeText(probe: unknown): string {
  const handler = str(dig(probe, 'httpGet', 'path')) ?? (dig(probe, 'exec') ? 'exec' : dig(probe, 'tcpSocket') ? 'tcp' : dig(probe, 'grpc') ? 'grpc' : '?');
  const period = str(dig(probe, 'periodSeconds')) ?? '10';
  const failures = str(dig(probe, 'failureThreshold')) ?? '3';
  return `${handler} every ${period}s, ${failures} failures`;
}

function probesText(c: Record<string, unknown>): string | undefined {
  const kinds = ['startupProbe', 'readinessProbe', 'livenessProbe'].filter((k) => c[k] !== undefined);
  return kinds.length > 0 ? kinds.map((k) => `${k.replace('Probe', '')} ${probeText(c[k])}`).join(', ') : 'none';
}

function scalingText(workload: KubeObject, related: readonly KubeObject[]): string {
  const hpa = related.find((o) => o.kind === 'HorizontalPodAutoscaler');
  const scaled = related.find((o) => o.kind === 'ScaledObject');
  if (hpa) {
    const metrics = list(dig(hpa, 'spec', 'metrics')).map((m) => {
      const resource = str(dig(m, 'resource', 'name'));
      const target = str(dig(m, 'resource', 'target', 'averageUtilization'));
      return resource ? `${resource} ${target ?? '?'}%` : str(dig(m, 'pods', 'metric', 'name')) ?? str(dig(m, 'type')) ?? '?';
    });
    return `HPA ${str(dig(hpa, 'spec', 'minReplicas')) ?? '1'}..${str(dig(hpa, 'spec', 'maxReplicas'))} (${metrics.join(', ')})`;
  }
  if (scaled) {
    const triggers = list(dig(scaled, 'spec', 'triggers')).map((t) => str(dig(t, 'type')) ?? '?');
    return `KEDA ${str(dig(scaled, 'spec', 'minReplicaCount')) ?? '0'}..${str(dig(scaled, 'spec', 'maxReplicaCount')) ?? '100'} (${triggers.join(', ')})`;
  }
  if (workload.kind === 'CronJob') {
    return `schedule ${str(dig(workload, 'spec', 'schedule')) ?? '?'}`;
  }
  return plural(Number(str(dig(workload, 'spec', 'replicas')) ?? '1'), 'replica');
}

function budgetText(related: readonly KubeObject[]): string {
  const pdb = related.find((o) => o.kind === 'PodDisruptionBudget');
  if (!pdb) return NONE;
  const max = str(dig(pdb, 'spec', 'maxUnavailable'));
  return max !== undefined ? `maxUnavailable ${max}` : `minAvailable ${str(dig(pdb, 'spec', 'minAvailable')) ?? '?'}`;
}

function spreadText(workload: KubeObject): string {
  const constraints = list(dig(podTemplateOf(workload), 'spec', 'topologySpreadConstraints'));
  const parts = constraints.map((c) => `${(str(dig(c, 'topologyKey')) ?? '?').replace(/^.*\//, '')} ${str(dig(c, 'whenUnsatisfiable')) === 'DoNotSchedule' ? 'required' : 'preferred'}`);
  return parts.length > 0 ? parts.join(', ') : NONE;
}

function policyText(related: readonly KubeObject[]): string {
  const policy = related.find((o) => o.kind === 'NetworkPolicy');
  if (!policy) return NONE;
  const count = (direction: 'ingress' | 'egress', peers: 'from' | 'to') => list(dig(policy, 'spec', direction)).reduce<number>((n, rule) => n + Math.max(1, list(dig(rule, peers)).length), 0);
  return `ingress from ${plural(count('ingress', 'from'), 'peer')}, egress to ${plural(count('egress', 'to'), 'peer')} (DNS included)`;
}

/** The Secrets the pods read, and what provides each: an ExternalSecret, a SealedSecret, a Secret in the output, or nothing (created out of band). */
function secretsText(workload: KubeObject, objects: readonly KubeObject[]): string {
  const template = podTemplateOf(workload);
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (isRecord(value)) {
      const ref = str(dig(value, 'secretKeyRef', 'name')) ?? str(dig(value, 'secretRef', 'name')) ?? str(dig(value, 'secret', 'secretName'));
      if (ref) names.add(ref);
      Object.values(value).forEach(visit);
    }
  };
  visit(template);
  if (names.size === 0) return NONE;
  return [...names].sort().map((name) => `${name} (${secretProvider(name, objects)})`).join(', ');
}

function secretProvider(name: string, objects: readonly KubeObject[]): string {
  const external = objects.find((o) => o.kind === 'ExternalSecret' && (str(dig(o, 'spec', 'target', 'name')) ?? o.metadata.name) === name);
  if (external) return `ExternalSecret from ${str(dig(external, 'spec', 'secretStoreRef', 'kind')) ?? 'SecretStore'} ${str(dig(external, 'spec', 'secretStoreRef', 'name')) ?? '?'}`;
  if (objects.some((o) => o.kind === 'SealedSecret' && o.metadata.name === name)) return 'SealedSecret';
  if (objects.some((o) => o.kind === 'Secret' && o.metadata.name === name)) return 'Secret in the manifests';
  return 'existing, created out of band';
}

type Describe = (workload: KubeObject, related: readonly KubeObject[], objects: readonly KubeObject[]) => string;

const WORKLOAD_ROWS: readonly [string, Describe][] = [
  ['kind', (w) => w.kind],
  ['images', (w) => perContainer(w, (c) => str(c.image))],
  ['replicas / autoscaling', (w, r) => scalingText(w, r)],
  ['resources', (w) => perContainer(w, resourcesText)],
  ['probes', (w) => perContainer(w, probesText)],
  ['disruption budget', (_w, r) => budgetText(r)],
  ['topology spread', (w) => spreadText(w)],
  ['network policy', (_w, r) => policyText(r)],
  ['secrets', (w, _r, o) => secretsText(w, o)],
  ['objects', (_w, r) => kindsOf(r).join(', ')],
];

function kindsOf(objects: readonly KubeObject[]): string[] {
  return [...new Set(objects.map((o) => o.kind))].sort();
}

function namespaceRows(objects: readonly KubeObject[]): [string, string][] {
  const namespace = objects.find((o) => o.kind === 'Namespace');
  const quota = objects.find((o) => o.kind === 'ResourceQuota');
  const hard = isRecord(dig(quota, 'spec', 'hard')) ? dig(quota, 'spec', 'hard') as Record<string, unknown> : undefined;
  const secrets = kindsOf(objects.filter((o) => ['ExternalSecret', 'SealedSecret', 'Secret'].includes(o.kind)));
  return [
    ['pod security', namespace ? `enforce ${str(dig(namespace, 'metadata', 'labels', 'pod-security.kubernetes.io/enforce')) ?? '?'}, warn ${str(dig(namespace, 'metadata', 'labels', 'pod-security.kubernetes.io/warn')) ?? '?'}` : 'namespace not created'],
    ['resource quota', hard ? `pods ${str(hard.pods) ?? '?'}, requests ${str(hard['requests.cpu']) ?? '?'} CPU / ${str(hard['requests.memory']) ?? '?'}` : NONE],
    ['default deny', objects.some((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny') ? 'yes' : 'no'],
    ['secret backend', secrets.length > 0 ? secrets.join(', ') : 'existing Secrets only'],
    ['objects', `${objects.length}`],
  ];
}

interface Grouped {
  readonly workloads: Map<string, KubeObject>;
  readonly related: Map<string, KubeObject[]>;
}

function group(objects: readonly KubeObject[]): Grouped {
  const workloads = new Map(objects.filter((o) => WORKLOAD_KINDS.has(o.kind)).map((o) => [labelName(o) ?? o.metadata.name, o]));
  const names = new Set(workloads.keys());
  const related = new Map<string, KubeObject[]>();
  for (const object of objects) {
    const owner = ownerOf(object, names);
    if (owner) related.set(owner, [...(related.get(owner) ?? []), object]);
  }
  return { workloads, related };
}

function compareWorkload(name: string, a: Grouped, b: Grouped, objects: readonly [readonly KubeObject[], readonly KubeObject[]]): WorkloadComparison {
  const sides = [a, b].map((g, i) => ({ workload: g.workloads.get(name), related: g.related.get(name) ?? [], objects: objects[i] }));
  const rows = WORKLOAD_ROWS.map(([setting, describe]) => {
    const values = sides.map((s) => (s.workload ? describe(s.workload, s.related, s.objects) : 'not rendered')) as [string, string];
    return { setting, values, differs: values[0] !== values[1] };
  });
  const [first, second] = sides.map((s) => new Set(kindsOf(s.related)));
  return {
    workload: name,
    rows,
    added: [...second].filter((k) => !first.has(k)),
    dropped: [...first].filter((k) => !second.has(k)),
  };
}

/**
 * Compares two environments of one app workload by workload: replicas or autoscaling bounds,
 * resources, probes, disruption budget, spread, NetworkPolicy, where Secrets come from, and the
 * objects (features) one environment renders and the other does not. Works on any two object
 * sets whose workloads carry `app.kubernetes.io/name` (or are named like their objects).
 */
export function diffEnvironments(app: string, first: EnvironmentOutput, second: EnvironmentOutput): EnvironmentDiff {
  const a = group(first.objects);
  const b = group(second.objects);
  const names = [...new Set([...a.workloads.keys(), ...b.workloads.keys()])];
  const namespace: WorkloadComparison = {
    workload: '(namespace)',
    rows: namespaceRows(first.objects).map(([setting, value], i) => {
      const other = namespaceRows(second.objects)[i][1];
      return { setting, values: [value, other], differs: value !== other };
    }),
    added: [],
    dropped: [],
  };
  return {
    app,
    environments: [first.environment, second.environment],
    comparisons: [namespace, ...names.map((n) => compareWorkload(n, a, b, [first.objects, second.objects]))],
    notices: [(first.notices ?? []).map(formatNotice), (second.notices ?? []).map(formatNotice)],
  };
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** Options of `environmentDiffMarkdown`. */
export interface EnvironmentDiffFormat {
  /**
   * Show only the rows that differ.
   * @default false
   */
  readonly changedOnly?: boolean;
}

/** Markdown: one table per workload (settings that differ in bold), then features added or dropped and the notices. */
export function environmentDiffMarkdown(result: EnvironmentDiff, format: EnvironmentDiffFormat = {}): string {
  const [x, y] = result.environments;
  const lines = [`## ${result.app}: ${x} and ${y} compared`, '', 'Settings that differ are in bold.'];
  for (const comparison of result.comparisons) {
    const rows = comparison.rows.filter((r) => r.differs || !format.changedOnly);
    if (rows.length === 0) continue;
    lines.push('', `### ${comparison.workload}`, '', `| | ${x} | ${y} |`, '| --- | --- | --- |');
    lines.push(...rows.map((r) => `| ${r.differs ? `**${r.setting}**` : r.setting} | ${cell(r.values[0])} | ${cell(r.values[1])} |`));
  }
  const features = result.comparisons.filter((c) => c.added.length + c.dropped.length > 0);
  lines.push('', `### Features ${y} adds or drops`, '');
  lines.push(...(features.length === 0 ? ['None: both render the same kinds of objects for every workload.'] : features.map((c) => `- ${c.workload}: ${[
    ...(c.added.length > 0 ? [`adds ${c.added.join(', ')}`] : []),
    ...(c.dropped.length > 0 ? [`drops ${c.dropped.join(', ')}`] : []),
  ].join('; ')}`)));
  result.environments.forEach((env, i) => {
    if (result.notices[i].length > 0) {
      lines.push('', `### What ${env} changed of what the app asked for`, '', ...result.notices[i].map((n) => `- ${n}`));
    }
  });
  return `${lines.join('\n')}\n`;
}
