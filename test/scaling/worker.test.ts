import {
  AgentMicroservice, type AgentMicroserviceProps, AgentMode, type AgentPlatform, type EnvironmentConfig, Environments, QueueTrigger,
  RedisCacheStatefulSet, RedisUsage,
} from '../../lib';
import { at, platformFor, problemsOf, synth, type Synthesized } from '../helpers/synth';
import { expectOneProblem } from '../inference/helpers';
import { egressPaths, envOf, ingressPaths, mainContainer, nameLabel, podPath, podSpec, withDns } from '../inference/pods';
import { nonEmpty } from '../helpers/lists';

const WORKER = 'task-worker';
const CACHE = 'task-queue';
const IMAGE = 'ghcr.io/acme/task-worker:2.0.1';
const HEALTH = { command: ['/bin/worker', 'healthcheck'] };

const prod = (): EnvironmentConfig => Environments.prod({ namespace: 'agents' });
const prodWithIngress = (): EnvironmentConfig => Environments.prod({ namespace: 'agents', ingress: { domain: 'agents.example.com' } });
const dev = (): EnvironmentConfig => Environments.dev({ namespace: 'agents' });

/** A Redis queue and a worker consuming it, scaled by KEDA on the list unless `props` says otherwise. */
function buildWorker(p: AgentPlatform, props: Partial<AgentMicroserviceProps> = {}): AgentMicroservice {
  const cache = new RedisCacheStatefulSet(p, CACHE, { usage: RedisUsage.QUEUE });
  return new AgentMicroservice(p, WORKER, {
    image: IMAGE,
    mode: AgentMode.WORKER,
    healthCheck: HEALTH,
    cache,
    queueScaling: { triggers: [QueueTrigger.redisList(cache, { listName: 'support-tasks' })] },
    ...props,
  });
}

function synthWorker(props: Partial<AgentMicroserviceProps> = {}, environment: EnvironmentConfig = prod()): Synthesized {
  return synth((p) => {
    buildWorker(p, props);
  }, environment);
}

const deployment = (s: Synthesized) => s.get('Deployment', WORKER);
const ownObjects = (s: Synthesized) => s.objects.filter((o) => nameLabel(o) === WORKER);

describe('AgentMode.WORKER', () => {
  // GIVEN a queue worker scaled by KEDA (0..10 in production)
  const s = synthWorker();

  test('no Service and no Ingress: only the Deployment, its ServiceAccount, scaling, PDB and NetworkPolicy', () => {
    expect(ownObjects(s).map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      `Deployment/${WORKER}`, `NetworkPolicy/${WORKER}`, `PodDisruptionBudget/${WORKER}`, `ScaledObject/${WORKER}`,
      `ServiceAccount/${WORKER}`, `TriggerAuthentication/${WORKER}-redis-sentinel`,
    ]);
    expect(s.find('Service', WORKER)).toBeUndefined();
    expect(s.all('Ingress')).toEqual([]);
  });

  test('the component label is `worker`, on every object of the worker and on its pods', () => {
    for (const object of nonEmpty(ownObjects(s))) {
      expect((object.metadata.labels as Record<string, string>)['app.kubernetes.io/component']).toBe('worker');
    }
    expect((at(deployment(s), 'spec.template.metadata.labels') as Record<string, string>)['app.kubernetes.io/component']).toBe('worker');
  });

  test('without a port: no container port, exec probes from healthCheck.command, with the agent\'s 300 s startup budget', () => {
    const c = mainContainer(deployment(s));
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
      expect(probe?.exec).toEqual(HEALTH);
      expect(probe).not.toHaveProperty('httpGet');
    }
    expect(c.startupProbe?.failureThreshold).toBe(60);
    expect(c).not.toHaveProperty('ports');
  });

  test('a PodDisruptionBudget and topology spread, since up to 10 replicas can run', () => {
    expect(at(s.get('PodDisruptionBudget', WORKER), 'spec')).toEqual({
      maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': WORKER } }, unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
    expect(podSpec(deployment(s)).topologySpreadConstraints?.map((t) => [t.topologyKey, t.whenUnsatisfiable])).toEqual([
      ['kubernetes.io/hostname', 'DoNotSchedule'],
      ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
    ]);
  });

  test('its NetworkPolicy admits nobody and lets it reach only DNS and its queue', () => {
    const policy = s.get('NetworkPolicy', WORKER);
    expect(ingressPaths(policy)).toEqual([]);
    expect(egressPaths(policy)).toEqual(withDns(podPath(CACHE, 26379), podPath(CACHE, 6379), podPath(`${CACHE}-proxy`, 6379)));
  });

  test('it gets the queue\'s connection settings, and without a port no HTTP scrape, metrics endpoint or HTTP signals', () => {
    expect(Object.keys(envOf(mainContainer(deployment(s))))).toEqual([
      'REDIS_HOST', 'REDIS_PORT', 'REDIS_PASSWORD', 'REDIS_URL', 'REDIS_SENTINEL_HOST', 'REDIS_SENTINEL_PORT', 'REDIS_SENTINEL_MASTER', 'REDIS_SENTINEL_URL',
    ]);
    expect(at(deployment(s), 'spec.template.metadata.annotations')).toBeUndefined();
    const worker = buildWorker(platformFor(prod()));
    expect(worker.metricsEndpoints()).toEqual([]);
    expect(worker.signals()).toEqual({
      metrics: [],
      // its queue's length, which the Redis's exporter reports: the lag alert fires above 5 items x 10 replicas
      consumedQueues: [{ source: 'task-queue', metric: 'redis_key_size', labels: { db: 'db0', key: 'support-tasks' }, backlogAbove: 50 }],
    });
  });
});

describe('AgentMode.WORKER without a port', () => {
  test('and without healthCheck.command: refused, since there is nothing to probe', () => {
    expect(problemsOf((p) => {
      buildWorker(p, { healthCheck: undefined });
    })).toEqual([
      `[test/${WORKER}] healthCheck: a worker without a port has no HTTP endpoint to probe: give healthCheck.command (a command whose exit code 0 means healthy), or set port to the port of its health server`,
    ]);
  });

  test('a declared metrics port: a "metrics" container port, scraped there, and still no HTTP signals', () => {
    const s = synthWorker({ metrics: { port: 9102 } });
    const c = mainContainer(deployment(s));
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 9102, protocol: 'TCP' }]);
    expect(at(deployment(s), 'spec.template.metadata.annotations')).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9102', 'prometheus.io/path': '/metrics' });
    const worker = buildWorker(platformFor(prod()), { metrics: { port: 9102 } });
    expect(worker.metricsEndpoints()).toEqual([{ port: 9102, portName: 'metrics', path: '/metrics' }]);
    expect(worker.signals()).toEqual({
      metrics: [],
      // its queue's length, which the Redis's exporter reports: the lag alert fires above 5 items x 10 replicas
      consumedQueues: [{ source: 'task-queue', metric: 'redis_key_size', labels: { db: 'db0', key: 'support-tasks' }, backlogAbove: 50 }],
    });
  });

  test('metrics.enabled without a metrics port is refused', () => {
    expect(problemsOf((p) => {
      buildWorker(p, { metrics: { enabled: true } });
    })).toEqual([`[test/${WORKER}] metrics.port: is required: a worker without a port serves metrics only on the port you name here`]);
  });

  test('with a port: the HTTP port, probes on /health there, scraped on the separate metrics port', () => {
    const s = synthWorker({ port: 8080, healthCheck: undefined });
    const c = mainContainer(deployment(s));
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/health', port: 'http', scheme: 'HTTP' });
    expect(at(deployment(s), 'spec.template.metadata.annotations')).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9464', 'prometheus.io/path': '/metrics' });
    expect(s.find('Service', WORKER)).toBeUndefined();
  });
});

describe('AgentMode.WORKER options', () => {
  test('healthCheck.command: exec probes instead of HTTP, for all three probes', () => {
    const c = mainContainer(deployment(synthWorker({ healthCheck: { command: ['/bin/worker', 'healthcheck'], startupTimeoutSeconds: 120 } })));
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
      expect(probe?.exec).toEqual({ command: ['/bin/worker', 'healthcheck'] });
      expect(probe).not.toHaveProperty('httpGet');
    }
    expect(c.startupProbe?.failureThreshold).toBe(24);
  });

  test('healthCheck.path: HTTP probes on another path', () => {
    const c = mainContainer(deployment(synthWorker({ port: 8080, healthCheck: { path: '/healthz' } })));
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http', scheme: 'HTTP' });
  });

  test('ingress is refused, even where the environment has an ingress domain', () => {
    expectOneProblem(problemsOf((p) => {
      buildWorker(p, { ingress: {} });
    }, prodWithIngress()), {
      construct: `test/${WORKER}`,
      field: 'ingress',
      allowed: ['a worker has no Service to route to', 'remove ingress or use mode: AgentMode.API'],
    });
  });

  test('one replica without autoscaling: no PodDisruptionBudget and no spread', () => {
    const s = synthWorker({ queueScaling: undefined, replicas: 1, autoscaling: { enabled: false } });
    expect(at(deployment(s), 'spec.replicas')).toBe(1);
    expect(s.find('PodDisruptionBudget', WORKER)).toBeUndefined();
    expect(podSpec(deployment(s))).not.toHaveProperty('topologySpreadConstraints');
  });

  test('two fixed replicas: a PodDisruptionBudget and spread', () => {
    const s = synthWorker({ queueScaling: undefined, replicas: 2, autoscaling: { enabled: false } });
    expect(at(deployment(s), 'spec.replicas')).toBe(2);
    expect(s.find('PodDisruptionBudget', WORKER)).toBeDefined();
    expect(podSpec(deployment(s)).topologySpreadConstraints).toHaveLength(2);
  });

  test('without queueScaling a worker gets the environment\'s HPA like any agent', () => {
    const s = synthWorker({ queueScaling: undefined });
    expect(at(s.get('HorizontalPodAutoscaler', WORKER), 'spec.scaleTargetRef')).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: WORKER });
    expect(s.all('ScaledObject')).toEqual([]);
  });

  test('development: one replica, no PodDisruptionBudget, no spread, no Service', () => {
    const s = synthWorker({}, dev());
    expect(at(deployment(s), 'spec.replicas')).toBe(1);
    expect(s.find('PodDisruptionBudget', WORKER)).toBeUndefined();
    expect(podSpec(deployment(s))).not.toHaveProperty('topologySpreadConstraints');
    expect(s.find('Service', WORKER)).toBeUndefined();
  });

  test('the construct reports its mode and has no Service', () => {
    const platform = platformFor(prod());
    const worker = buildWorker(platform);
    expect(worker.mode).toBe(AgentMode.WORKER);
    expect(worker.service).toBeUndefined();
    expect(worker.scaledObject).toBeDefined();
  });
});

describe('calling a worker', () => {
  const MESSAGE = `[test/planner] calls: agent ${WORKER} is a queue worker without a Service; put work on its queue instead of calling it`;

  test('calls: [worker] is refused, and nothing is wired', () => {
    const platform = platformFor(prod());
    const worker = buildWorker(platform);
    const planner = new AgentMicroservice(platform, 'planner', { image: IMAGE, calls: [worker] });
    expect(planner.calledAgents).toEqual([]);
    expect(problemsOf((p) => {
      const w = buildWorker(p);
      new AgentMicroservice(p, 'planner', { image: IMAGE, calls: [w] });
    })).toEqual([MESSAGE]);
  });

  test('callAgent(worker) is refused the same way', () => {
    expect(problemsOf((p) => {
      const w = buildWorker(p);
      new AgentMicroservice(p, 'planner', { image: IMAGE }).callAgent(w);
    })).toEqual([MESSAGE]);
  });

  test('a worker may call an API agent: the URL and both NetworkPolicy paths', () => {
    const s = synth((p) => {
      const api = new AgentMicroservice(p, 'escalation-api', { image: IMAGE });
      buildWorker(p, { calls: [api] });
    }, prod());
    expect(envOf(mainContainer(deployment(s))).AGENT_ESCALATION_API_URL).toEqual({ value: 'http://escalation-api.agents.svc.cluster.local:8080' });
    expect(egressPaths(s.get('NetworkPolicy', WORKER))).toEqual(withDns(podPath('escalation-api', 8080), podPath(CACHE, 26379), podPath(CACHE, 6379), podPath(`${CACHE}-proxy`, 6379)));
    expect(ingressPaths(s.get('NetworkPolicy', 'escalation-api'))).toEqual([podPath(WORKER, 8080)]);
  });
});
