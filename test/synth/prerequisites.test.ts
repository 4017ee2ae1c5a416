import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CUSTOM_RESOURCE_PROVIDERS, HelmChartWriter, type KubeObject, type Prerequisite, PrerequisiteKind, prerequisitesMarkdown, prerequisitesOf, renderApps, synthesize,
} from '../../lib';
import { apps } from '../../apps';
import { emm } from '../../apps/emm';
import { HELM_BINARIES, runHelm } from '../helpers/helm';

// The prerequisites report, compared with the objects that reference what it lists: a walk of
// every rendered object written here, independent of the library's rules.

const rendered = renderApps(apps);

/** Every value of a field named `key` anywhere in `value`, with the object around it. */
function walk(value: unknown, visit: (key: string, node: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) {
    value.forEach((v) => walk(v, visit));
  } else if (value !== null && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    for (const [key, child] of Object.entries(node)) {
      visit(key, node);
      walk(child, visit);
    }
  }
}

/** Secret name to the keys the objects read of it (a volume without items reads every key: none listed). */
function referencedSecrets(objects: readonly KubeObject[]): Map<string, Set<string>> {
  const created = new Set(objects.flatMap((o) => {
    if (o.kind === 'Secret' || o.kind === 'SealedSecret') {
      return [o.metadata.name];
    }
    if (o.kind === 'ExternalSecret') {
      return [((o.spec as { target?: { name?: string } }).target?.name) ?? o.metadata.name];
    }
    return [];
  }));
  const secrets = new Map<string, Set<string>>();
  const add = (name: string, key?: string) => {
    if (created.has(name)) {
      return;
    }
    const keys = secrets.get(name) ?? new Set<string>();
    if (key) {
      keys.add(key);
    }
    secrets.set(name, keys);
  };
  for (const object of objects) {
    walk(object, (key, node) => {
      const child = node[key] as Record<string, unknown>;
      if (key === 'secretKeyRef') {
        add(child.name as string, child.key as string);
      } else if (key === 'secret' && typeof child === 'object' && 'secretName' in child) {
        const items = (child.items ?? []) as { key: string }[];
        (items.length > 0 ? items : [{ key: undefined }]).forEach((i) => add(child.secretName as string, i.key));
      } else if (key === 'secretTargetRef') {
        (node[key] as { name: string; key: string }[]).forEach((t) => add(t.name, t.key));
      }
    });
    if (object.kind === 'Ingress' && !(object.metadata.annotations as Record<string, string> | undefined)?.['cert-manager.io/cluster-issuer']) {
      for (const tls of ((object.spec as { tls?: { secretName: string }[] }).tls ?? [])) {
        add(tls.secretName, 'tls.crt');
        add(tls.secretName, 'tls.key');
      }
    }
  }
  return secrets;
}

const itemsOf = (items: readonly Prerequisite[], kind: PrerequisiteKind) => items.filter((i) => i.kind === kind);

describe.each(rendered.map((env) => [`${env.app}/${env.environment}`, env] as const))('%s', (_label, env) => {
  const report = prerequisitesOf(env);
  const namespace = env.platform.environment.namespace;

  test('every Secret the objects read and do not create is listed with exactly the keys they read, and nothing else', () => {
    const expected = [...referencedSecrets(env.objects)].map(([name, keys]) => [name, [...keys].sort().map((k) => `\`${k}\``).join(', ')]).sort();
    const listed = itemsOf(report.items, PrerequisiteKind.SECRET).map((i) => [i.name, i.detail.replace(/^keys /, '')]).sort();
    expect(listed).toEqual(expected);
  });

  test('every custom resource kind is listed under the operator serving its API group, with its CRD', () => {
    const builtIn = new Set(['v1', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io']);
    const custom = env.objects.filter((o) => !builtIn.has(o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : 'v1'));
    const operators = itemsOf(report.items, PrerequisiteKind.OPERATOR);
    for (const object of custom) {
      const crd = `${object.kind.toLowerCase()}s.${object.apiVersion.split('/')[0]}`;
      expect([object.kind, operators.filter((o) => o.detail.includes(`\`${crd}\``)).length]).toEqual([object.kind, 1]);
      expect(operators.find((o) => o.detail.includes(crd))?.neededBy).toContain(`${object.kind}/${object.metadata.name}`);
    }
    expect(operators.length).toBe(new Set(custom.map((o) => CUSTOM_RESOURCE_PROVIDERS[o.apiVersion.split('/')[0]]?.operator)).size);
  });

  test('every StorageClass a claim names is listed; claims without one need the default class', () => {
    const classes = new Set<string>();
    for (const object of env.objects) {
      walk(object, (key, node) => {
        if ((key === 'accessModes') && Array.isArray(node.accessModes)) {
          classes.add((node.storageClassName as string | undefined) ?? '(the cluster default StorageClass)');
        }
      });
    }
    expect(itemsOf(report.items, PrerequisiteKind.STORAGE_CLASS).map((i) => i.name).sort()).toEqual([...classes].sort());
  });

  test('IngressClasses and cert-manager ClusterIssuers of the Ingresses are listed', () => {
    const ingresses = env.objects.filter((o) => o.kind === 'Ingress');
    const classes = new Set(ingresses.map((o) => (o.spec as { ingressClassName: string }).ingressClassName));
    const issuers = new Set(ingresses.flatMap((o) => Object.entries((o.metadata.annotations ?? {}) as Record<string, string>).filter(([k]) => k === 'cert-manager.io/cluster-issuer').map(([, v]) => v)));
    expect(itemsOf(report.items, PrerequisiteKind.INGRESS_CLASS).map((i) => i.name).sort()).toEqual([...classes].sort());
    expect(itemsOf(report.items, PrerequisiteKind.CLUSTER_ISSUER).map((i) => i.name).sort()).toEqual([...issuers].sort());
  });

  test('the GPU resources the pods ask for are listed', () => {
    const gpus = new Set<string>();
    for (const object of env.objects) {
      walk(object, (key, node) => {
        if (key === 'limits') {
          Object.keys(node.limits as object).filter((r) => r.startsWith('nvidia.com/')).forEach((r) => gpus.add(r));
        }
      });
    }
    expect(itemsOf(report.items, PrerequisiteKind.GPU).map((i) => i.name).filter((n) => n.startsWith('nvidia.com/')).sort()).toEqual([...gpus].sort());
  });

  test('every other namespace the NetworkPolicies name is listed', () => {
    const named = new Set<string>();
    for (const object of env.objects.filter((o) => o.kind === 'NetworkPolicy')) {
      walk(object, (key, node) => {
        if (key === 'kubernetes.io/metadata.name' && node[key] !== namespace) {
          named.add(node[key] as string);
        }
      });
    }
    expect(new Set(itemsOf(report.items, PrerequisiteKind.NAMESPACE).map((i) => i.name))).toEqual(named);
  });

  test('PREREQUISITES.md lists every item', () => {
    const markdown = prerequisitesMarkdown(report);
    expect(report.items.length).toBeGreaterThan(0);
    for (const item of report.items) {
      expect(markdown).toContain(`| ${item.name.replace(/\|/g, '\\|')} |`);
    }
  });
});

test('emm in dev, hand-checked: the two Secrets its agents, tools and Redis read, and none for Grafana or Alertmanager', () => {
  const dev = rendered.find((e) => e.app === 'emm' && e.environment === 'dev');
  const secrets = itemsOf(dev ? prerequisitesOf(dev).items : [], PrerequisiteKind.SECRET).map((i) => [i.name, i.detail, i.check]);
  expect(secrets).toEqual([
    ['confluence-credentials', 'keys `base_url`, `password`, `username`', 'kubectl -n agentic-ai create secret generic confluence-credentials --from-file=base_url=./base_url --from-file=password=./password --from-file=username=./username'],
    ['langgraph-api-tls', 'keys `tls.crt`, `tls.key`', 'kubectl -n agentic-ai create secret tls langgraph-api-tls --cert=./tls.crt --key=./tls.key'],
    ['redis-cache-auth', 'keys `password`', 'kubectl -n agentic-ai create secret generic redis-cache-auth --from-file=password=./password'],
  ]);
});

test('support-copilot in prod, hand-checked: KEDA, External Secrets and the Prometheus Operator, the store, gp3 and efs-sc, nginx, letsencrypt-prod, GPUs, the gateway namespace and four more, the metrics sources', () => {
  const prod = rendered.find((e) => e.app === 'support-copilot' && e.environment === 'prod');
  const items = prod ? prerequisitesOf(prod).items : [];
  const names = (kind: PrerequisiteKind) => itemsOf(items, kind).map((i) => i.name).sort();
  expect(names(PrerequisiteKind.OPERATOR)).toEqual([
    'External Secrets Operator', 'Gateway API CRDs and a Gateway controller', 'Gateway API Inference Extension', 'KEDA', 'Prometheus Operator (e.g. kube-prometheus-stack)',
  ]);
  expect(names(PrerequisiteKind.SECRET)).toEqual([]);
  expect(names(PrerequisiteKind.SECRET_STORE)).toEqual(['ClusterSecretStore aws-secretsmanager', 'ClusterSecretStore aws-secretsmanager', 'ClusterSecretStore aws-secretsmanager']);
  expect(names(PrerequisiteKind.STORAGE_CLASS)).toEqual(['efs-sc', 'gp3']);
  expect(names(PrerequisiteKind.INGRESS_CLASS)).toEqual(['nginx']);
  expect(names(PrerequisiteKind.CLUSTER_ISSUER)).toEqual(['letsencrypt-prod']);
  expect(names(PrerequisiteKind.GPU)).toEqual(['nvidia.com/gpu']);
  expect(names(PrerequisiteKind.NAMESPACE)).toEqual(['gateway-system', 'ingress-nginx', 'keda', 'kube-system', 'monitoring', 'monitoring']);
  expect(names(PrerequisiteKind.METRICS_SOURCE)).toEqual(['Grafana dashboard sidecar', 'NVIDIA DCGM exporter', 'OTLP endpoint http://otel-collector.monitoring.svc:4317', 'kube-state-metrics', 'kubelet cAdvisor']);
  expect(itemsOf(items, PrerequisiteKind.NAMESPACE).find((i) => i.detail.includes('app.kubernetes.io/name=prometheus'))?.name).toBe('monitoring');
});

test('later features add their custom resources in one place: the providers table (Gateway API, Inference Extension, LeaderWorkerSet, Argo)', () => {
  const operators = ['gateway.networking.k8s.io', 'inference.networking.k8s.io', 'inference.networking.x-k8s.io', 'leaderworkerset.x-k8s.io', 'argoproj.io/Rollout', 'argoproj.io/Application', 'cert-manager.io']
    .map((group) => [group, CUSTOM_RESOURCE_PROVIDERS[group]?.operator]);
  expect(operators).toEqual([
    ['gateway.networking.k8s.io', 'Gateway API CRDs and a Gateway controller'],
    ['inference.networking.k8s.io', 'Gateway API Inference Extension'],
    ['inference.networking.x-k8s.io', 'Gateway API Inference Extension'],
    ['leaderworkerset.x-k8s.io', 'LeaderWorkerSet controller'],
    ['argoproj.io/Rollout', 'Argo Rollouts'],
    ['argoproj.io/Application', 'Argo CD'],
    ['cert-manager.io', 'cert-manager'],
  ]);
});

test('Helm 4 shows the list after install (NOTES.txt, rendered by `helm install --dry-run=client`)', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-notes-'));
  try {
    const report = synthesize([emm], { outdir: path.join(outdir, 'dist'), writers: [new HelmChartWriter({ version: '0.1.0' })] });
    const helm4 = HELM_BINARIES.find((h) => h.major === 4);
    expect(helm4).toBeDefined();
    if (!helm4) {
      return;
    }
    // (Helm 3 contacts the cluster even in a client dry run; Helm 4 does not)
    const run = runHelm(helm4, ['install', 'emm-prod', path.join(outdir, 'dist', 'helm', 'emm-prod'), '--dry-run=client', '--namespace', 'default']);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const notes = run.stdout.slice(run.stdout.indexOf('NOTES:'));
    expect(notes).toContain('emm in prod (namespace agentic-ai) needs, in the cluster:');
    for (const item of report.prerequisites[2].items) {
      expect(notes).toContain(`  - ${item.name}: `);
    }
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});

test('written as PREREQUISITES.md next to the manifests, in the chart\'s NOTES.txt, and returned in the report', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-prereq-'));
  try {
    const report = synthesize([emm], { outdir: path.join(outdir, 'dist'), writers: [new HelmChartWriter({ version: '0.1.0' })] });
    expect(report.prerequisites.map((p) => `${p.app}/${p.environment}`)).toEqual(['emm/dev', 'emm/staging', 'emm/prod']);
    for (const prerequisites of report.prerequisites) {
      const markdown = fs.readFileSync(path.join(outdir, 'dist', 'manifests', 'emm', prerequisites.environment, 'PREREQUISITES.md'), 'utf8');
      expect(markdown).toBe(prerequisitesMarkdown(prerequisites));
      const notes = fs.readFileSync(path.join(outdir, 'dist', 'helm', `emm-${prerequisites.environment}`, 'templates', 'NOTES.txt'), 'utf8');
      for (const item of prerequisites.items) {
        expect(notes).toContain(`  - ${item.name}: `);
      }
    }
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});
