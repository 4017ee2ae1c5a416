/**
 * The Argo CD output: one ApplicationSet per app, strictly valid against the ApplicationSet CRD
 * (v3.5.1), whose generated Applications (rendered here the way the ApplicationSet controller
 * does: Go template fields, then the templatePatch merged) are strictly valid against the
 * Application CRD; the options and their defaults; every refusal at once.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import {
  AgentMicroservice, ARGOCD_HEALTH_CHECKS, ArgoCdSource, healthCheckKey, ArgoCdWriter, type ArgoCdWriterOptions, Environments, type KubeObject, renderApps, type RenderedEnvironment, SynthesisError, synthesize,
} from '../../lib';
import { apps } from '../../apps';
import { emm } from '../../apps/emm';
import { at, synthesisErrorOf } from '../helpers/synth';
import { expectValidManifests } from '../validation';

const rendered = renderApps(apps);
const REPO = 'https://github.com/example/agents-deploy.git';

type Params = Readonly<Record<string, unknown>>;

/** A Go template the way the ApplicationSet controller renders ours: `{{.key}}` and `{{ toJson .key }}`, missingkey=error. */
function goTemplate(text: string, params: Params): string {
  return text.replace(/\{\{\s*(toJson\s+)?\.([A-Za-z0-9_]+)\s*\}\}/g, (_all, toJson: string | undefined, key: string) => {
    if (!(key in params)) throw new Error(`map has no entry for key "${key}"`);
    return toJson ? JSON.stringify(params[key]) : String(params[key]);
  }).replace(/\{\{[^}]*\}\}/g, (other) => {
    throw new Error(`template action the test renderer does not know: ${other}`);
  });
}

function renderFields(value: unknown, params: Params): unknown {
  if (typeof value === 'string') return goTemplate(value, params);
  if (Array.isArray(value)) return value.map((v) => renderFields(v, params));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderFields(v, params)]));
  return value;
}

/** A JSON merge of the patch into the Application (maps merge, everything else is replaced), as templatePatch applies. */
function merge(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch) || !target || typeof target !== 'object' || Array.isArray(target)) return patch;
  const out: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) out[k] = merge(out[k], v);
  return out;
}

/** The Applications an ApplicationSet with a list generator creates. */
function generatedApplications(appSet: KubeObject): KubeObject[] {
  const spec = appSet.spec as { generators: { list: { elements: Params[] } }[]; template: Record<string, unknown>; templatePatch: string };
  expect(spec.generators).toHaveLength(1);
  return spec.generators[0].list.elements.map((element) => {
    const application = merge(renderFields(spec.template, element), JSON.parse(goTemplate(spec.templatePatch, element))) as { metadata: Record<string, unknown> };
    return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', ...application, metadata: { ...application.metadata, namespace: appSet.metadata.namespace } } as KubeObject;
  });
}

function writerFiles(options: Partial<ArgoCdWriterOptions> = {}, environments: readonly RenderedEnvironment[] = rendered): Map<string, string> {
  return new ArgoCdWriter({ repoUrl: REPO, ...options }).files(environments);
}

function applicationSetOf(files: ReadonlyMap<string, string>, app: string): KubeObject {
  const text = files.get(`argocd/${app}.yaml`);
  if (!text) throw new Error(`no argocd/${app}.yaml (there are ${[...files.keys()].join(', ')})`);
  return parse(text) as KubeObject;
}

describe('the example apps, as npm run synth writes them', () => {
  const files = writerFiles({ targetRevision: 'main', environments: { staging: { cluster: 'staging' }, prod: { cluster: 'prod' } } });

  test('one ApplicationSet per app, and the health checks of the custom resources they use', () => {
    expect([...files.keys()].sort()).toEqual(['argocd/argocd-cm-health.yaml', 'argocd/emm.yaml', 'argocd/evaluation.yaml', 'argocd/support-copilot.yaml']);
    expect(apps.map((a) => a.name).sort()).toEqual(['emm', 'evaluation', 'support-copilot']);
  });

  test('every byte of every file matches the snapshot', () => {
    expect(Object.fromEntries(files)).toMatchSnapshot();
  });

  test.each(apps.map((a) => a.name))('%s: the ApplicationSet and the Applications it generates pass the CRDs strictly', (app) => {
    const appSet = applicationSetOf(files, app);
    const applications = generatedApplications(appSet);
    expect(applications.map((a) => a.metadata.name)).toEqual(['dev', 'staging', 'prod'].map((env) => `${app}-${env}`));
    expectValidManifests([appSet, ...applications]);
  });

  test('emm: each environment from its folder, in its cluster; automated sync, self-heal on, prune off in prod', () => {
    const applications = generatedApplications(applicationSetOf(files, 'emm'));
    expect(applications.map((a) => ({ name: a.metadata.name, labels: a.metadata.labels, spec: a.spec }))).toEqual(['dev', 'staging', 'prod'].map((env) => ({
      name: `emm-${env}`,
      labels: { 'app.kubernetes.io/part-of': 'emm', 'app.kubernetes.io/managed-by': 'cdk8s-agents', 'agents.cdk8s.io/environment': env },
      spec: {
        project: 'default',
        source: { repoURL: REPO, targetRevision: 'main', path: `dist/manifests/emm/${env}` },
        destination: { namespace: 'agentic-ai', ...(env === 'dev' ? { server: 'https://kubernetes.default.svc' } : { name: env }) },
        syncPolicy: {
          automated: { prune: env !== 'prod', selfHeal: true },
          syncOptions: ['ServerSideApply=true', 'PruneLast=true'],
          retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
        },
      },
    })));
  });

  test('environments are synced in order: dev, then staging, then prod, each once the previous is Healthy', () => {
    const appSet = applicationSetOf(files, 'emm');
    expect(at(appSet, 'spec.strategy')).toEqual({
      type: 'RollingSync',
      rollingSync: { steps: ['dev', 'staging', 'prod'].map((env) => ({ matchExpressions: [{ key: 'agents.cdk8s.io/environment', operator: 'In', values: [env] }] })) },
    });
    expect(at(appSet, 'spec.syncPolicy')).toEqual({ preserveResourcesOnDeletion: true });
    expect(at(appSet, 'spec.goTemplateOptions')).toEqual(['missingkey=error']);
  });

  test('the health checks cover exactly the custom resources with a readiness the apps render (ScaledObject and ExternalSecret among them)', () => {
    const patch = parse(files.get('argocd/argocd-cm-health.yaml') ?? '') as { data: Record<string, string> };
    const rendersKind = (group: string, kind: string) => rendered.some((env) => env.objects.some((o) => o.kind === kind && o.apiVersion.startsWith(`${group}/`)));
    const expected = ARGOCD_HEALTH_CHECKS.filter((c) => rendersKind(c.group, c.kind));
    expect(Object.keys(patch.data)).toEqual(expected.map(healthCheckKey));
    expect(Object.keys(patch.data)).toEqual(expect.arrayContaining(['resource.customizations.health.keda.sh_ScaledObject', 'resource.customizations.health.external-secrets.io_ExternalSecret']));
    for (const check of expected) {
      expect(patch.data[healthCheckKey(check)]).toBe(check.lua);
    }
  });
});

describe('options', () => {
  const emmEnvs = rendered.filter((r) => r.app === 'emm');

  test('the Helm charts as the source, one release per environment', () => {
    const applications = generatedApplications(applicationSetOf(writerFiles({ source: ArgoCdSource.HELM, pathPrefix: 'deploy/out' }, emmEnvs), 'emm'));
    expect(applications.map((a) => at(a, 'spec.source'))).toEqual(['dev', 'staging', 'prod'].map((env) => ({
      repoURL: REPO, targetRevision: 'HEAD', path: `deploy/out/helm/emm-${env}`, helm: { releaseName: `emm-${env}` },
    })));
    expectValidManifests(applications);
  });

  test('prod synced by hand: no automated policy, and its progressive step waits for that', () => {
    const appSet = applicationSetOf(writerFiles({ environments: { prod: { automated: false, targetRevision: 'v1.4.2', server: 'https://prod.k8s.example.com' } } }, emmEnvs), 'emm');
    const prod = generatedApplications(appSet)[2];
    expect(at(prod, 'spec.syncPolicy')).toEqual({ syncOptions: ['ServerSideApply=true', 'PruneLast=true'], retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } } });
    expect(at(prod, 'spec.source.targetRevision')).toBe('v1.4.2');
    expect(at(prod, 'spec.destination')).toEqual({ namespace: 'agentic-ai', server: 'https://prod.k8s.example.com' });
    expect(at(appSet, 'spec.strategy.rollingSync.steps.2.maxUpdate')).toBe(0);
    expect(at(appSet, 'spec.strategy.rollingSync.steps.1')).not.toHaveProperty('maxUpdate');
  });

  test('overrides of prune and self-heal, project and Argo CD namespace; no progressive sync', () => {
    const appSet = applicationSetOf(writerFiles({ project: 'agents', namespace: 'gitops', progressiveSync: false, environments: { prod: { prune: true, selfHeal: false } } }, emmEnvs), 'emm');
    expect(appSet.metadata.namespace).toBe('gitops');
    expect(at(appSet, 'spec')).not.toHaveProperty('strategy');
    const [dev, , prod] = generatedApplications(appSet);
    expect(at(prod, 'spec.syncPolicy.automated')).toEqual({ prune: true, selfHeal: false });
    expect(at(dev, 'spec.project')).toBe('agents');
  });

  test('environments of one tier share a step, development first whatever the definition order', () => {
    const envs = renderApps([{
      name: 'ordered', environments: [Environments.prod({ namespace: 'p' }), Environments.dev({ name: 'dev-a', namespace: 'a' }), Environments.dev({ name: 'dev-b', namespace: 'b' })],
      build: (p) => { new AgentMicroservice(p, 'api', { image: 'api:1.0.0' }); },
    }]);
    const appSet = applicationSetOf(writerFiles({}, envs), 'ordered');
    expect((at(appSet, 'spec.strategy.rollingSync.steps') as { matchExpressions: { values: string[] }[] }[]).map((s) => s.matchExpressions[0].values)).toEqual([['dev-a', 'dev-b'], ['prod']]);
    expect(generatedApplications(appSet).map((a) => a.metadata.name)).toEqual(['ordered-dev-a', 'ordered-dev-b', 'ordered-prod']);
  });

  test('no health-check file when no app renders a custom resource Argo CD must wait for', () => {
    expect([...writerFiles({}, rendered.filter((r) => r.app === 'evaluation')).keys()]).toEqual(['argocd/evaluation.yaml']);
  });
});

test('refusals: every problem of the options at once, one line each', () => {
  const writer = new ArgoCdWriter({
    repoUrl: 'not a url', pathPrefix: '../dist',
    environments: { prod: { server: 'http://prod:6443', cluster: 'prod' }, production: { cluster: 'prod' } },
  } as ArgoCdWriterOptions);
  const error = synthesisErrorOf(() => writer.files(rendered));
  expect(error).toBeInstanceOf(SynthesisError);
  expect(error.problems).toEqual([
    '[argocd] repoUrl: must be the URL of a Git repository, e.g. "https://github.com/acme/agents-deploy.git" (got "not a url")',
    '[argocd] pathPrefix: must be a relative folder inside the repository without "." or ".." segments, e.g. "dist" or "deploy/dist" (got "../dist")',
    '[argocd] environments.prod.server: must be the https URL of a Kubernetes API server, e.g. "https://kubernetes.default.svc" (got "http://prod:6443")',
    '[argocd] environments.prod: gives both server and cluster: Argo CD accepts one destination, by URL (server) or by registered name (cluster) (got {"server":"http://prod:6443","cluster":"prod"})',
    '[argocd] environments.production: no app has an environment named "production"; the environments are "dev", "staging", "prod"',
  ]);
});

test('synthesize writes dist/argocd beside the manifests, atomically with them', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-argocd-'));
  try {
    const report = synthesize([emm], { outdir: path.join(outdir, 'dist'), writers: [new ArgoCdWriter({ repoUrl: REPO })] });
    expect(report.environments).toHaveLength(3);
    expect(fs.readdirSync(path.join(outdir, 'dist', 'argocd')).sort()).toEqual(['argocd-cm-health.yaml', 'emm.yaml']);
    // every path an Application points at exists in the output
    const appSet = parse(fs.readFileSync(path.join(outdir, 'dist', 'argocd', 'emm.yaml'), 'utf8')) as KubeObject;
    for (const application of generatedApplications(appSet)) {
      const folder = String(at(application, 'spec.source.path')).replace(/^dist\//, '');
      expect(fs.readdirSync(path.join(outdir, 'dist', folder)).length).toBeGreaterThan(0);
    }
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});
