/**
 * The Argo CD sync waves of every example app in every environment: every object has one, an
 * integer string; nothing waits on an object of a later wave (every reference a manifest makes,
 * and every dependency the wiring recorded); the tiers come in the documented order.
 */
import { ApiObject } from 'cdk8s';
import { type IConstruct } from 'constructs';
import { ownerWaves } from '../../lib/synth/sync-waves';
import { type KubeObject, renderApps, type RenderedEnvironment, SYNC_WAVE_ANNOTATION, WaveTier } from '../../lib';
import { apps } from '../../apps';
import { ownerDependencies } from '../../lib/synth/owners';
import { at } from '../helpers/synth';

const rendered = renderApps(apps);

function waveOf(object: KubeObject): number {
  return Number((object.metadata.annotations as Record<string, string> | undefined)?.[SYNC_WAVE_ANNOTATION]);
}

interface Reference {
  readonly from: KubeObject;
  readonly to: KubeObject;
  readonly why: string;
}

type Finder = (kind: string, name: string) => KubeObject | undefined;

/** The objects a Secret of that name comes from: the Secret itself, or the ExternalSecret or SealedSecret that writes it. */
function secretProducer(objects: readonly KubeObject[], name: string): KubeObject | undefined {
  return objects.find((o) => (o.kind === 'Secret' && o.metadata.name === name)
    || (o.kind === 'ExternalSecret' && ((at(o, 'spec.target.name') as string | undefined) ?? o.metadata.name) === name)
    || (o.kind === 'SealedSecret' && ((at(o, 'spec.template.metadata.name') as string | undefined) ?? o.metadata.name) === name));
}

function podTemplatePath(object: KubeObject): string | undefined {
  switch (object.kind) {
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'Job': return 'spec.template';
    case 'CronJob': return 'spec.jobTemplate.spec.template';
    default: return undefined;
  }
}

/** What the pods of a workload need before they can start, or talk to. */
function podReferences(object: KubeObject, find: Finder, secret: (name: string) => KubeObject | undefined, namespace: string): { to: KubeObject | undefined; why: string }[] {
  const path = podTemplatePath(object);
  if (!path) return [];
  const spec = at(object, `${path}.spec`) as Record<string, unknown>;
  const out: { to: KubeObject | undefined; why: string }[] = [];
  out.push({ to: find('ServiceAccount', String(spec.serviceAccountName)), why: 'serviceAccountName' });
  for (const volume of (spec.volumes ?? []) as Record<string, Record<string, string> | undefined>[]) {
    if (volume.configMap) out.push({ to: find('ConfigMap', volume.configMap.name), why: `volume ConfigMap ${volume.configMap.name}` });
    if (volume.secret) out.push({ to: secret(volume.secret.secretName), why: `volume Secret ${volume.secret.secretName}` });
    if (volume.persistentVolumeClaim) out.push({ to: find('PersistentVolumeClaim', volume.persistentVolumeClaim.claimName), why: `claim ${volume.persistentVolumeClaim.claimName}` });
  }
  const containers = [...(spec.initContainers ?? []) as Record<string, unknown>[], ...(spec.containers ?? []) as Record<string, unknown>[]];
  for (const container of containers) {
    for (const variable of (container.env ?? []) as { name: string; value?: string; valueFrom?: Record<string, { name: string }> }[]) {
      const secretRef = variable.valueFrom?.secretKeyRef;
      const configRef = variable.valueFrom?.configMapKeyRef;
      if (secretRef) out.push({ to: secret(secretRef.name), why: `env ${variable.name} from Secret ${secretRef.name}` });
      if (configRef) out.push({ to: find('ConfigMap', configRef.name), why: `env ${variable.name} from ConfigMap ${configRef.name}` });
      // A peer the pod calls by its Service's DNS name (MCP tools, agents, Redis). Telemetry
      // (OTEL_*) is not waited for: exporters retry and drop, and the stack comes last.
      if (variable.name.startsWith('OTEL_')) continue;
      for (const [, service] of (variable.value ?? '').matchAll(new RegExp(`([a-z0-9-]+)\\.${namespace}\\.svc\\.cluster\\.local`, 'g'))) {
        out.push({ to: find('Service', service), why: `env ${variable.name} calls Service ${service}` });
      }
    }
    for (const source of (container.envFrom ?? []) as Record<string, { name: string } | undefined>[]) {
      if (source.secretRef) out.push({ to: secret(source.secretRef.name), why: `envFrom Secret ${source.secretRef.name}` });
      if (source.configMapRef) out.push({ to: find('ConfigMap', source.configMapRef.name), why: `envFrom ConfigMap ${source.configMapRef.name}` });
    }
  }
  return out;
}

/** Every reference of the objects of one environment to another object of the same environment. */
function referencesOf(env: RenderedEnvironment): Reference[] {
  const objects = env.objects;
  const namespace = env.platform.environment.namespace;
  const find: Finder = (kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const secret = (name: string) => secretProducer(objects, name);
  const references: Reference[] = [];
  for (const object of objects) {
    const candidates = [...podReferences(object, find, secret, namespace)];
    if (object.kind === 'HorizontalPodAutoscaler' || object.kind === 'ScaledObject') {
      candidates.push({ to: find(String(at(object, 'spec.scaleTargetRef.kind') ?? 'Deployment'), String(at(object, 'spec.scaleTargetRef.name'))), why: 'scaleTargetRef' });
    }
    if (object.kind === 'ScaledObject') {
      for (const trigger of (at(object, 'spec.triggers') ?? []) as { authenticationRef?: { name: string } }[]) {
        if (trigger.authenticationRef) candidates.push({ to: find('TriggerAuthentication', trigger.authenticationRef.name), why: 'trigger authenticationRef' });
      }
    }
    if (object.kind === 'TriggerAuthentication') {
      for (const ref of (at(object, 'spec.secretTargetRef') ?? []) as { name: string }[]) {
        candidates.push({ to: secret(ref.name), why: `secretTargetRef ${ref.name}` });
      }
    }
    if (object.kind === 'Rollout') {
      candidates.push({ to: find('Deployment', String(at(object, 'spec.workloadRef.name'))), why: 'workloadRef' });
      for (const step of (at(object, 'spec.strategy.canary.steps') ?? []) as { analysis?: { templates: { templateName: string }[] } }[]) {
        for (const t of step.analysis?.templates ?? []) candidates.push({ to: find('AnalysisTemplate', t.templateName), why: 'analysis template' });
      }
    }
    if (object.kind === 'Ingress') {
      for (const rule of (at(object, 'spec.rules') ?? []) as { http: { paths: { backend: { service: { name: string } } }[] } }[]) {
        for (const p of rule.http.paths) candidates.push({ to: find('Service', p.backend.service.name), why: 'Ingress backend' });
      }
    }
    for (const c of candidates) {
      if (c.to && c.to !== object) references.push({ from: object, to: c.to, why: c.why });
    }
  }
  return references;
}

const label = (o: KubeObject) => `${o.kind} ${o.metadata.name} (wave ${waveOf(o)})`;

describe.each(rendered.map((r) => [`${r.app}/${r.environment}`, r] as const))('%s', (_name, env) => {
  test('every object has a sync wave, an integer as a string', () => {
    expect(env.objects.length).toBeGreaterThan(0);
    for (const object of env.objects) {
      expect((object.metadata.annotations as Record<string, string> | undefined)?.[SYNC_WAVE_ANNOTATION]).toMatch(/^-?[0-9]+$/);
    }
  });

  test('nothing waits on a later wave; a custom resource a pod waits for comes in an earlier wave', () => {
    const references = referencesOf(env);
    expect(references.length).toBeGreaterThan(0);
    const late = references.filter((r) => waveOf(r.to) > waveOf(r.from)).map((r) => `${label(r.from)} -> ${r.why} -> ${label(r.to)}`);
    expect(late).toEqual([]);
    // Within a wave Argo CD applies custom resources after the workloads: an ExternalSecret must be earlier.
    const sameWaveSecrets = references.filter((r) => ['ExternalSecret', 'SealedSecret'].includes(r.to.kind) && waveOf(r.to) === waveOf(r.from));
    expect(sameWaveSecrets.map((r) => `${label(r.from)} -> ${label(r.to)}`)).toEqual([]);
  });

  test('the namespace comes first and the observability stack last', () => {
    const waves = env.objects.map(waveOf);
    for (const object of env.objects.filter((o) => ['Namespace', 'ResourceQuota', 'LimitRange'].includes(o.kind))) {
      expect(waveOf(object)).toBe(WaveTier.NAMESPACE);
    }
    expect(Math.min(...waves)).toBe(WaveTier.NAMESPACE);
    const observability = env.files.find((f) => f.fileName === 'observability.yaml');
    if (observability) {
      const stackWaves = new Set(observability.objects.filter((o) => !['ExternalSecret', 'SealedSecret'].includes(o.kind)).map(waveOf));
      expect([...stackWaves]).toEqual([Math.max(...waves)]);
    }
  });
});

// The evaluation app wires nothing to anything.
const wiredApps = rendered.filter((r) => r.app !== 'evaluation');

test('the apps with wiring are checked', () => {
  expect(wiredApps.map((r) => `${r.app}/${r.environment}`)).toEqual(['emm/dev', 'emm/staging', 'emm/prod', 'support-copilot/dev', 'support-copilot/staging', 'support-copilot/prod']);
});

describe.each(wiredApps.map((r) => [`${r.app}/${r.environment}`, r] as const))('%s', (_name, env) => {
  test('every wired dependency that renders objects is in an earlier wave', () => {
    const waves = ownerWaves(env.platform);
    const renders = (c: IConstruct) => c.node.findAll().some((x) => ApiObject.isApiObject(x));
    const pairs = [...ownerDependencies(env.platform)].flatMap(([owner, deps]) => [...deps].filter((d) => renders(owner) && renders(d)).map((d) => [owner, d] as const));
    expect(pairs.length).toBeGreaterThan(0);
    const late = pairs.filter(([owner, dep]) => (waves.get(dep) ?? Infinity) >= (waves.get(owner) ?? -Infinity)).map(([owner, dep]) => `${owner.node.id} (${waves.get(owner)}) depends on ${dep.node.id} (${waves.get(dep)})`);
    expect(late).toEqual([]);
  });
});

test('emm prod: the references checked include the wiring (tools, agents, Redis, secrets, the canary)', () => {
  const env = rendered.find((r) => r.app === 'emm' && r.environment === 'prod') as RenderedEnvironment;
  const whys = referencesOf(env).map((r) => r.why);
  expect(whys.length).toBeGreaterThan(100);
  for (const kind of ['calls Service jd-classifier', 'calls Service confluence-agent', 'calls Service redis-cache', 'from Secret confluence-credentials', 'volume ConfigMap jd-structure', 'workloadRef', 'analysis template', 'scaleTargetRef']) {
    expect(whys.some((w) => w.includes(kind))).toBe(true);
  }
});

test('emm prod: namespace, secrets, config files and claims, Redis, tools, the agents, the agent calling them, then observability', () => {
  const env = rendered.find((r) => r.app === 'emm' && r.environment === 'prod') as RenderedEnvironment;
  const byFile = Object.fromEntries(env.files.map((f) => [f.fileName, [...new Set(f.objects.map(waveOf))].join(',')]));
  expect(byFile).toEqual({
    '00-namespace.yaml': '0',
    'confluence-credentials.yaml': '1', 'alertmanager-slack.yaml': '1', 'langfuse-credentials.yaml': '1',
    'jd-structure.yaml': '2', 'vault.yaml': '2', 'unsorted.yaml': '2',
    'redis-cache.yaml': '1,3',
    'jd-classifier.yaml': '4', 'content-classifier.yaml': '4', 'bookmark-classifier.yaml': '4', 'confluence.yaml': '4', 'file-system.yaml': '4', 'web-scraper.yaml': '4', 'notifications.yaml': '4',
    'confluence-agent.yaml': '5', 'bookmark-scraper.yaml': '5', 'file-system-agent.yaml': '5',
    'langgraph-api.yaml': '6',
    'observability.yaml': '1,7',
  });
});
