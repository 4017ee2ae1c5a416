import {
  AgentMicroservice, type AgentPlatform, type EnvironmentConfig, type EnvironmentOptions, Environments, EnvironmentTier,
  ImageTagPolicy, ObservabilityMode, PodSecurityLevel, ResourceProfile, SecretBackend, SharedVolume, SpreadPolicy,
} from '../../lib';
import { at, problemsOf, synth, type Synthesized } from '../helpers/synth';

const IMAGE = 'ghcr.io/acme/agent:1.0.0';

/** A platform with one agent (`agent`), synthesized and strictly validated. */
function synthOneAgent(environment: EnvironmentConfig, build: (p: AgentPlatform) => void = (p) => {
  new AgentMicroservice(p, 'agent', { image: IMAGE });
}): Synthesized {
  return synth(build, environment);
}

const podSecurityLabels = (s: Synthesized, namespace: string) => {
  const labels = s.get('Namespace', namespace).metadata.labels as Record<string, string>;
  return Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith('pod-security.kubernetes.io/')));
};

describe('presets', () => {
  test('development: 1 replica at most, no HPA, no PDB, no spread, small profile, any tag, hostPath, privileged enforced', () => {
    // WHEN
    const env = Environments.dev();
    // THEN
    expect(env.name).toBe('dev');
    expect(env.tier).toBe(EnvironmentTier.DEVELOPMENT);
    expect(env.replicas).toMatchObject({ default: 1, max: 1 });
    expect(env.autoscaling.enabled).toBe(false);
    expect(env.availability).toMatchObject({ podDisruptionBudgets: false, spreadAcrossNodes: SpreadPolicy.NONE, spreadAcrossZones: SpreadPolicy.NONE });
    expect(env.resourceProfile).toBe(ResourceProfile.SMALL);
    expect(env.images.tagPolicy).toBe(ImageTagPolicy.ANY);
    expect(env.storage.allowHostPath).toBe(true);
    expect(env.namespacePolicy).toMatchObject({ create: true, enforce: PodSecurityLevel.PRIVILEGED, warn: PodSecurityLevel.RESTRICTED });
    // AND literal secrets stay off unless asked for
    expect(env.secrets.allowLiteralValues).toBe(false);
  });

  test('staging: 2 replicas, HPA 2..4, PDBs, preferred spread on nodes and zones, pinned images, restricted', () => {
    const env = Environments.staging();
    expect(env.name).toBe('staging');
    expect(env.tier).toBe(EnvironmentTier.STAGING);
    expect(env.replicas).toMatchObject({ default: 2 });
    expect(env.replicas.max).toBeUndefined();
    expect(env.autoscaling).toMatchObject({ enabled: true, minReplicas: 2, maxReplicas: 4, cpuUtilization: 70, memoryUtilization: 75, scaleDownStabilizationSeconds: 300 });
    expect(env.availability).toMatchObject({ podDisruptionBudgets: true, spreadAcrossNodes: SpreadPolicy.PREFERRED, spreadAcrossZones: SpreadPolicy.PREFERRED });
    expect(env.images.tagPolicy).toBe(ImageTagPolicy.PINNED);
    expect(env.resourceProfile).toBe(ResourceProfile.STANDARD);
    expect(env.namespacePolicy).toMatchObject({ create: true, enforce: PodSecurityLevel.RESTRICTED, warn: PodSecurityLevel.RESTRICTED });
  });

  test('production: 3 replicas, HPA 3..10 on CPU 70% and memory 75%, PDBs, required node spread, everything locked down', () => {
    const env = Environments.prod();
    expect(env.name).toBe('prod');
    expect(env.tier).toBe(EnvironmentTier.PRODUCTION);
    expect(env.namespace).toBe('default');
    expect(env.replicas).toMatchObject({ default: 3 });
    expect(env.replicas.max).toBeUndefined();
    expect(env.autoscaling).toMatchObject({ enabled: true, minReplicas: 3, maxReplicas: 10, cpuUtilization: 70, memoryUtilization: 75, scaleDownStabilizationSeconds: 300 });
    expect(env.availability).toMatchObject({ podDisruptionBudgets: true, spreadAcrossNodes: SpreadPolicy.REQUIRED, spreadAcrossZones: SpreadPolicy.PREFERRED });
    expect(env.images).toMatchObject({ tagPolicy: ImageTagPolicy.PINNED, pullPolicy: 'IfNotPresent' });
    expect(env.images.registry).toBeUndefined();
    expect(env.storage.allowHostPath).toBe(false);
    expect(env.secrets).toMatchObject({ backend: SecretBackend.EXISTING, remoteKeyPrefix: '', refreshInterval: '1h', allowLiteralValues: false });
    expect(env.networkPolicies).toMatchObject({ enabled: true, dnsNamespace: 'kube-system', dnsPodLabels: { 'k8s-app': 'kube-dns' } });
    expect(env.observability.mode).toBe(ObservabilityMode.NONE);
    expect(env.quota).toMatchObject({
      enabled: true, headroom: 1.25, extraPods: 10,
      defaultRequest: { cpu: '100m', memory: '128Mi' }, defaultLimit: { cpu: '500m', memory: '512Mi' },
    });
  });

  test('Environments.DEFAULT is the production preset', () => {
    expect(Environments.DEFAULT).toEqual(Environments.prod());
  });

  test('rendered: production labels the namespace restricted at v1.28 for enforce, warn and audit', () => {
    const s = synthOneAgent(Environments.prod({ namespace: 'agents' }));
    expect(podSecurityLabels(s, 'agents')).toEqual({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.28',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'v1.28',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': 'v1.28',
    });
  });

  test('rendered: development enforces privileged and warns and audits restricted', () => {
    const s = synthOneAgent(Environments.dev({ namespace: 'agents' }));
    expect(podSecurityLabels(s, 'agents')).toEqual({
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/enforce-version': 'v1.28',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'v1.28',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': 'v1.28',
    });
  });

  test('rendered: the small development profile halves the preset, production uses it as documented', () => {
    const resources = (env: EnvironmentConfig) => at(synthOneAgent(env).get('Deployment', 'agent'), 'spec.template.spec.containers.0.resources');
    expect(resources(Environments.dev({ namespace: 'agents' }))).toEqual({ requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    expect(resources(Environments.prod({ namespace: 'agents' }))).toEqual({ requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } });
  });

  test('rendered: development mounts a shared volume from the node, production claims it', () => {
    const build = (p: AgentPlatform) => {
      const vault = new SharedVolume(p, 'vault', { size: '5Gi', hostPath: '/mnt/data/vault' });
      new AgentMicroservice(p, 'agent', { image: IMAGE, sharedVolumes: [{ volume: vault, mountPath: '/vault' }] });
    };
    const volumesOf = (s: Synthesized) => at(s.get('Deployment', 'agent'), 'spec.template.spec.volumes') as unknown[];
    // WHEN dev
    const inDev = synth(build, Environments.dev({ namespace: 'agents' }));
    // THEN a hostPath volume and no claim
    expect(volumesOf(inDev)[1]).toEqual({ name: 'shared-vault', hostPath: { path: '/mnt/data/vault', type: 'DirectoryOrCreate' } });
    expect(inDev.all('PersistentVolumeClaim')).toEqual([]);
    // WHEN prod THEN a ReadWriteMany claim of the requested size
    const inProd = synth(build, Environments.prod({ namespace: 'agents', storage: { sharedStorageClassName: 'efs-sc' } }));
    expect(volumesOf(inProd)[1]).toEqual({ name: 'shared-vault', persistentVolumeClaim: { claimName: 'vault' } });
    expect(at(inProd.get('PersistentVolumeClaim', 'vault'), 'spec')).toEqual({
      accessModes: ['ReadWriteMany'], storageClassName: 'efs-sc', resources: { requests: { storage: '5Gi' } },
    });
  });

  test('rendered: development accepts a latest image, production refuses it', () => {
    const build = (p: AgentPlatform) => {
      new AgentMicroservice(p, 'agent', { image: 'acme/agent:latest' });
    };
    expect(problemsOf(build, Environments.dev())).toEqual([]);
    expect(problemsOf(build, Environments.prod())).toEqual([expect.stringContaining('[test/agent] image: uses the mutable tag "latest"')]);
  });
});

describe('overrides', () => {
  test('a nested field is replaced and its siblings are kept', () => {
    // WHEN only autoscaling.maxReplicas is overridden
    const env = Environments.prod({ autoscaling: { maxReplicas: 20 } });
    // THEN
    expect(env.autoscaling).toEqual({ ...Environments.prod().autoscaling, maxReplicas: 20 });
    expect(env.autoscaling).toMatchObject({ enabled: true, minReplicas: 3, maxReplicas: 20, cpuUtilization: 70, memoryUtilization: 75 });
    expect(env.quota).toEqual(Environments.prod().quota);
  });

  test('a field three levels deep', () => {
    const env = Environments.staging({ quota: { defaultLimit: { memory: '1Gi' } } });
    expect(env.quota.defaultLimit).toEqual({ ...Environments.staging().quota.defaultLimit, memory: '1Gi' });
    expect(env.quota.defaultLimit.cpu).toBe('500m');
    expect(env.quota.defaultRequest).toEqual({ cpu: '100m', memory: '128Mi' });
  });

  test('several layers apply in order: a later layer wins, fields only an earlier layer sets are kept', () => {
    const organisation: EnvironmentOptions = { namespace: 'agentic-ai', images: { registry: 'registry.acme.io/agents' }, ingress: { domain: 'agents.acme.io' } };
    const app: EnvironmentOptions = { ingress: { domain: 'eval.acme.io', clusterIssuer: 'letsencrypt-prod' }, autoscaling: { minReplicas: 4 } };
    // WHEN
    const env = Environments.prod(organisation, app);
    // THEN
    expect(env.namespace).toBe('agentic-ai');
    expect(env.images).toEqual({ ...Environments.prod().images, registry: 'registry.acme.io/agents' });
    expect(env.ingress).toEqual({ ...Environments.prod().ingress, domain: 'eval.acme.io', clusterIssuer: 'letsencrypt-prod' });
    expect(env.ingress).toMatchObject({ className: 'nginx', controllerNamespace: 'ingress-nginx' });
    expect(env.autoscaling.minReplicas).toBe(4);
    expect(env.autoscaling.maxReplicas).toBe(10);
  });

  test('an undefined value in an override keeps the preset value', () => {
    const env = Environments.dev({ namespace: undefined, replicas: { max: undefined } });
    expect(env.namespace).toBe('default');
    expect(env.replicas).toEqual(Environments.dev().replicas);
    expect(env.replicas).toMatchObject({ default: 1, max: 1 });
  });

  test('overrides never change the presets', () => {
    Environments.prod({ autoscaling: { maxReplicas: 50 }, quota: { defaultLimit: { cpu: '4' } } });
    Environments.dev({ replicas: { max: 5 } });
    expect(Environments.prod().autoscaling.maxReplicas).toBe(10);
    expect(Environments.prod().quota.defaultLimit.cpu).toBe('500m');
    expect(Environments.dev().replicas.max).toBe(1);
    expect(Environments.DEFAULT.autoscaling.maxReplicas).toBe(10);
  });

  test('an override reaches the rendered objects: a bigger HPA and a registry', () => {
    const s = synthOneAgent(Environments.prod({ namespace: 'agents', autoscaling: { maxReplicas: 20, cpuUtilization: 50 } }));
    expect(at(s.get('HorizontalPodAutoscaler', 'agent'), 'spec.maxReplicas')).toBe(20);
    expect(at(s.get('HorizontalPodAutoscaler', 'agent'), 'spec.metrics.0.resource.target.averageUtilization')).toBe(50);
  });

  // Regression: label maps are replaced whole. Merged key by key, replacing the DNS pod selector
  // kept the preset's `k8s-app: kube-dns` too, and the DNS egress rule then selected no pod.
  test('a label map override replaces the preset map', () => {
    const env = Environments.prod(
      { networkPolicies: { dnsPodLabels: { 'app.kubernetes.io/name': 'coredns' } } },
      { observability: { prometheusSelectorLabels: { prometheus: 'main' } } },
    );
    expect(env.networkPolicies.dnsPodLabels).toEqual({ 'app.kubernetes.io/name': 'coredns' });
    expect(env.observability.prometheusSelectorLabels).toEqual({ prometheus: 'main' });
    // AND the rendered DNS egress rule selects exactly the new labels
    const s = synthOneAgent({ ...env, namespace: 'agents' });
    expect(at(s.get('NetworkPolicy', 'agent'), 'spec.egress.0.to')).toEqual([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'coredns' } },
    }]);
  });
});

describe('namespace objects', () => {
  // GIVEN production in namespace agents with one agent of 2 replicas and no HPA
  const s = synthOneAgent(Environments.prod({ namespace: 'agents' }), (p) => {
    new AgentMicroservice(p, 'agent', { image: IMAGE, replicas: 2, autoscaling: { enabled: false } });
  });

  test('the Namespace is cluster scoped: no metadata.namespace', () => {
    const namespace = s.get('Namespace', 'agents');
    expect(namespace.metadata).not.toHaveProperty('namespace');
    expect(namespace.metadata.labels).toMatchObject({ 'app.kubernetes.io/part-of': 'test', 'agents.cdk8s.io/environment': 'prod', 'app.kubernetes.io/managed-by': 'cdk8s-agents' });
  });

  test('the ResourceQuota is sized from the workloads, by hand', () => {
    // The agent: 2 replicas + 1 surge pod = 3 pods of the api-llm-agent preset
    // (requests 500m / 256Mi, limits 2 / 1Gi). Plus 10 extra pods at the LimitRange defaults
    // (requests 100m / 128Mi, limits 500m / 512Mi). Everything times the 1.25 headroom:
    //   pods            (3 + 10) * 1.25                    = 16.25   -> 17 (rounded up)
    //   requests.cpu    (3 * 0.5 + 10 * 0.1) * 1.25        = 3.125   -> 3125m
    //   requests.memory (3 * 256Mi + 10 * 128Mi) * 1.25    = 2048Mi * 1.25 = 2560Mi
    //   limits.cpu      (3 * 2 + 10 * 0.5) * 1.25          = 13.75   -> 13750m
    //   limits.memory   (3 * 1024Mi + 10 * 512Mi) * 1.25   = 8192Mi * 1.25 = 10240Mi = 10Gi
    expect(at(s.get('ResourceQuota', 'workloads'), 'spec')).toEqual({
      hard: { pods: 17, 'requests.cpu': '3125m', 'requests.memory': '2560Mi', 'limits.cpu': '13750m', 'limits.memory': '10Gi' },
    });
    expect(s.get('ResourceQuota', 'workloads').metadata.namespace).toBe('agents');
  });

  test('the ResourceQuota counts an HPA at its maximum, and claims and their storage', () => {
    // GIVEN the default HPA (3..10) and a 20Gi shared volume
    const withHpa = synthOneAgent(Environments.prod({ namespace: 'agents' }), (p) => {
      const vault = new SharedVolume(p, 'vault', { size: '20Gi' });
      new AgentMicroservice(p, 'agent', { image: IMAGE, sharedVolumes: [{ volume: vault, mountPath: '/vault' }] });
    });
    // 10 replicas + 1 surge = 11 pods, 10 extra pods, headroom 1.25:
    //   pods            (11 + 10) * 1.25                   = 26.25   -> 27
    //   requests.cpu    (11 * 0.5 + 10 * 0.1) * 1.25       = 8.125   -> 8125m
    //   requests.memory (11 * 256Mi + 10 * 128Mi) * 1.25   = 4096Mi * 1.25 = 5120Mi = 5Gi
    //   limits.cpu      (11 * 2 + 10 * 0.5) * 1.25         = 33.75   -> 33750m
    //   limits.memory   (11 * 1Gi + 10 * 512Mi) * 1.25     = 16Gi * 1.25 = 20Gi
    //   persistentvolumeclaims  1 claim + 10 extra         = 11
    //   requests.storage        20Gi * 1.25                = 25Gi
    expect(at(withHpa.get('ResourceQuota', 'workloads'), 'spec.hard')).toEqual({
      pods: 27, 'requests.cpu': '8125m', 'requests.memory': '5Gi', 'limits.cpu': '33750m', 'limits.memory': '20Gi',
      persistentvolumeclaims: 11, 'requests.storage': '25Gi',
    });
  });

  test('the LimitRange gives containers without resources the quota defaults', () => {
    expect(at(s.get('LimitRange', 'container-defaults'), 'spec')).toEqual({
      limits: [{ type: 'Container', defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { cpu: '500m', memory: '512Mi' } }],
    });
  });

  test('the default-deny NetworkPolicy selects every pod, both directions', () => {
    expect(at(s.get('NetworkPolicy', 'default-deny'), 'spec')).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  test('network policies off: no NetworkPolicy at all', () => {
    const off = synthOneAgent(Environments.prod({ namespace: 'agents', networkPolicies: { enabled: false } }));
    expect(off.all('NetworkPolicy')).toEqual([]);
    expect(off.get('Deployment', 'agent')).toBeDefined();
  });

  test('quota off: no ResourceQuota and no LimitRange; namespace creation off: no Namespace', () => {
    const off = synthOneAgent(Environments.prod({ namespace: 'agents', quota: { enabled: false }, namespacePolicy: { create: false } }));
    expect(off.all('ResourceQuota')).toEqual([]);
    expect(off.all('LimitRange')).toEqual([]);
    expect(off.all('Namespace')).toEqual([]);
    expect(off.get('NetworkPolicy', 'default-deny')).toBeDefined();
  });
});

describe('invalid environment values are reported with field environment.<path>', () => {
  const problemsIn = (environment: EnvironmentConfig) => problemsOf(() => undefined, environment);

  test('autoscaling.minReplicas above autoscaling.maxReplicas', () => {
    expect(problemsIn(Environments.prod({ autoscaling: { minReplicas: 12 } }))).toEqual([
      '[test] environment.autoscaling.minReplicas: must be at most autoscaling.maxReplicas (10) (got 12)',
    ]);
  });

  test('literal secret values allowed in production or staging', () => {
    for (const env of [Environments.prod({ secrets: { allowLiteralValues: true } }), Environments.staging({ secrets: { allowLiteralValues: true } })]) {
      const problems = problemsIn(env);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^\[test\] environment\.secrets\.allowLiteralValues: only a development environment may render literal secret values; this one is "(production|staging)": .*\(got true\)$/);
    }
  });

  test('literal secret values are fine in development', () => {
    expect(problemsIn(Environments.dev({ secrets: { allowLiteralValues: true } }))).toEqual([]);
  });

  test('hostPath allowed in production', () => {
    const problems = problemsIn(Environments.prod({ storage: { allowHostPath: true } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\[test\] environment\.storage\.allowHostPath: hostPath volumes only work on a single-node development cluster; this environment is "production"/);
    expect(problems[0]).toContain('storage.sharedStorageClassName');
  });

  test('the external-secrets backend without a store', () => {
    const problems = problemsIn(Environments.prod({ secrets: { backend: SecretBackend.EXTERNAL_SECRETS } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\[test\] environment\.secrets\.store: the external-secrets backend needs the SecretStore or ClusterSecretStore/);
    expect(problems[0]).toContain('{ name: "aws-secretsmanager", kind: "ClusterSecretStore" }');
  });

  test('schema errors: a bad namespace, a bad percentage, an unknown key with a suggestion', () => {
    const env = { ...Environments.prod({ namespace: 'Agents_NS', autoscaling: { cpuUtilization: 150 } }), autoscalling: {} } as EnvironmentConfig;
    expect(problemsIn(env).sort()).toEqual([
      expect.stringMatching(/^\[test\] environment\.autoscaling\.cpuUtilization: must be a whole percentage between 1 and 100 \(got 150\)$/),
      expect.stringMatching(/^\[test\] environment\.autoscalling: unknown field "autoscalling"; did you mean "autoscaling"\?/),
      expect.stringMatching(/^\[test\] environment\.namespace: must be a DNS-1123 label.*\(got "Agents_NS"\)$/),
    ]);
  });

  test('all the problems of one environment are reported together', () => {
    const env = Environments.staging({ autoscaling: { minReplicas: 9 }, secrets: { allowLiteralValues: true }, storage: { allowHostPath: true } });
    expect(problemsIn(env).map((p) => p.slice(0, p.indexOf(':')))).toEqual([
      '[test] environment.autoscaling.minReplicas',
      '[test] environment.secrets.allowLiteralValues',
      '[test] environment.storage.allowHostPath',
    ]);
  });
});
