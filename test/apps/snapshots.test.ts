import { type KubeObject, type RenderedEnvironment, renderApps } from '../../lib';
import { manifestFiles } from '../../lib/synth/synthesizer';
import { apps } from '../../apps';
import { at, Synthesized } from '../helpers/synth';
import { expectValidManifests } from '../validation';
import { nonEmpty } from '../helpers/lists';

// GIVEN every example app in every environment, rendered once
const rendered = renderApps(apps);

const environment = (app: string, env: string): RenderedEnvironment => {
  const found = rendered.find((r) => r.app === app && r.environment === env);
  if (!found) {
    throw new Error(`no rendered environment ${app}/${env} (there are: ${rendered.map((r) => `${r.app}/${r.environment}`).join(', ')})`);
  }
  return found;
};
const objectsOf = (app: string, env: string) => new Synthesized(environment(app, env).objects);
const labelOf = (o: KubeObject, key: string) => (o.metadata.labels as Record<string, string> | undefined)?.[key];
const container = (o: KubeObject) => at(o, 'spec.template.spec.containers.0');
const envNames = ['dev', 'staging', 'prod'] as const;

describe('every app in every environment', () => {
  test('the apps and environments rendered', () => {
    expect(rendered.map((r) => `${r.app}/${r.environment}`)).toEqual(
      apps.flatMap((a) => a.environments.map((e) => `${a.name}/${e.name}`)),
    );
    expect(rendered.length).toBeGreaterThan(0);
  });

  describe.each(rendered.map((r) => [`${r.app}/${r.environment}`, r] as const))('%s', (_label, env) => {
    test('passes the strict validation', () => {
      expectValidManifests(env.objects);
    });

    test('every byte of every file matches the snapshot', () => {
      // The text of each file, by path: any change in the output shows up as a snapshot diff.
      expect(Object.fromEntries(manifestFiles([env]))).toMatchSnapshot();
    });
  });
});

describe('evaluation', () => {
  test.each(envNames)('%s: evaluation-service listens on 5002 with requests 256Mi / 250m and limits 512Mi / 500m', (env) => {
    const s = objectsOf('evaluation', env);
    const deployment = s.get('Deployment', 'evaluation-service');
    expect(at(container(deployment), 'ports.0')).toEqual({ name: 'http', containerPort: 5002, protocol: 'TCP' });
    expect(at(s.get('Service', 'evaluation-service'), 'spec.ports.0.port')).toBe(5002);
    expect(at(container(deployment), 'resources')).toEqual({ requests: { memory: '256Mi', cpu: '250m' }, limits: { memory: '512Mi', cpu: '500m' } });
  });

  test.each(['staging', 'prod'])('%s: evaluation-service HPA 2..10 at 70%% CPU only, model-v1 HPA on memory 70%% only', (env) => {
    const s = objectsOf('evaluation', env);
    const evaluation = s.get('HorizontalPodAutoscaler', 'evaluation-service');
    expect(at(evaluation, 'spec.minReplicas')).toBe(2);
    expect(at(evaluation, 'spec.maxReplicas')).toBe(10);
    expect(at(evaluation, 'spec.metrics')).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    expect(at(s.get('Deployment', 'evaluation-service'), 'spec')).not.toHaveProperty('replicas');

    const model = s.get('HorizontalPodAutoscaler', 'model-v1');
    expect(at(model, 'spec.minReplicas')).toBe(2);
    expect(at(model, 'spec.maxReplicas')).toBe(10);
    expect(at(model, 'spec.metrics')).toEqual([{ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    expect(at(container(s.get('Deployment', 'model-v1')), 'ports.0.containerPort')).toBe(5000);
  });

  test('dev: no HPA, one replica each', () => {
    const s = objectsOf('evaluation', 'dev');
    expect(s.all('HorizontalPodAutoscaler')).toEqual([]);
    expect(s.all('Deployment').map((d) => [d.metadata.name, at(d, 'spec.replicas')])).toEqual([['evaluation-service', 1], ['model-v1', 1]]);
    expect(at(container(s.get('Deployment', 'model-v1')), 'ports.0.containerPort')).toBe(5000);
  });

  test('prod: the Ingress routes /evaluate on the prod domain with a Let\'s Encrypt certificate', () => {
    const ingress = objectsOf('evaluation', 'prod').get('Ingress', 'evaluation-service');
    expect(at(ingress, 'metadata.annotations')).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt-prod', 'argocd.argoproj.io/sync-wave': '4' });
    expect(at(ingress, 'spec.rules.0.host')).toBe('evaluation-service.agents.example.com');
    expect(at(ingress, 'spec.rules.0.http.paths.0.path')).toBe('/evaluate');
  });
});

describe('emm', () => {
  const AGENTS = ['bookmark-scraper', 'confluence-agent', 'file-system-agent', 'langgraph-api'];
  const TOOLS = ['bookmark-classifier', 'confluence', 'content-classifier', 'file-system', 'jd-classifier', 'notifications', 'web-scraper'];

  test.each(envNames)('%s: everything in namespace agentic-ai', (env) => {
    const s = objectsOf('emm', env);
    expect(s.get('Namespace', 'agentic-ai')).toBeDefined();
    // Cluster-scoped: the Namespace, and Prometheus' read-only node access for cAdvisor.
    const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding'];
    expect(new Set(s.objects.filter((o) => !clusterScoped.includes(o.kind)).map((o) => o.metadata.namespace))).toEqual(new Set(['agentic-ai']));
    expect(s.objects.filter((o) => clusterScoped.includes(o.kind)).map((o) => [o.kind, o.metadata.name, o.metadata.namespace])).toEqual([
      ['Namespace', 'agentic-ai', undefined], ['ClusterRole', 'agentic-ai-prometheus-kubelet', undefined], ['ClusterRoleBinding', 'agentic-ai-prometheus-kubelet', undefined],
    ]);
  });

  test.each(envNames)('%s: the three agents and the LangGraph API, seven MCP tools, the Redis StatefulSet', (env) => {
    const s = objectsOf('emm', env);
    const byComponent = (component: string) => s.all('Deployment').filter((d) => labelOf(d, 'app.kubernetes.io/component') === component).map((d) => d.metadata.name).sort();
    expect(byComponent('agent')).toEqual(AGENTS);
    expect(byComponent('mcp-tool')).toEqual(TOOLS);
    expect(s.all('StatefulSet').filter((o) => labelOf(o, 'app.kubernetes.io/component') === 'cache').map((o) => o.metadata.name)).toEqual(['redis-cache']);
  });

  test.each(envNames)('%s: content-classifier 2Gi / 1 to 4Gi / 2 and jd-classifier 128Mi / 100m to 256Mi / 500m (explicit, never scaled)', (env) => {
    const s = objectsOf('emm', env);
    expect(at(container(s.get('Deployment', 'content-classifier')), 'resources')).toEqual({ requests: { memory: '2Gi', cpu: '1' }, limits: { memory: '4Gi', cpu: '2' } });
    expect(at(container(s.get('Deployment', 'jd-classifier')), 'resources')).toEqual({ requests: { memory: '128Mi', cpu: '100m' }, limits: { memory: '256Mi', cpu: '500m' } });
  });

  test.each(envNames)('%s: every Deployment of the app has a readiness probe on /health over port http', (env) => {
    // The observability servers probe their own health endpoints (test/observability), the Redis
    // primary proxy its /ready endpoint (test/redis).
    for (const deployment of nonEmpty(objectsOf('emm', env).all('Deployment').filter((d) => !['observability', 'cache'].includes(labelOf(d, 'app.kubernetes.io/component') ?? '')))) {
      expect({ name: deployment.metadata.name, probe: at(container(deployment), 'readinessProbe.httpGet') })
        .toEqual({ name: deployment.metadata.name, probe: { path: '/health', port: 'http', scheme: 'HTTP' } });
    }
  });

  test.each(['staging', 'prod'])('%s: no Secret with data or stringData in the output', (env) => {
    const withValues = objectsOf('emm', env).all('Secret').filter((o) => 'data' in o || 'stringData' in o);
    expect(withValues).toEqual([]);
  });

  test('prod: an ExternalSecret for confluence-credentials reads prod/confluence/password', () => {
    const externalSecret = objectsOf('emm', 'prod').get('ExternalSecret', 'confluence-credentials');
    expect(at(externalSecret, 'spec.secretStoreRef')).toEqual({ name: 'aws-secretsmanager', kind: 'ClusterSecretStore' });
    expect(at(externalSecret, 'spec.data')).toEqual(expect.arrayContaining([
      { secretKey: 'password', remoteRef: { key: 'prod/confluence/password' } },
      { secretKey: 'username', remoteRef: { key: 'prod/confluence/username' } },
      { secretKey: 'base_url', remoteRef: { key: 'prod/confluence/base_url' } },
    ]));
  });

  test('staging: the remote keys carry the staging prefix', () => {
    const externalSecret = objectsOf('emm', 'staging').get('ExternalSecret', 'confluence-credentials');
    expect(at(externalSecret, 'spec.data')).toEqual(expect.arrayContaining([{ secretKey: 'password', remoteRef: { key: 'staging/confluence/password' } }]));
  });

  test('prod: the confluence tool reads its credentials from the Secret, never a literal', () => {
    const env = at(container(objectsOf('emm', 'prod').get('Deployment', 'confluence')), 'env') as { name: string; value?: string; valueFrom?: unknown }[];
    expect(env.find((e) => e.name === 'CONFLUENCE_PASSWORD')).toEqual({ name: 'CONFLUENCE_PASSWORD', valueFrom: { secretKeyRef: { name: 'confluence-credentials', key: 'password' } } });
  });

  test('prod: the LangGraph API is exposed by an Ingress and may call the three agents', () => {
    const s = objectsOf('emm', 'prod');
    expect(at(s.get('Ingress', 'langgraph-api'), 'spec.rules.0.host')).toBe('langgraph-api.agents.example.com');
    const env = at(container(s.get('Deployment', 'langgraph-api')), 'env') as { name: string }[];
    expect(env.map((e) => e.name)).toEqual(expect.arrayContaining(['AGENT_CONFLUENCE_AGENT_URL', 'AGENT_BOOKMARK_SCRAPER_URL', 'AGENT_FILE_SYSTEM_AGENT_URL']));
  });

  test('dev: the vault and inbox are node folders, elsewhere ReadWriteMany claims on efs-sc', () => {
    const volumes = (env: string) => at(objectsOf('emm', env).get('Deployment', 'file-system'), 'spec.template.spec.volumes') as { name: string; hostPath?: unknown; persistentVolumeClaim?: unknown }[];
    expect(volumes('dev').find((v) => v.name === 'shared-vault')).toEqual({ name: 'shared-vault', hostPath: { path: '/mnt/data/vault', type: 'DirectoryOrCreate' } });
    expect(volumes('prod').find((v) => v.name === 'shared-vault')).toEqual({ name: 'shared-vault', persistentVolumeClaim: { claimName: 'vault' } });
    expect(at(objectsOf('emm', 'prod').get('PersistentVolumeClaim', 'vault'), 'spec.storageClassName')).toBe('efs-sc');
  });
});
