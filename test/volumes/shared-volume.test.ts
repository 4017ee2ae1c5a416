import { App } from 'cdk8s';
import {
  AgentMicroservice, AgentPlatform, collectProblems, type EnvironmentConfig, Environments, McpToolService, PodSecurityLevel, SharedVolume, type SharedVolumeProps,
} from '../../lib';
import { renderPlatform } from '../../lib/synth/synthesizer';
import { at, problemsOf, synth, type Synthesized } from '../helpers/synth';

const NS = 'agents';
const dev = Environments.dev({ namespace: NS });
const prod = Environments.prod({ namespace: NS, storage: { storageClassName: 'gp3', sharedStorageClassName: 'efs-sc' } });

interface Volume {
  readonly name: string;
  readonly hostPath?: { path: string; type?: string };
  readonly persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
}

interface Mount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
}

const podVolumes = (s: Synthesized, name: string): Volume[] => (at(s.get('Deployment', name), 'spec.template.spec.volumes') ?? []) as Volume[];
const mounts = (s: Synthesized, name: string): Mount[] => (at(s.get('Deployment', name), 'spec.template.spec.containers.0.volumeMounts') ?? []) as Mount[];

/** A vault volume mounted into a tool through the sharedVolumes prop. */
const vaultApp = (props: SharedVolumeProps = { size: '20Gi', hostPath: '/mnt/data/vault' }, readOnly?: boolean) => (p: AgentPlatform) => {
  const vault = new SharedVolume(p, 'vault', props);
  new McpToolService(p, 'file-system', { image: 'file-system:1.0.0', sharedVolumes: [{ volume: vault, mountPath: '/vault', readOnly }] });
};

describe('development with hostPath', () => {
  test('pods mount the node folder (DirectoryOrCreate) and no claim is rendered', () => {
    // GIVEN a single-node dev environment
    let vault: SharedVolume | undefined;
    const s = synth((p) => {
      vault = new SharedVolume(p, 'vault', { size: '20Gi', hostPath: '/mnt/data/vault' });
      new McpToolService(p, 'file-system', { image: 'file-system:1.0.0', sharedVolumes: [{ volume: vault, mountPath: '/vault' }] });
    }, dev);
    // THEN
    expect(vault?.usesHostPath).toBe(true);
    expect(s.all('PersistentVolumeClaim')).toEqual([]);
    expect(podVolumes(s, 'file-system')).toContainEqual({ name: 'shared-vault', hostPath: { path: '/mnt/data/vault', type: 'DirectoryOrCreate' } });
    expect(mounts(s, 'file-system')).toContainEqual({ name: 'shared-vault', mountPath: '/vault' });
  });

  test('without hostPath, dev gets a ReadWriteMany claim too', () => {
    // GIVEN
    const s = synth(vaultApp({ size: '1Gi' }), dev);
    // THEN
    expect(at(s.get('PersistentVolumeClaim', 'vault'), 'spec')).toEqual({ accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } });
    expect(podVolumes(s, 'file-system')).toContainEqual({ name: 'shared-vault', persistentVolumeClaim: { claimName: 'vault' } });
  });

  test('hostPath is refused when the dev namespace enforces baseline', () => {
    // GIVEN a dev environment enforcing the baseline Pod Security level
    const baseline: EnvironmentConfig = Environments.dev({ namespace: NS, namespacePolicy: { enforce: PodSecurityLevel.BASELINE } });
    // THEN
    expect(problemsOf(vaultApp(), baseline)).toEqual([
      '[test/vault] hostPath: the namespace enforces Pod Security "baseline", which rejects hostPath volumes; enforce "privileged" in this development environment or drop hostPath (got "/mnt/data/vault")',
    ]);
  });

  test('hostPath is refused when the dev namespace enforces restricted', () => {
    const restricted = Environments.dev({ namespace: NS, namespacePolicy: { enforce: PodSecurityLevel.RESTRICTED } });
    const problems = problemsOf(vaultApp(), restricted);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('enforces Pod Security "restricted"');
  });

  test('a relative hostPath is refused', () => {
    expect(problemsOf(vaultApp({ hostPath: 'mnt/vault' }), dev)).toEqual([
      '[test/vault] hostPath: must be an absolute path without ".." segments, e.g. "/mnt/data/vault" (got "mnt/vault")',
    ]);
  });
});

describe('production', () => {
  test('a ReadWriteMany claim with the shared storage class, even when hostPath is given', () => {
    // GIVEN the same app in prod
    let vault: SharedVolume | undefined;
    const s = synth((p) => {
      vault = new SharedVolume(p, 'vault', { size: '20Gi', hostPath: '/mnt/data/vault' });
      new McpToolService(p, 'file-system', { image: 'file-system:1.0.0', sharedVolumes: [{ volume: vault, mountPath: '/vault' }] });
    }, prod);
    // THEN
    expect(vault?.usesHostPath).toBe(false);
    const claim = s.get('PersistentVolumeClaim', 'vault');
    expect(claim.metadata.namespace).toBe(NS);
    expect(claim.spec).toEqual({ accessModes: ['ReadWriteMany'], storageClassName: 'efs-sc', resources: { requests: { storage: '20Gi' } } });
    expect(podVolumes(s, 'file-system')).toContainEqual({ name: 'shared-vault', persistentVolumeClaim: { claimName: 'vault' } });
    expect(JSON.stringify(s.objects)).not.toContain('hostPath');
  });

  test('an explicit storage class, name and the default 20Gi size', () => {
    // GIVEN
    const s = synth((p) => {
      const inbox = new SharedVolume(p, 'Inbox', { name: 'unsorted-inbox', storageClassName: 'filestore' });
      new AgentMicroservice(p, 'sorter', { image: 'sorter:1.0.0', sharedVolumes: [{ volume: inbox, mountPath: '/unsorted' }] });
    }, prod);
    // THEN
    expect(s.get('PersistentVolumeClaim', 'unsorted-inbox').spec).toEqual({
      accessModes: ['ReadWriteMany'], storageClassName: 'filestore', resources: { requests: { storage: '20Gi' } },
    });
    expect(podVolumes(s, 'sorter')).toContainEqual({ name: 'shared-unsorted-inbox', persistentVolumeClaim: { claimName: 'unsorted-inbox' } });
  });

  test('the environment refuses allowHostPath outside development', () => {
    expect(problemsOf(() => undefined, Environments.prod({ namespace: NS, storage: { allowHostPath: true } }))).toEqual([
      '[test] environment.storage.allowHostPath: hostPath volumes only work on a single-node development cluster; this environment is "production": use a ReadWriteMany storage class (storage.sharedStorageClassName) (got true)',
    ]);
  });

  test('the claim counts in the namespace ResourceQuota', () => {
    // GIVEN one claim of 20Gi and nothing else with storage
    const s = synth(vaultApp(), prod);
    // THEN
    const hard = at(s.get('ResourceQuota', 'workloads'), 'spec.hard') as Record<string, string | number>;
    expect(hard.persistentvolumeclaims).toBe(1 + prod.quota.extraPods);
    expect(hard['requests.storage']).toBe('25Gi');
  });
});

describe('mounting', () => {
  test('through the sharedVolumes prop and mountSharedVolume(), read-only or not, on several workloads', () => {
    // GIVEN a volume shared by a tool (read-write, prop) and an agent (read-only, method)
    const s = synth((p) => {
      const unsorted = new SharedVolume(p, 'unsorted', { size: '5Gi', hostPath: '/mnt/data/unsorted' });
      new McpToolService(p, 'file-system', { image: 'file-system:1.0.0', sharedVolumes: [{ volume: unsorted, mountPath: '/unsorted' }] });
      const agent = new AgentMicroservice(p, 'file-system-agent', { image: 'agent:1.0.0' });
      agent.mountSharedVolume(unsorted, '/inbox', { readOnly: true });
    }, prod);
    // THEN both pods use the same claim
    for (const name of ['file-system', 'file-system-agent']) {
      expect(podVolumes(s, name)).toContainEqual({ name: 'shared-unsorted', persistentVolumeClaim: { claimName: 'unsorted' } });
    }
    expect(mounts(s, 'file-system')).toContainEqual({ name: 'shared-unsorted', mountPath: '/unsorted' });
    expect(mounts(s, 'file-system-agent')).toContainEqual({ name: 'shared-unsorted', mountPath: '/inbox', readOnly: true });
    // AND the writable /tmp is still there
    expect(mounts(s, 'file-system-agent')).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  test('read-only through the prop', () => {
    const s = synth(vaultApp(undefined, true), dev);
    expect(mounts(s, 'file-system')).toContainEqual({ name: 'shared-vault', mountPath: '/vault', readOnly: true });
  });

  test('a relative mount path is refused', () => {
    // GIVEN
    const problems = problemsOf((p) => {
      const vault = new SharedVolume(p, 'vault', {});
      new McpToolService(p, 'file-system', { image: 'file-system:1.0.0', sharedVolumes: [{ volume: vault, mountPath: 'vault' }] });
    }, prod);
    // THEN
    expect(problems).toEqual(['[test/file-system] sharedVolumes[0].mountPath: must be an absolute path without ".." segments, e.g. "/vault" (got "vault")']);
  });

  test('the volume is rendered before the workloads that mount it', () => {
    // GIVEN a workload created before the volume it mounts later
    const platform = new AgentPlatform(new App({ outdir: '.' }), 'test', { appName: 'test', environment: prod });
    const agent = new AgentMicroservice(platform, 'sorter', { image: 'sorter:1.0.0' });
    agent.mountSharedVolume(new SharedVolume(platform, 'inbox', { size: '1Gi' }), '/inbox');
    // WHEN
    expect(collectProblems(platform)).toEqual([]);
    const files = renderPlatform(platform).map((f) => f.fileName);
    // THEN
    expect(files).toEqual(['00-namespace.yaml', 'inbox.yaml', 'sorter.yaml']);
  });

  // One pod volume with two mounts: two volumes named "shared-<volume>" would be rejected.
  test('the same volume mounted at two paths renders one pod volume and two mounts', () => {
    // GIVEN
    const s = synth((p) => {
      const vault = new SharedVolume(p, 'vault', {});
      new AgentMicroservice(p, 'reader', {
        image: 'reader:1.0.0',
        sharedVolumes: [{ volume: vault, mountPath: '/vault' }, { volume: vault, mountPath: '/archive', readOnly: true }],
      });
    }, prod);
    // THEN
    expect(podVolumes(s, 'reader').filter((v) => v.persistentVolumeClaim?.claimName === 'vault')).toHaveLength(1);
    expect(mounts(s, 'reader').filter((m) => m.mountPath === '/vault' || m.mountPath === '/archive')).toHaveLength(2);
  });
});
