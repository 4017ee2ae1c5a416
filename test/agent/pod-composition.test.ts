import * as kplus from 'cdk8s-plus-28';
import {
  AgentMicroservice, type AgentPlatform, EnvValue, Environments, ExternalEndpoint, ObservabilityMode, PodVolume, SecretSource,
  SharedVolume, type SidecarOptions,
} from '../../lib';
import { at, problemsOf, synth, type Synthesized } from '../helpers/synth';

/**
 * Typed pod composition (issue 17, item 5): sidecars and init containers of the library's own
 * shape, with the main container's rules, and volumes of library types.
 */

const IMAGE = 'ghcr.io/acme/agent:1.0.0';
const PROXY: SidecarOptions = { name: 'proxy', image: 'ghcr.io/acme/proxy:2.1.0', ports: [{ name: 'proxy', port: 9000 }] };

const RESTRICTED = {
  allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true,
  capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
};

interface Container { readonly name: string; readonly [key: string]: unknown }

const podSpec = (s: Synthesized, name = 'agent') => at(s.get('Deployment', name), 'spec.template.spec') as Record<string, unknown>;
const containers = (s: Synthesized, name = 'agent') => podSpec(s, name).containers as Container[];
const containerNamed = (s: Synthesized, container: string) => {
  const found = containers(s).find((c) => c.name === container);
  expect(found).toBeDefined();
  return found as Container;
};
const initContainers = (s: Synthesized) => (podSpec(s).initContainers ?? []) as Container[];

function agent(p: AgentPlatform, props: Partial<ConstructorParameters<typeof AgentMicroservice>[2]> = {}): AgentMicroservice {
  return new AgentMicroservice(p, 'agent', { image: IMAGE, ...props });
}

describe('addSidecar', () => {
  test('renders the sidecar with the restricted security context, the tool-worker preset, TCP probes on its first port and the registry', () => {
    // GIVEN an agent with a sidecar that declares only a name, an image and a port
    const s = synth((p) => agent(p).addSidecar(PROXY), Environments.prod({ namespace: 'agents', images: { registry: 'registry.acme.io' } }));
    // THEN it runs beside the main container
    expect(containers(s).map((c) => c.name)).toEqual(['agent', 'proxy']);
    const proxy = containerNamed(s, 'proxy');
    // AND it gets exactly the main container's security context
    expect(proxy.securityContext).toEqual(RESTRICTED);
    expect(proxy.securityContext).toEqual(containerNamed(s, 'agent').securityContext);
    // AND requests and limits from the tool-worker preset
    expect(proxy.resources).toEqual({ requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    // AND TCP startup, readiness and liveness probes on its port
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(at(proxy, `${probe}.tcpSocket`)).toEqual({ port: 'proxy' });
      expect(at(proxy, `${probe}.httpGet`)).toBeUndefined();
    }
    expect([at(proxy, 'startupProbe.periodSeconds'), at(proxy, 'startupProbe.failureThreshold')]).toEqual([5, 12]);
    // AND its port, the registry prefix and the pull policy
    expect(proxy.ports).toEqual([{ name: 'proxy', containerPort: 9000, protocol: 'TCP' }]);
    expect(proxy.image).toBe('ghcr.io/acme/proxy:2.1.0');
    expect(proxy.imagePullPolicy).toBe('IfNotPresent');
    expect(proxy.terminationMessagePolicy).toBe('FallbackToLogsOnError');
  });

  test('resources are halved by the small development profile, explicit ones are kept', () => {
    const s = synth((p) => {
      const a = agent(p);
      a.addSidecar(PROXY);
      a.addSidecar({ name: 'shipper', image: 'fluent-bit:3.0.0', resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } } });
    }, Environments.dev({ namespace: 'agents' }));
    expect(containerNamed(s, 'proxy').resources).toEqual({ requests: { cpu: '125m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(containerNamed(s, 'shipper').resources).toEqual({ requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } });
    // AND a sidecar without ports has no probes
    expect(containerNamed(s, 'shipper').readinessProbe).toBeUndefined();
  });

  test('an HTTP health check on the first port, a command, env, args and a writable root filesystem when asked', () => {
    const token = (p: AgentPlatform) => new SecretSource(p, 'proxy-auth', { keys: ['token'] });
    const s = synth((p) => agent(p).addSidecar({
      ...PROXY,
      command: ['/proxy'],
      args: ['--upstream', 'http://127.0.0.1:8080'],
      env: { LOG_LEVEL: 'info', AUTH_TOKEN: EnvValue.fromSecret(token(p), 'token') },
      healthCheck: { path: '/ready', startupTimeoutSeconds: 30 },
      readOnlyRootFilesystem: false,
    }));
    const proxy = containerNamed(s, 'proxy');
    expect(at(proxy, 'readinessProbe.httpGet')).toEqual({ path: '/ready', port: 'proxy', scheme: 'HTTP' });
    expect(at(proxy, 'startupProbe.failureThreshold')).toBe(6);
    expect([proxy.command, proxy.args]).toEqual([['/proxy'], ['--upstream', 'http://127.0.0.1:8080']]);
    expect(proxy.env).toEqual([{ name: 'LOG_LEVEL', value: 'info' }, { name: 'AUTH_TOKEN', valueFrom: { secretKeyRef: { name: 'proxy-auth', key: 'token' } } }]);
    expect(at(proxy, 'securityContext.readOnlyRootFilesystem')).toBe(false);
    // AND the main container keeps its own
    expect(at(containerNamed(s, 'agent'), 'securityContext.readOnlyRootFilesystem')).toBe(true);
  });

  test('the pod user and group of the workload apply to the sidecar too', () => {
    const s = synth((p) => agent(p, { security: { runAsUser: 2000, runAsGroup: 2000, fsGroup: 2000 } }).addSidecar(PROXY));
    expect(at(podSpec(s), 'securityContext.runAsUser')).toBe(2000);
    expect(containerNamed(s, 'proxy').securityContext).toEqual(RESTRICTED);
  });

  test('sidecar metrics: a metrics endpoint of the workload, admitted for the scrapers of operator mode on its port', () => {
    // GIVEN an exporter sidecar serving metrics in operator mode
    const env = Environments.prod({ namespace: 'agents', observability: { mode: ObservabilityMode.OPERATOR } });
    let workload: AgentMicroservice | undefined;
    const s = synth((p) => {
      workload = agent(p);
      workload.addSidecar({ name: 'exporter', image: 'exporter:1.0.0', ports: [{ name: 'exporter', port: 9121 }], metrics: { port: 'exporter' } });
    }, env);
    // THEN both endpoints are declared, the main one first
    expect(workload?.metricsEndpoints()).toEqual([{ port: 9464, portName: 'metrics', path: '/metrics' }, { port: 9121, portName: 'exporter', path: '/metrics' }]);
    // AND the monitoring namespace may reach the sidecar's port as well as the main one
    const ingress = at(s.get('NetworkPolicy', 'agent'), 'spec.ingress') as { ports: { port: number }[] }[];
    expect(ingress.flatMap((r) => r.ports.map((p) => p.port))).toEqual(expect.arrayContaining([9464, 9121]));
  });

  test('with the main container not scraped, the pod is annotated for the sidecar\'s metrics', () => {
    const s = synth((p) => agent(p, { metrics: { enabled: false } }).addSidecar({
      name: 'exporter', image: 'exporter:1.0.0', ports: [{ name: 'exporter', port: 9121 }], metrics: { port: 'exporter', path: '/stats' },
    }));
    expect(at(s.get('Deployment', 'agent'), 'spec.template.metadata.annotations')).toEqual({
      'prometheus.io/scrape': 'true', 'prometheus.io/port': '9121', 'prometheus.io/path': '/stats',
    });
  });

  test('external endpoints of a sidecar are admitted by the pod\'s NetworkPolicy', () => {
    const s = synth((p) => agent(p).addSidecar({ ...PROXY, externalEndpoints: [ExternalEndpoint.https('auth.example.com')] }));
    const egress = at(s.get('NetworkPolicy', 'agent'), 'spec.egress') as { ports: { port: number }[] }[];
    expect(egress.flatMap((r) => r.ports.map((p) => p.port))).toContain(443);
  });

  test('the sidecar image is a chart value, like the main image', () => {
    let workload: AgentMicroservice | undefined;
    synth((p) => {
      workload = agent(p);
      workload.addSidecar({ ...PROXY, name: 'auth-proxy' });
    });
    const section = workload?.helmValues();
    expect(at(section?.defaults, 'sidecars.authProxy.image')).toEqual({ repository: 'acme/proxy', registry: 'ghcr.io', tag: '2.1.0' });
    expect(section?.bindings.map((b) => b.path.map((s) => (typeof s === 'object' ? `{${s.name}}` : String(s))).join('.'))).toContain('spec.template.spec.containers.{auth-proxy}.image');
  });

  test.each<[string, (p: AgentPlatform) => void, string[]]>([
    ['a latest image in production', (p) => agent(p).addSidecar({ ...PROXY, image: 'proxy:latest' }),
      ['[test/agent] sidecars.proxy.image: uses the mutable tag "latest"; this environment\'s image tag policy is "pinned": use a version tag or a digest, e.g. "proxy:1.4.2" (only an environment with imageTagPolicy "any", such as dev, accepts it) (got "proxy:latest")']],
    ['a name taken by the main container', (p) => agent(p).addSidecar({ ...PROXY, name: 'agent' }),
      ['[test/agent] sidecars.agent.name: is already the name of a container of this pod (agent); give each container its own name (got "agent")']],
    ['the main container\'s port', (p) => agent(p).addSidecar({ ...PROXY, ports: [{ name: 'web', port: 8080 }] }),
      ['[test/agent] sidecars.proxy.ports: is already used by another container of this pod; the containers of a pod share its ports: use another port number and name (got {"name":"web","port":8080})']],
    ['metrics on a port it does not have', (p) => agent(p).addSidecar({ ...PROXY, metrics: { port: 'stats' } }),
      ['[test/agent] sidecars.proxy.metrics.port: must name one of the sidecar\'s ports (proxy) (got "stats")']],
    ['an HTTP health check without a port', (p) => agent(p).addSidecar({ name: 'x', image: 'x:1.0.0', healthCheck: { path: '/ready' } }),
      ['[test/agent] sidecars.x.healthCheck: an HTTP check needs a port: declare one in ports, or check with a command']],
    ['a literal secret in its env', (p) => agent(p).addSidecar({ ...PROXY, env: { API_TOKEN: 'hunter2' } }),
      ['[test/agent] sidecars.proxy.env.API_TOKEN: "API_TOKEN" looks like a secret, so a literal value is refused: it would be committed to Git in the manifests. Use EnvValue.fromSecret(secretSource, key); only a development environment with secrets.allowLiteralValues may render literals']],
    ['a request above its limit', (p) => agent(p).addSidecar({ ...PROXY, resources: { requests: { memory: '1Gi' }, limits: { memory: '512Mi' } } }),
      ['[test/agent] sidecars.proxy.resources.requests.memory: the memory request is above the memory limit "512Mi"; a request must be at most its limit: lower the request or raise sidecars.proxy.resources.limits.memory (got "1Gi")']],
    ['an unknown option', (p) => agent(p).addSidecar({ ...PROXY, privileged: true } as unknown as SidecarOptions),
      ['[test/agent] sidecars.proxy.privileged: unknown field "privileged"; allowed fields here: name, image, command, args, env, resources, mounts, externalEndpoints, readOnlyRootFilesystem, ports, healthCheck, metrics']],
    ['a raw Kubernetes volume in its mounts', (p) => agent(p).addSidecar({ ...PROXY, mounts: [{ volume: { name: 'x', emptyDir: {} } as unknown as PodVolume, mountPath: '/x' }] }),
      ['[test/agent] sidecars.proxy.mounts[0].volume: must be a PodVolume (PodVolume.emptyDir(), .fromConfigMap(), .fromSecret(), .fromSharedVolume()) (got {"name":"x","emptyDir":{}})']],
  ])('refuses %s, naming the field and the fix', (_name, build, expected) => {
    expect(problemsOf(build)).toEqual(expected);
  });
});

describe('addInitContainer', () => {
  test('runs before the main container with the same security context and resource rules, without probes', () => {
    const s = synth((p) => {
      const a = agent(p);
      a.addInitContainer({ name: 'migrate', image: 'ghcr.io/acme/migrate:1.0.0', command: ['migrate', 'up'] });
      a.addInitContainer({ name: 'warm', image: 'ghcr.io/acme/warm:1.0.0' });
    });
    expect(initContainers(s).map((c) => c.name)).toEqual(['migrate', 'warm']);
    const migrate = initContainers(s)[0];
    expect(migrate.securityContext).toEqual(RESTRICTED);
    expect(migrate.resources).toEqual({ requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    expect(migrate.command).toEqual(['migrate', 'up']);
    expect([migrate.readinessProbe, migrate.livenessProbe, migrate.startupProbe, migrate.lifecycle]).toEqual([undefined, undefined, undefined, undefined]);
  });

  test('refuses probe settings and a pinned-policy violation', () => {
    expect(problemsOf((p) => agent(p).addInitContainer({ name: 'x', image: 'x', ports: [] } as unknown as SidecarOptions))).toEqual([
      '[test/agent] initContainers.x.ports: unknown field "ports"; allowed fields here: name, image, command, args, env, resources, mounts, externalEndpoints, readOnlyRootFilesystem',
      '[test/agent] initContainers.x.image: has no tag, so it means "latest"; this environment\'s image tag policy is "pinned": use a version tag or a digest, e.g. "x:1.4.2" (only an environment with imageTagPolicy "any", such as dev, accepts it) (got "x")',
    ]);
  });
});

describe('quota with sidecars and init containers, as Kubernetes computes effective requests', () => {
  // Production: HPA 3..10, so 11 pods at most (one surge pod).
  const quotaOf = (build: (p: AgentPlatform) => void) => {
    let workload: AgentMicroservice | undefined;
    synth((p) => {
      workload = agent(p);
      build(p);
    });
    return workload;
  };

  test('a sidecar adds its requests and limits to every pod', () => {
    const w = quotaOf(() => undefined);
    const base = w?.quotaDemand();
    const withSidecar = quotaOf((p) => (p.node.findChild('agent') as AgentMicroservice).addSidecar(PROXY))?.quotaDemand();
    // api-llm-agent 500m / 256Mi requested, 2 / 1Gi limit; tool-worker 250m / 128Mi, 1 / 512Mi
    expect(base).toMatchObject({ pods: 11, cpuRequest: 0.5, memoryRequest: 256 * 2 ** 20, cpuLimit: 2, memoryLimit: 2 ** 30 });
    expect(withSidecar).toMatchObject({ pods: 11, cpuRequest: 0.75, memoryRequest: 384 * 2 ** 20, cpuLimit: 3, memoryLimit: 1.5 * 2 ** 30 });
  });

  test('an init container counts only where it needs more than the running containers together (per resource)', () => {
    const demand = quotaOf((p) => {
      const a = p.node.findChild('agent') as AgentMicroservice;
      a.addSidecar(PROXY);
      // more memory than agent + proxy request (384Mi), less CPU than their 750m
      a.addInitContainer({ name: 'load', image: 'load:1.0.0', resources: { requests: { cpu: '100m', memory: '1Gi' }, limits: { cpu: '500m', memory: '2Gi' } } });
      a.addInitContainer({ name: 'small', image: 'small:1.0.0', resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '20m', memory: '32Mi' } } });
    })?.quotaDemand();
    expect(demand).toMatchObject({ cpuRequest: 0.75, memoryRequest: 2 ** 30, cpuLimit: 3, memoryLimit: 2 * 2 ** 30 });
  });

  test('the namespace ResourceQuota includes them', () => {
    const without = synth((p) => agent(p));
    const withInit = synth((p) => agent(p).addInitContainer({ name: 'load', image: 'load:1.0.0', resources: { requests: { cpu: '100m', memory: '4Gi' }, limits: { cpu: '500m', memory: '8Gi' } } }));
    const memory = (s: Synthesized) => at(s.get('ResourceQuota', 'workloads'), 'spec.hard')?.valueOf() as Record<string, string>;
    expect(memory(withInit)['requests.memory']).not.toBe(memory(without)['requests.memory']);
  });
});

describe('volumes of library types', () => {
  test('an emptyDir: 256Mi by default, or memory-backed, mounted into the main container and a sidecar', () => {
    const s = synth((p) => {
      const a = agent(p);
      const cache = PodVolume.emptyDir('cache');
      a.addVolume(cache, { mountPath: '/cache' });
      a.addVolume(PodVolume.emptyDir('scratch', { sizeLimit: '1Gi', memory: true }), { mountPath: '/scratch' });
      a.addSidecar({ ...PROXY, mounts: [{ volume: cache, mountPath: '/data', readOnly: true }] });
    });
    expect(podSpec(s).volumes).toEqual([
      { name: 'tmp', emptyDir: { sizeLimit: '512Mi' } },
      { name: 'cache', emptyDir: { sizeLimit: '256Mi' } },
      { name: 'scratch', emptyDir: { sizeLimit: '1Gi', medium: 'Memory' } },
    ]);
    expect(containerNamed(s, 'agent').volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }, { name: 'cache', mountPath: '/cache' }, { name: 'scratch', mountPath: '/scratch' }]);
    expect(containerNamed(s, 'proxy').volumeMounts).toEqual([{ name: 'cache', mountPath: '/data', readOnly: true }]);
  });

  test('a ConfigMap: read-only, one file by subPath, and a hash of its data on the pod template that changes with the data', () => {
    const hashFor = (value: string) => {
      const s = synth((p) => {
        const config = new kplus.ConfigMap(p, 'settings', { metadata: { name: 'agent-settings' }, data: { 'app.yaml': value } });
        agent(p).addVolume(PodVolume.fromConfigMap(config, { items: { 'app.yaml': 'app.yaml' } }), { mountPath: '/etc/agent/app.yaml', subPath: 'app.yaml' });
      });
      expect(podSpec(s).volumes).toContainEqual({ name: 'config-agent-settings', configMap: { name: 'agent-settings', items: [{ key: 'app.yaml', path: 'app.yaml' }] } });
      expect(containerNamed(s, 'agent').volumeMounts).toContainEqual({ name: 'config-agent-settings', mountPath: '/etc/agent/app.yaml', readOnly: true, subPath: 'app.yaml' });
      return (at(s.get('Deployment', 'agent'), 'spec.template.metadata.annotations') as Record<string, string>)['checksum/config-agent-settings'];
    };
    const first = hashFor('level: info');
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(hashFor('level: info')).toBe(first);
    expect(hashFor('level: debug')).not.toBe(first);
  });

  test('a ConfigMap of unknown content (an L1 object, known by name only) gets no hash', () => {
    const s = synth((p) => {
      const config = new kplus.k8s.KubeConfigMap(p, 'external', { metadata: { name: 'external-config' }, data: { a: 'b' } });
      agent(p).addVolume(PodVolume.fromConfigMap(config), { mountPath: '/etc/x' });
    });
    expect(Object.keys(at(s.get('Deployment', 'agent'), 'spec.template.metadata.annotations') as object).filter((k) => k.startsWith('checksum/'))).toEqual([]);
  });

  test('a Secret: the declared keys as files readable by the pod\'s group, read-only, rendered after the Secret', () => {
    const s = synth((p) => {
      const tls = new SecretSource(p, 'client-tls', { keys: ['tls.crt', 'tls.key'] });
      agent(p).addVolume(PodVolume.fromSecret(tls, { keys: ['tls.crt'] }), { mountPath: '/etc/tls' });
    });
    expect(podSpec(s).volumes).toContainEqual({ name: 'secret-client-tls', secret: { secretName: 'client-tls', defaultMode: 0o440, items: [{ key: 'tls.crt', path: 'tls.crt' }] } });
    expect(containerNamed(s, 'agent').volumeMounts).toContainEqual({ name: 'secret-client-tls', mountPath: '/etc/tls', readOnly: true });
  });

  test('a SharedVolume through PodVolume.fromSharedVolume() is the same volume mountSharedVolume() adds', () => {
    const s = synth((p) => {
      const vault = new SharedVolume(p, 'vault');
      const a = agent(p);
      a.mountSharedVolume(vault, '/vault');
      a.addSidecar({ ...PROXY, mounts: [{ volume: PodVolume.fromSharedVolume(vault), mountPath: '/vault', readOnly: true }] });
    }, Environments.prod({ namespace: 'agents', storage: { sharedStorageClassName: 'efs-sc' } }));
    expect(podSpec(s).volumes).toContainEqual({ name: 'shared-vault', persistentVolumeClaim: { claimName: 'vault' } });
    expect((podSpec(s).volumes as unknown[]).length).toBe(2);
  });

  test.each<[string, (p: AgentPlatform) => void, string[]]>([
    ['a Secret key it does not declare', (p) => agent(p).addVolume(PodVolume.fromSecret(new SecretSource(p, 'tls', { keys: ['tls.crt'] }), { keys: ['tls.pem'] }), { mountPath: '/tls' }),
      ['[test/agent] volumes.secret-tls.keys: secret "tls" declares no such key (declared: tls.crt); the pod would not start. Use one of them (got "tls.pem")']],
    ['a writable mount of a ConfigMap', (p) => agent(p).addVolume(PodVolume.fromConfigMap({ name: 'c' }), { mountPath: '/c', readOnly: false }),
      ['[test/agent] volumes.config-c: volume "config-c" is a ConfigMap or Secret, always mounted read-only; remove readOnly: false (got "/c")']],
    ['two volumes with one name', (p) => {
      const a = agent(p);
      a.addVolume(PodVolume.emptyDir('data'), { mountPath: '/a' });
      a.addVolume(PodVolume.emptyDir('data'), { mountPath: '/b' });
    }, ['[test/agent] volumes: is already the name of another volume of this pod; give each volume its own name (got "data")']],
    ['the name of the built-in /tmp volume', (p) => agent(p).addVolume(PodVolume.emptyDir('tmp')),
      ['[test/agent] volumes: is already the name of another volume of this pod; give each volume its own name (got "tmp")']],
    ['a bad name and size', (p) => agent(p).addVolume(PodVolume.emptyDir('Data_1', { sizeLimit: 'lots' })),
      ['[test/agent] volumes.Data_1.name: must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. "cache") (got "Data_1")',
        '[test/agent] volumes.Data_1.sizeLimit: must be a positive Kubernetes storage quantity such as "10Gi" or "500Mi" (got "lots")']],
    ['a relative mount path and a subPath leaving the volume', (p) => agent(p).addVolume(PodVolume.emptyDir('data'), { mountPath: 'data', subPath: '../etc' }),
      ['[test/agent] volumes.data.mountPath: must be an absolute path without ":", e.g. "/etc/app" (got "data")',
        '[test/agent] volumes.data.subPath: must be a relative path inside the volume, without ".." (e.g. "app.yaml") (got "../etc")']],
  ])('refuses %s', (_name, build, expected) => {
    expect(problemsOf(build)).toEqual(expected);
  });
});

describe('the path kept for subclasses that build Kubernetes containers themselves', () => {
  class WithRawSidecar extends AgentMicroservice {
    protected override sidecars(): kplus.k8s.Container[] {
      return [{
        name: 'raw',
        image: 'raw:1.0.0',
        securityContext: { privileged: true, runAsUser: 0 },
        resources: { requests: { cpu: kplus.k8s.Quantity.fromString('100m'), memory: kplus.k8s.Quantity.fromString('64Mi') }, limits: { cpu: kplus.k8s.Quantity.fromString('200m'), memory: kplus.k8s.Quantity.fromString('128Mi') } },
      }];
    }
  }

  test('a raw sidecar gets the restricted security context whatever it set, and counts in the quota', () => {
    let workload: WithRawSidecar | undefined;
    const s = synth((p) => {
      workload = new WithRawSidecar(p, 'agent', { image: IMAGE });
    });
    expect(containerNamed(s, 'raw').securityContext).toEqual(RESTRICTED);
    expect(workload?.quotaDemand()).toMatchObject({ cpuRequest: 0.6, memoryRequest: 320 * 2 ** 20, cpuLimit: 2.2, memoryLimit: 1152 * 2 ** 20 });
  });
});
