import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import {
  AgentMicroservice, EnvValue, Environments, ExternalEndpoint, McpToolService,
  ObservabilityMode, RedisCacheStatefulSet, ResourcePreset, SecretSource, SharedVolume,
} from '../../lib';
import { at, OTEL_METRICS_ENV, OTEL_METRICS_ENV_BY_NAME, problemsOf, synth, synthPlatform, type Synthesized } from '../helpers/synth';
import { agentProps, dev, envByName, IMAGE, kindsAndNames, mainContainer, podSpec, prod, staging, synthAgent } from './helpers';

const NAME = 'evaluation-service';
const SELECTOR = { 'app.kubernetes.io/name': NAME };

/** Production with an ingress domain and a cert-manager issuer, for the Ingress tests. */
const prodWithIngress = () => Environments.prod({ namespace: 'agents', ingress: { domain: 'agents.example.com', clusterIssuer: 'letsencrypt-prod' } });

const deployment = (s: Synthesized, name = NAME) => s.get('Deployment', name);
const ingressOf = (s: Synthesized) => at(s.get('NetworkPolicy', NAME), 'spec.ingress');
const container = (s: Synthesized, name = NAME) => mainContainer(deployment(s, name));

describe('AgentMicroservice documented defaults', () => {
  // GIVEN only an image, in production
  const s = synthAgent();
  const c = container(s);

  test('port 8080: container port "http", Service port and target port; metrics on their own port 9464', () => {
    // THEN the container listens on 8080 under the name the probes and the Service use, and
    // serves metrics on the OpenTelemetry Prometheus exporter's port, which the Service leaves out
    expect(at(c, 'ports')).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
    const service = s.get('Service', NAME);
    expect(at(service, 'spec.type')).toBe('ClusterIP');
    expect(at(service, 'spec.ports')).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }]);
    expect(at(service, 'spec.selector')).toEqual(SELECTOR);
  });

  test('probes on /health over the named port, the startup budget of 300 s is 60 failures at a 5 s period', () => {
    // THEN readiness and startup use /health, liveness too (same path by default)
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(at(c, `${probe}.httpGet`)).toEqual({ path: '/health', port: 'http', scheme: 'HTTP' });
      expect(at(c, `${probe}.timeoutSeconds`)).toBe(3);
      expect(at(c, `${probe}.successThreshold`)).toBe(1);
    }
    // AND 300 s / 5 s = 60 startup failures allowed before a restart
    expect(at(c, 'startupProbe.periodSeconds')).toBe(5);
    expect(at(c, 'startupProbe.failureThreshold')).toBe(60);
    expect(at(c, 'readinessProbe.periodSeconds')).toBe(5);
    expect(at(c, 'readinessProbe.failureThreshold')).toBe(3);
    expect(at(c, 'livenessProbe.periodSeconds')).toBe(10);
    expect(at(c, 'livenessProbe.failureThreshold')).toBe(3);
  });

  test('terminationGracePeriodSeconds 60 and a preStop `sleep 5`', () => {
    expect(at(podSpec(deployment(s)), 'terminationGracePeriodSeconds')).toBe(60);
    expect(at(c, 'lifecycle')).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
  });

  test('a writable /tmp emptyDir limited to 512Mi', () => {
    expect(at(podSpec(deployment(s)), 'volumes')).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '512Mi' } }]);
    expect(at(c, 'volumeMounts')).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });

  test('the api-llm-agent preset: 256Mi / 500m requested, 1Gi / 2 CPU limit', () => {
    expect(at(c, 'resources')).toEqual({ requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } });
  });

  test('no ServiceAccount token, neither on the ServiceAccount nor on the pod', () => {
    expect(at(s.get('ServiceAccount', NAME), 'automountServiceAccountToken')).toBe(false);
    expect(at(podSpec(deployment(s)), 'automountServiceAccountToken')).toBe(false);
    expect(at(podSpec(deployment(s)), 'serviceAccountName')).toBe(NAME);
  });

  test('zero-downtime rolling updates: maxSurge 1, maxUnavailable 0', () => {
    expect(at(deployment(s), 'spec.strategy')).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  test('the restricted security context, at pod and container level', () => {
    expect(at(podSpec(deployment(s)), 'securityContext')).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(at(c, 'securityContext')).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  test('Prometheus scrape annotations for /metrics on the metrics port 9464, where the OpenTelemetry SDK is told to serve them', () => {
    expect(at(deployment(s), 'spec.template.metadata.annotations')).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9464',
      'prometheus.io/path': '/metrics',
    });
    expect(at(c, 'env')).toEqual(OTEL_METRICS_ENV);
  });

  test('the Deployment selector is the name label only, and the pod template carries every label', () => {
    expect(at(deployment(s), 'spec.selector')).toEqual({ matchLabels: SELECTOR });
    expect(at(deployment(s), 'spec.template.metadata.labels')).toEqual({
      'app.kubernetes.io/name': NAME,
      'app.kubernetes.io/component': 'agent',
      'app.kubernetes.io/part-of': 'test',
      'app.kubernetes.io/managed-by': 'cdk8s-agents',
      'agents.cdk8s.io/environment': 'prod',
    });
    expect(deployment(s).metadata.labels).toEqual(at(deployment(s), 'spec.template.metadata.labels'));
  });

  test('production: an HPA 3..10 on CPU 70% and memory 75%, and the Deployment leaves replicas to it', () => {
    const hpa = s.get('HorizontalPodAutoscaler', NAME);
    expect(at(hpa, 'spec')).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: NAME },
      minReplicas: 3,
      maxReplicas: 10,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 75 } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    });
    expect(at(deployment(s), 'spec')).not.toHaveProperty('replicas');
  });

  test('production: a PodDisruptionBudget allowing one eviction, also of unhealthy pods', () => {
    expect(at(s.get('PodDisruptionBudget', NAME), 'spec')).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: SELECTOR },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
  });

  test('production: spread across nodes (DoNotSchedule) and zones (ScheduleAnyway), counting only the current revision', () => {
    const constraint = (topologyKey: string, whenUnsatisfiable: string) => ({
      maxSkew: 1, topologyKey, whenUnsatisfiable, labelSelector: { matchLabels: SELECTOR }, matchLabelKeys: ['pod-template-hash'],
    });
    expect(at(podSpec(deployment(s)), 'topologySpreadConstraints')).toEqual([
      constraint('kubernetes.io/hostname', 'DoNotSchedule'),
      constraint('topology.kubernetes.io/zone', 'ScheduleAnyway'),
    ]);
  });

  test('a NetworkPolicy of the agent that only allows DNS, and no Ingress object', () => {
    const policy = s.get('NetworkPolicy', NAME);
    expect(at(policy, 'spec.podSelector')).toEqual({ matchLabels: SELECTOR });
    expect(at(policy, 'spec.policyTypes')).toEqual(['Ingress', 'Egress']);
    expect(at(policy, 'spec.ingress')).toEqual([]);
    expect(at(policy, 'spec.egress')).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
    }]);
    expect(s.all('Ingress')).toEqual([]);
  });

  test('the image is used as given, pulled IfNotPresent', () => {
    expect(at(c, 'image')).toBe(IMAGE);
    expect(at(c, 'imagePullPolicy')).toBe('IfNotPresent');
    expect(at(c, 'name')).toBe(NAME);
  });

  test('every object of the agent is named after it, in the platform namespace', () => {
    const own = s.objects.filter((o) => (o.metadata.labels as Record<string, string> | undefined)?.['app.kubernetes.io/name'] === NAME);
    expect(kindsAndNames(own).sort()).toEqual([
      `Deployment/${NAME}`, `HorizontalPodAutoscaler/${NAME}`, `NetworkPolicy/${NAME}`, `PodDisruptionBudget/${NAME}`, `Service/${NAME}`, `ServiceAccount/${NAME}`,
    ]);
    expect(new Set(own.map((o) => o.metadata.namespace))).toEqual(new Set(['agents']));
  });
});

describe('AgentMicroservice defaults that depend on the environment', () => {
  test('development: no HPA, no PDB, no spread, 1 replica, half the preset', () => {
    // GIVEN the dev preset WHEN an agent sets nothing
    const s = synthAgent({}, dev());
    // THEN it runs one replica without HPA, PDB or spread
    expect(s.all('HorizontalPodAutoscaler')).toEqual([]);
    expect(s.all('PodDisruptionBudget')).toEqual([]);
    expect(at(deployment(s), 'spec.replicas')).toBe(1);
    expect(podSpec(deployment(s))).not.toHaveProperty('topologySpreadConstraints');
    // AND the small profile halves the api-llm-agent preset
    expect(at(container(s), 'resources')).toEqual({ requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
  });

  test('development caps explicit replicas at 1', () => {
    const s = synthAgent({ replicas: 3 }, dev());
    expect(at(deployment(s), 'spec.replicas')).toBe(1);
    expect(s.all('PodDisruptionBudget')).toEqual([]);
  });

  test('staging: HPA 2..4, PDB, both spreads ScheduleAnyway', () => {
    const s = synthAgent({}, staging());
    expect(at(s.get('HorizontalPodAutoscaler', NAME), 'spec.minReplicas')).toBe(2);
    expect(at(s.get('HorizontalPodAutoscaler', NAME), 'spec.maxReplicas')).toBe(4);
    expect(s.all('PodDisruptionBudget')).toHaveLength(1);
    const spread = at(podSpec(deployment(s)), 'topologySpreadConstraints') as { topologyKey: string; whenUnsatisfiable: string }[];
    expect(spread.map((t) => [t.topologyKey, t.whenUnsatisfiable])).toEqual([
      ['kubernetes.io/hostname', 'ScheduleAnyway'],
      ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
    ]);
  });

  test('one replica and no HPA in production: no PDB and no spread, since only one pod can run', () => {
    // GIVEN autoscaling off and 1 replica
    const s = synthAgent({ replicas: 1, autoscaling: { enabled: false } });
    // THEN the Deployment sets replicas and nothing needs more than one pod
    expect(at(deployment(s), 'spec.replicas')).toBe(1);
    expect(s.all('HorizontalPodAutoscaler')).toEqual([]);
    expect(s.all('PodDisruptionBudget')).toEqual([]);
    expect(podSpec(deployment(s))).not.toHaveProperty('topologySpreadConstraints');
  });

  test('an HPA with at most one replica: no PDB and no spread either', () => {
    const s = synthAgent({ autoscaling: { minReplicas: 1, maxReplicas: 1 } });
    expect(at(s.get('HorizontalPodAutoscaler', NAME), 'spec.maxReplicas')).toBe(1);
    expect(s.all('PodDisruptionBudget')).toEqual([]);
    expect(podSpec(deployment(s))).not.toHaveProperty('topologySpreadConstraints');
  });

  test('two replicas without HPA: PDB and spread', () => {
    const s = synthAgent({ replicas: 2, autoscaling: { enabled: false } });
    expect(at(deployment(s), 'spec.replicas')).toBe(2);
    expect(s.all('PodDisruptionBudget')).toHaveLength(1);
    expect(at(podSpec(deployment(s)), 'topologySpreadConstraints')).toHaveLength(2);
  });

  test('an Ingress with TLS, the cert-manager annotation and `<name>.<domain>` when the environment has a clusterIssuer', () => {
    // GIVEN an environment with domain and issuer WHEN the agent asks for an ingress with no options
    const s = synthAgent({ ingress: {} }, prodWithIngress());
    // THEN
    const ingress = s.get('Ingress', NAME);
    expect(at(ingress, 'metadata.annotations')).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt-prod', 'argocd.argoproj.io/sync-wave': '4' });
    expect(at(ingress, 'spec')).toEqual({
      ingressClassName: 'nginx',
      tls: [{ hosts: [`${NAME}.agents.example.com`], secretName: `${NAME}-tls` }],
      rules: [{
        host: `${NAME}.agents.example.com`,
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: NAME, port: { name: 'http' } } } }] },
      }],
    });
  });

  test('an Ingress admits the ingress controller namespace to the container port in the NetworkPolicy', () => {
    const s = synthAgent({ ingress: {}, port: 5002 }, prodWithIngress());
    expect(at(s.get('NetworkPolicy', NAME), 'spec.ingress')).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
      ports: [{ port: 5002, protocol: 'TCP' }],
    }]);
  });

  test('an Ingress without a clusterIssuer has TLS but no cert-manager annotation', () => {
    const s = synthAgent({ ingress: {} }, Environments.prod({ namespace: 'agents', ingress: { domain: 'agents.example.com' } }));
    const ingress = s.get('Ingress', NAME);
    expect(at(ingress, 'metadata.annotations')).toEqual({ 'argocd.argoproj.io/sync-wave': '4' });
    expect(at(ingress, 'spec.tls')).toEqual([{ hosts: [`${NAME}.agents.example.com`], secretName: `${NAME}-tls` }]);
  });
});

describe('AgentMicroservice props, one at a time', () => {
  test('name: explicit name wins over the construct id', () => {
    // GIVEN id EvaluationService and name scorer
    const s = synth((p) => {
      new AgentMicroservice(p, 'EvaluationService', agentProps({ name: 'scorer' }));
    });
    // THEN every object is called scorer and the selector uses it
    expect(at(s.get('Deployment', 'scorer'), 'spec.selector.matchLabels')).toEqual({ 'app.kubernetes.io/name': 'scorer' });
    expect(s.find('Deployment', NAME)).toBeUndefined();
  });

  test('name: the id EvaluationService becomes evaluation-service', () => {
    const s = synth((p) => {
      new AgentMicroservice(p, 'EvaluationService', agentProps());
    });
    expect(at(s.get('Deployment', NAME), 'spec.selector.matchLabels')).toEqual(SELECTOR);
    expect(s.get('Service', NAME)).toBeDefined();
  });

  test('name: renaming the construct id while keeping `name` changes no byte of the output', () => {
    const build = (id: string) => synth((p) => {
      new AgentMicroservice(p, id, agentProps({ name: 'evaluator' }));
    });
    // WHEN the id changes
    const before = build('EvaluationService');
    const after = build('Scorer');
    // THEN the objects are identical, selector included
    expect(after.objects).toEqual(before.objects);
    expect(at(after.get('Deployment', 'evaluator'), 'spec.selector')).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'evaluator' } });
  });

  test('image: the environment registry is prefixed to an image without one', () => {
    const s = synthAgent({ image: 'acme/evaluation-service:2.0.0' }, Environments.prod({ namespace: 'agents', images: { registry: 'registry.acme.io/agents', pullPolicy: 'Always' } }));
    expect(at(container(s), 'image')).toBe('registry.acme.io/agents/acme/evaluation-service:2.0.0');
    expect(at(container(s), 'imagePullPolicy')).toBe('Always');
  });

  test('image: an image with its own registry keeps it, a digest is kept', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const s = synthAgent({ image: `ghcr.io/acme/agent@${digest}` }, Environments.prod({ namespace: 'agents', images: { registry: 'registry.acme.io' } }));
    expect(at(container(s), 'image')).toBe(`ghcr.io/acme/agent@${digest}`);
  });

  test('port: container port and Service port; the scrape port stays the separate metrics port', () => {
    const s = synthAgent({ port: 5002 });
    expect(at(container(s), 'ports')).toEqual([{ name: 'http', containerPort: 5002, protocol: 'TCP' }, { name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
    expect(at(s.get('Service', NAME), 'spec.ports.0.port')).toBe(5002);
    expect((at(deployment(s), 'spec.template.metadata.annotations') as Record<string, string>)['prometheus.io/port']).toBe('9464');
  });

  test('metrics.port equal to port: metrics on the app port, one container port, no OpenTelemetry variables', () => {
    const s = synthAgent({ port: 5002, metrics: { port: 5002 } });
    expect(at(container(s), 'ports')).toEqual([{ name: 'http', containerPort: 5002, protocol: 'TCP' }]);
    expect((at(deployment(s), 'spec.template.metadata.annotations') as Record<string, string>)['prometheus.io/port']).toBe('5002');
    expect(container(s)).not.toHaveProperty('env');
  });

  test('servicePort: the Service listens there and targets the named container port; callers get it in their URL', () => {
    // GIVEN a planner calling the agent on Service port 80
    const s = synth((p) => {
      const agent = new AgentMicroservice(p, NAME, agentProps({ servicePort: 80 }));
      new AgentMicroservice(p, 'planner', agentProps({ calls: [agent] }));
    });
    // THEN
    expect(at(s.get('Service', NAME), 'spec.ports')).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }]);
    expect(at(container(s), 'ports.0.containerPort')).toBe(8080);
    expect(envByName(deployment(s, 'planner')).AGENT_EVALUATION_SERVICE_URL).toEqual({ value: `http://${NAME}.agents.svc.cluster.local:80` });
  });

  test('command and args', () => {
    const s = synthAgent({ command: ['python', '-m', 'evaluator'], args: ['--workers', '2'] });
    expect(at(container(s), 'command')).toEqual(['python', '-m', 'evaluator']);
    expect(at(container(s), 'args')).toEqual(['--workers', '2']);
  });

  test('command and args are absent by default (the image entrypoint runs); the only variables are the metrics ones', () => {
    const c = container(synthAgent());
    expect(c).not.toHaveProperty('command');
    expect(c).not.toHaveProperty('args');
    expect(at(c, 'env')).toEqual(OTEL_METRICS_ENV);
  });

  test('env: the app\'s own OTEL_METRICS_EXPORTER wins over the metrics default', () => {
    const c = container(synthAgent({ env: { OTEL_METRICS_EXPORTER: 'otlp' } }));
    expect(at(c, 'env')).toEqual([{ name: 'OTEL_METRICS_EXPORTER', value: 'otlp' }, ...OTEL_METRICS_ENV.slice(1)]);
  });

  test('env: literal strings, a ConfigMap key and a pod field, in the order given', () => {
    // GIVEN a ConfigMap in the chart, and three kinds of values
    const s = synth((p) => {
      new k8s.KubeConfigMap(p, 'settings', { metadata: { name: 'settings' }, data: { LOG_LEVEL: 'info' } });
      new AgentMicroservice(p, NAME, agentProps({
        env: {
          MODEL: 'gpt-4o',
          LOG_LEVEL: EnvValue.fromConfigMap({ name: 'settings' }, 'LOG_LEVEL'),
          POD_IP: EnvValue.fromFieldPath('status.podIP'),
          FEATURE: EnvValue.fromValue('on'),
        },
      }));
    });
    // THEN
    expect(at(container(s), 'env')).toEqual([
      { name: 'MODEL', value: 'gpt-4o' },
      { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'LOG_LEVEL' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'FEATURE', value: 'on' },
      ...OTEL_METRICS_ENV,
    ]);
  });

  test('env: an optional ConfigMap key renders optional: true', () => {
    const s = synthAgent({ env: { FLAGS: EnvValue.fromConfigMap({ name: 'flags' }, 'FLAGS', { optional: true }) } });
    expect(at(container(s), 'env')).toEqual([{ name: 'FLAGS', valueFrom: { configMapKeyRef: { name: 'flags', key: 'FLAGS', optional: true } } }, ...OTEL_METRICS_ENV]);
  });

  test.each([
    ['production', prod()],
    ['staging', staging()],
  ])('env: a literal OPENAI_API_KEY is refused in %s', (_tier, environment) => {
    const problems = problemsOf((p) => {
      new AgentMicroservice(p, NAME, agentProps({ env: { OPENAI_API_KEY: 'sk-not-a-real-key' } }));
    }, environment);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`[test/${NAME}] env.OPENAI_API_KEY:`);
    expect(problems[0]).toContain('"OPENAI_API_KEY" looks like a secret, so a literal value is refused');
    expect(problems[0]).toContain('EnvValue.fromSecret(secretSource, key)');
    // AND the message never repeats the secret value
    expect(problems[0]).not.toContain('sk-not-a-real-key');
  });

  test('env: a literal OPENAI_API_KEY is refused in development unless secrets.allowLiteralValues', () => {
    const build = (p: Parameters<Parameters<typeof problemsOf>[0]>[0]) => {
      new AgentMicroservice(p, NAME, agentProps({ env: { OPENAI_API_KEY: 'sk-dev' } }));
    };
    expect(problemsOf(build, dev())).toEqual([expect.stringContaining('env.OPENAI_API_KEY: "OPENAI_API_KEY" looks like a secret')]);
    const s = synth(build, Environments.dev({ namespace: 'agents', secrets: { allowLiteralValues: true } }));
    expect(at(container(s), 'env')).toEqual([{ name: 'OPENAI_API_KEY', value: 'sk-dev' }, ...OTEL_METRICS_ENV]);
  });

  test('env: a Secret key is referenced, never inlined', () => {
    const s = synth((p) => {
      const openai = SecretSource.fromSecretName(p, 'openai', 'openai-credentials', ['api-key']);
      new AgentMicroservice(p, NAME, agentProps({ env: { OPENAI_API_KEY: EnvValue.fromSecret(openai, 'api-key') } }));
    });
    expect(at(container(s), 'env')).toEqual([{ name: 'OPENAI_API_KEY', valueFrom: { secretKeyRef: { name: 'openai-credentials', key: 'api-key' } } }, ...OTEL_METRICS_ENV]);
    expect(s.all('Secret')).toEqual([]);
  });

  test('resources: another preset', () => {
    const s = synthAgent({ resources: { preset: ResourcePreset.LOCAL_MODEL_AGENT } });
    expect(at(container(s), 'resources')).toEqual({ requests: { cpu: '2', memory: '8Gi' }, limits: { cpu: '4', memory: '16Gi' } });
  });

  test.each([
    ['requests.cpu', { requests: { cpu: '250m' } }, { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } }],
    ['requests.memory', { requests: { memory: '512Mi' } }, { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '1Gi' } }],
    ['limits.cpu', { limits: { cpu: '1' } }, { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } }],
    ['limits.memory', { limits: { memory: '2Gi' } }, { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '2', memory: '2Gi' } }],
  ])('resources: overriding only %s keeps the other preset fields', (_field, resources, expected) => {
    expect(at(container(synthAgent({ resources })), 'resources')).toEqual(expected);
  });

  test('resources: explicit quantities are not halved by the small development profile', () => {
    const s = synthAgent({ resources: { requests: { memory: '300Mi' } } }, dev());
    expect(at(container(s), 'resources')).toEqual({ requests: { cpu: '250m', memory: '300Mi' }, limits: { cpu: '1', memory: '512Mi' } });
  });

  test('healthCheck: every field', () => {
    // GIVEN every health check option
    const s = synthAgent({
      healthCheck: {
        path: '/ready', livenessPath: '/live', startupTimeoutSeconds: 42, readinessPeriodSeconds: 7,
        livenessPeriodSeconds: 20, failureThreshold: 4, timeoutSeconds: 2,
      },
    });
    const c = container(s);
    // THEN the startup budget is ceil(42 / 5) = 9 failures at the fixed 5 s period
    expect(at(c, 'startupProbe')).toEqual({ httpGet: { path: '/ready', port: 'http', scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 9, successThreshold: 1 });
    expect(at(c, 'readinessProbe')).toEqual({ httpGet: { path: '/ready', port: 'http', scheme: 'HTTP' }, periodSeconds: 7, timeoutSeconds: 2, failureThreshold: 4, successThreshold: 1 });
    expect(at(c, 'livenessProbe')).toEqual({ httpGet: { path: '/live', port: 'http', scheme: 'HTTP' }, periodSeconds: 20, timeoutSeconds: 2, failureThreshold: 4, successThreshold: 1 });
  });

  test('replicas: used when there is no HPA', () => {
    const s = synthAgent({ replicas: 4, autoscaling: { enabled: false } });
    expect(at(deployment(s), 'spec.replicas')).toBe(4);
    expect(s.all('HorizontalPodAutoscaler')).toEqual([]);
  });

  test('replicas: left to the HPA when there is one', () => {
    const s = synthAgent({ replicas: 4 });
    expect(at(deployment(s), 'spec')).not.toHaveProperty('replicas');
    expect(at(s.get('HorizontalPodAutoscaler', NAME), 'spec.minReplicas')).toBe(3);
  });

  test('autoscaling: bounds, one explicit target replaces both defaults, scale-down window', () => {
    const s = synthAgent({ autoscaling: { minReplicas: 2, maxReplicas: 6, memoryUtilization: 80, scaleDownStabilizationSeconds: 120 } });
    const hpa = s.get('HorizontalPodAutoscaler', NAME);
    expect(at(hpa, 'spec.minReplicas')).toBe(2);
    expect(at(hpa, 'spec.maxReplicas')).toBe(6);
    expect(at(hpa, 'spec.metrics')).toEqual([{ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    expect(at(hpa, 'spec.behavior')).toEqual({ scaleDown: { stabilizationWindowSeconds: 120 } });
  });

  test('autoscaling: both targets given', () => {
    const s = synthAgent({ autoscaling: { cpuUtilization: 60, memoryUtilization: 65 } });
    const metrics = at(s.get('HorizontalPodAutoscaler', NAME), 'spec.metrics') as { resource: { name: string; target: { averageUtilization: number } } }[];
    expect(metrics.map((m) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([['cpu', 60], ['memory', 65]]);
  });

  test('autoscaling: a minimum above the environment maximum raises the maximum to it', () => {
    const s = synthAgent({ autoscaling: { minReplicas: 12 } });
    expect(at(s.get('HorizontalPodAutoscaler', NAME), 'spec.minReplicas')).toBe(12);
    expect(at(s.get('HorizontalPodAutoscaler', NAME), 'spec.maxReplicas')).toBe(12);
  });

  test('autoscaling: enabled false gives the environment default replicas', () => {
    const s = synthAgent({ autoscaling: { enabled: false } });
    expect(s.all('HorizontalPodAutoscaler')).toEqual([]);
    expect(at(deployment(s), 'spec.replicas')).toBe(3);
  });

  test('autoscaling: enabled true does not create an HPA in development', () => {
    const s = synthAgent({ autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 5 } }, dev());
    expect(s.all('HorizontalPodAutoscaler')).toEqual([]);
    expect(at(deployment(s), 'spec.replicas')).toBe(1);
  });

  test('security: user, group, fsGroup and a writable root filesystem', () => {
    const s = synthAgent({ security: { runAsUser: 2000, runAsGroup: 3000, fsGroup: 4000, readOnlyRootFilesystem: false } });
    const pod = podSpec(deployment(s));
    expect(at(pod, 'securityContext.runAsUser')).toBe(2000);
    expect(at(pod, 'securityContext.runAsGroup')).toBe(3000);
    expect(at(pod, 'securityContext.fsGroup')).toBe(4000);
    expect(at(container(s), 'securityContext.readOnlyRootFilesystem')).toBe(false);
    // AND the rest of the restricted profile stays
    expect(at(container(s), 'securityContext.capabilities')).toEqual({ drop: ['ALL'] });
    expect(at(container(s), 'securityContext.allowPrivilegeEscalation')).toBe(false);
  });

  test('terminationGracePeriodSeconds', () => {
    expect(at(podSpec(deployment(synthAgent({ terminationGracePeriodSeconds: 120 }))), 'terminationGracePeriodSeconds')).toBe(120);
  });

  test('preStopDelaySeconds: another delay, and 0 removes the hook', () => {
    expect(at(container(synthAgent({ preStopDelaySeconds: 15 })), 'lifecycle')).toEqual({ preStop: { exec: { command: ['sleep', '15'] } } });
    expect(container(synthAgent({ preStopDelaySeconds: 0 }))).not.toHaveProperty('lifecycle');
  });

  test('metrics: a separate port and path become a `metrics` container port and the scrape annotations', () => {
    const s = synthAgent({ metrics: { port: 9090, path: '/prom' } });
    expect(at(container(s), 'ports')).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ]);
    expect(at(deployment(s), 'spec.template.metadata.annotations')).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090', 'prometheus.io/path': '/prom' });
  });

  test('metrics: enabled false removes the annotations', () => {
    const s = synthAgent({ metrics: { enabled: false } });
    // THEN no scrape annotation is left (an empty map or none at all)
    expect(at(deployment(s), 'spec.template.metadata.annotations') ?? {}).toEqual({});
  });

  test('metrics: in operator observability mode only the Prometheus pods of the monitoring namespace are admitted, to the metrics port only', () => {
    const s = synthAgent({ metrics: { port: 9090 } }, Environments.prod({ namespace: 'agents', observability: { mode: ObservabilityMode.OPERATOR } }));
    expect(at(s.get('NetworkPolicy', NAME), 'spec.ingress')).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
      ports: [{ port: 9090, protocol: 'TCP' }],
    }]);
  });

  test('metrics: the Prometheus pods come from the environment\'s observability.prometheusPodLabels', () => {
    const env = Environments.prod({ namespace: 'agents', observability: { mode: ObservabilityMode.OPERATOR, monitoringNamespace: 'obs', prometheusPodLabels: { prometheus: 'k8s' } } });
    expect(at(ingressOf(synthAgent({}, env)), '0')).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'obs' } }, podSelector: { matchLabels: { prometheus: 'k8s' } } }],
      ports: [{ port: 9464, protocol: 'TCP' }],
    });
  });

  test('ingress: host, path, no TLS, extra annotations', () => {
    const s = synthAgent({ ingress: { host: 'eval.example.org', path: '/evaluate', tls: false, annotations: { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '300' } } }, prodWithIngress());
    const ingress = s.get('Ingress', NAME);
    // THEN no cert-manager annotation without TLS, only the given one
    expect(at(ingress, 'metadata.annotations')).toEqual({ 'nginx.ingress.kubernetes.io/proxy-read-timeout': '300', 'argocd.argoproj.io/sync-wave': '4' });
    expect(at(ingress, 'spec')).not.toHaveProperty('tls');
    expect(at(ingress, 'spec.rules')).toEqual([{
      host: 'eval.example.org',
      http: { paths: [{ path: '/evaluate', pathType: 'Prefix', backend: { service: { name: NAME, port: { name: 'http' } } } }] },
    }]);
  });

  test('ingress: tlsSecretName', () => {
    const s = synthAgent({ ingress: { tlsSecretName: 'wildcard-tls' } }, prodWithIngress());
    expect(at(s.get('Ingress', NAME), 'spec.tls')).toEqual([{ hosts: [`${NAME}.agents.example.com`], secretName: 'wildcard-tls' }]);
  });

  test('automountServiceAccountToken: true mounts the token on both', () => {
    const s = synthAgent({ automountServiceAccountToken: true });
    expect(at(s.get('ServiceAccount', NAME), 'automountServiceAccountToken')).toBe(true);
    expect(at(podSpec(deployment(s)), 'automountServiceAccountToken')).toBe(true);
  });

  test('externalEndpoints: egress to public addresses on 443, private ranges excluded', () => {
    const s = synthAgent({ externalEndpoints: [ExternalEndpoint.https('api.openai.com'), ExternalEndpoint.cidr('10.20.0.0/16', { ports: [5432] })] });
    const egress = at(s.get('NetworkPolicy', NAME), 'spec.egress') as unknown[];
    expect(egress.slice(1)).toEqual([
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'] } }], ports: [{ port: 443, protocol: 'TCP' }] },
      { to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ port: 5432, protocol: 'TCP' }] },
    ]);
  });

  test('tmpSizeLimit', () => {
    expect(at(podSpec(deployment(synthAgent({ tmpSizeLimit: '2Gi' }))), 'volumes')).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '2Gi' } }]);
  });

  test('podAnnotations: added to the scrape annotations, and may override them', () => {
    const s = synthAgent({ podAnnotations: { 'example.com/team': 'ml', 'prometheus.io/path': '/custom' } });
    expect(at(deployment(s), 'spec.template.metadata.annotations')).toEqual({
      'prometheus.io/scrape': 'true', 'prometheus.io/port': '9464', 'prometheus.io/path': '/custom', 'example.com/team': 'ml',
    });
  });

  test('cache: Redis connection settings, the password from its Secret, and the NetworkPolicy path', () => {
    // GIVEN a Redis and an agent using it
    const s = synth((p) => {
      const cache = new RedisCacheStatefulSet(p, 'redis-cache', { replication: { enabled: false } });
      new AgentMicroservice(p, NAME, agentProps({ cache }));
    });
    // THEN the agent gets the four variables, the URL expands the password variable
    const host = 'redis-cache.agents.svc.cluster.local';
    expect(envByName(deployment(s))).toEqual({
      REDIS_HOST: { value: host },
      REDIS_PORT: { value: '6379' },
      REDIS_PASSWORD: { valueFrom: { secretKeyRef: { name: 'redis-cache-auth', key: 'password' } } },
      REDIS_URL: { value: `redis://:$(REDIS_PASSWORD)@${host}:6379/0` },
      ...OTEL_METRICS_ENV_BY_NAME,
    });
    // AND egress to the Redis pods on 6379
    expect(at(s.get('NetworkPolicy', NAME), 'spec.egress.1')).toEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'redis-cache' } } }],
      ports: [{ port: 6379, protocol: 'TCP' }],
    });
  });

  test('sharedVolumes: a ReadWriteMany claim mounted where asked', () => {
    const s = synth((p) => {
      const vault = new SharedVolume(p, 'vault', { size: '20Gi' });
      new AgentMicroservice(p, NAME, agentProps({ sharedVolumes: [{ volume: vault, mountPath: '/vault', readOnly: true }] }));
    });
    expect(at(podSpec(deployment(s)), 'volumes')).toEqual([
      { name: 'tmp', emptyDir: { sizeLimit: '512Mi' } },
      { name: 'shared-vault', persistentVolumeClaim: { claimName: 'vault' } },
    ]);
    expect(at(container(s), 'volumeMounts')).toEqual([{ name: 'tmp', mountPath: '/tmp' }, { name: 'shared-vault', mountPath: '/vault', readOnly: true }]);
    expect(at(s.get('PersistentVolumeClaim', 'vault'), 'spec.accessModes')).toEqual(['ReadWriteMany']);
  });

  test('tools: MCP URL and transport variables, egress to the tool, ingress on the tool', () => {
    const s = synth((p) => {
      const tool = new McpToolService(p, 'jd-classifier', { image: 'ghcr.io/acme/jd-classifier:1.0.0' });
      new AgentMicroservice(p, NAME, agentProps({ tools: [tool] }));
    });
    expect(envByName(deployment(s))).toEqual({
      MCP_JD_CLASSIFIER_URL: { value: 'http://jd-classifier.agents.svc.cluster.local:8080/mcp' },
      MCP_JD_CLASSIFIER_TRANSPORT: { value: 'streamable-http' },
      ...OTEL_METRICS_ENV_BY_NAME,
    });
    expect(at(s.get('NetworkPolicy', NAME), 'spec.egress.1')).toEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'jd-classifier' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
    expect(at(s.get('NetworkPolicy', 'jd-classifier'), 'spec.ingress')).toEqual([{
      from: [{ podSelector: { matchLabels: SELECTOR } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    }]);
  });

  test('calls: AGENT_<NAME>_URL and the NetworkPolicy path on both agents', () => {
    const s = synth((p) => {
      const executor = new AgentMicroservice(p, 'executor', agentProps({ port: 9000 }));
      new AgentMicroservice(p, 'planner', agentProps({ calls: [executor] }));
    });
    expect(envByName(deployment(s, 'planner'))).toEqual({ AGENT_EXECUTOR_URL: { value: 'http://executor.agents.svc.cluster.local:9000' }, ...OTEL_METRICS_ENV_BY_NAME });
    expect(at(s.get('NetworkPolicy', 'executor'), 'spec.ingress')).toEqual([{
      from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'planner' } } }],
      ports: [{ port: 9000, protocol: 'TCP' }],
    }]);
    expect(at(s.get('NetworkPolicy', 'planner'), 'spec.egress.1')).toEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'executor' } } }],
      ports: [{ port: 9000, protocol: 'TCP' }],
    });
  });
});

describe('AgentMicroservice in a plain cdk8s Chart (no AgentPlatform)', () => {
  // GIVEN a Chart with a namespace and no environment
  const chart = new Chart(new App({ outdir: '.' }), 'c', { namespace: 'x' });
  new AgentMicroservice(chart, 'EvaluationService', agentProps());
  const s = synthPlatform(chart);

  test('gets the production-safe defaults: HPA 3..10, PDB, spread, restricted context', () => {
    expect(at(s.get('HorizontalPodAutoscaler', NAME), 'spec.minReplicas')).toBe(3);
    expect(at(s.get('HorizontalPodAutoscaler', NAME), 'spec.maxReplicas')).toBe(10);
    expect(s.all('PodDisruptionBudget')).toHaveLength(1);
    expect(at(podSpec(deployment(s)), 'topologySpreadConstraints')).toHaveLength(2);
    expect(at(podSpec(deployment(s)), 'securityContext.runAsNonRoot')).toBe(true);
    expect(at(podSpec(deployment(s)), 'automountServiceAccountToken')).toBe(false);
    expect(s.all('NetworkPolicy').map((o) => o.metadata.name)).toEqual([NAME]);
  });

  test('uses the chart namespace and no platform objects', () => {
    expect(new Set(s.objects.map((o) => o.metadata.namespace))).toEqual(new Set(['x']));
    expect(s.all('Namespace')).toEqual([]);
    expect(s.all('ResourceQuota')).toEqual([]);
    expect(deployment(s).metadata.labels).toEqual({
      'app.kubernetes.io/name': NAME,
      'app.kubernetes.io/component': 'agent',
      'app.kubernetes.io/managed-by': 'cdk8s-agents',
      'agents.cdk8s.io/environment': 'prod',
    });
  });

  test('refuses a latest image, like production', () => {
    const other = new Chart(new App({ outdir: '.' }), 'c', { namespace: 'x' });
    new AgentMicroservice(other, 'a', { image: 'acme/agent:latest' });
    expect(() => synthPlatform(other)).toThrow('[c/a] image: uses the mutable tag "latest"');
  });
});
