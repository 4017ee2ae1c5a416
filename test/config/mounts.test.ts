import { App } from 'cdk8s';
import {
  AgentBatchJob, AgentMicroservice, AgentPlatform, collectNotices, ConfigFile, ConfigFiles, Environments, formatNotice, GpuInferencePool,
  InferenceFallback, type KubeObject, McpToolService, PodVolume, WaveTier,
} from '../../lib';
import { ownerWaves } from '../../lib/synth/sync-waves';
import { at, platformFor, problemsOf, synth, synthPlatform, type Synthesized } from '../helpers/synth';
import { MODEL } from '../inference/helpers';

/**
 * Mounting configuration files (issue 16, item 1) into every kind of workload: the ConfigMap and
 * the mounts pass the strict validation (synth validates every object), the content hash goes on
 * each pod template that mounts the map, and the map is applied before those pods.
 */

const STRUCTURE = 'areas:\n  - id: "10-19"\n    name: Administration\n';
const HASH = /^[0-9a-f]{64}$/;
const ANNOTATION = 'checksum/config-jd-structure';
const VOLUME = { name: 'config-jd-structure', configMap: { name: 'jd-structure' } };

interface Mount { readonly name: string; readonly mountPath: string; readonly readOnly?: boolean; readonly subPath?: string }
interface Container { readonly name: string; readonly volumeMounts?: Mount[] }

const templateOf = (o: KubeObject): string => ({ CronJob: 'spec.jobTemplate.spec.template', LeaderWorkerSet: 'spec.leaderWorkerTemplate.leaderTemplate' } as Record<string, string>)[o.kind] ?? 'spec.template';
const podOf = (o: KubeObject) => at(o, `${templateOf(o)}.spec`) as { containers: Container[]; volumes?: unknown[] };
const annotationsOf = (o: KubeObject) => (at(o, `${templateOf(o)}.metadata.annotations`) ?? {}) as Record<string, string>;
const mountsOf = (o: KubeObject, container?: string) => (podOf(o).containers.find((c) => container === undefined || c.name === container)?.volumeMounts ?? []);
const configMounts = (o: KubeObject, container?: string) => mountsOf(o, container).filter((m) => m.name.startsWith('config-'));

function jdStructure(p: AgentPlatform, content = STRUCTURE): ConfigFiles {
  return new ConfigFiles(p, 'jd-structure', { files: [ConfigFile.fromContent('jd.yaml', content)] });
}

describe('the ConfigMap', () => {
  test('named as asked, labelled like the app, text in data and binary files in binaryData, in wave 2 (config)', () => {
    const logo = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff]);
    const s = synth((p) => {
      new ConfigFiles(p, 'structure', { name: 'jd-structure', files: [ConfigFile.fromContent('jd.yaml', STRUCTURE), ConfigFile.fromContent('logo.png', logo)] });
    });
    expect(s.get('ConfigMap', 'jd-structure')).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'jd-structure', namespace: 'agents',
        labels: { 'app.kubernetes.io/part-of': 'test', 'agents.cdk8s.io/environment': 'prod', 'app.kubernetes.io/managed-by': 'cdk8s-agents' },
        annotations: { 'argocd.argoproj.io/sync-wave': String(WaveTier.CONFIG) },
      },
      data: { 'jd.yaml': STRUCTURE },
      binaryData: { 'logo.png': logo.toString('base64') },
    });
  });

  test('only binary files: no data field; only text: no binaryData field', () => {
    const s = synth((p) => {
      new ConfigFiles(p, 'images', { files: [ConfigFile.fromContent('a.bin', Buffer.from([0xff]))] });
      new ConfigFiles(p, 'texts', { files: [ConfigFile.fromContent('a.txt', 'x')] });
    });
    expect(Object.keys(s.get('ConfigMap', 'images'))).toEqual(['apiVersion', 'kind', 'metadata', 'binaryData']);
    expect(Object.keys(s.get('ConfigMap', 'texts'))).toEqual(['apiVersion', 'kind', 'metadata', 'data']);
  });

  test('files added after the map is mounted are in the map and in the hash', () => {
    let files: ConfigFiles | undefined;
    const before = synth((p) => {
      files = jdStructure(p);
      new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0', configFiles: [{ files, mountPath: '/etc/jd' }] });
    });
    const after = synth((p) => {
      files = jdStructure(p);
      new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0', configFiles: [{ files, mountPath: '/etc/extra.yaml', file: 'extra.yaml' }] });
      files.addFile(ConfigFile.fromContent('extra.yaml', 'a: 1\n'));
    });
    expect(Object.keys(at(after.get('ConfigMap', 'jd-structure'), 'data') as object).sort()).toEqual(['extra.yaml', 'jd.yaml']);
    expect(annotationsOf(after.get('Deployment', 'agent'))[ANNOTATION]).not.toBe(annotationsOf(before.get('Deployment', 'agent'))[ANNOTATION]);
  });
});

describe('mounting into agents and tools', () => {
  // GIVEN one map shared by a classifier (the folder) and an agent (one file), as emm does
  const s = synth((p) => {
    const files = jdStructure(p);
    new McpToolService(p, 'jd-classifier', { image: 'jd-classifier:1.0.0', configFiles: [{ files, mountPath: '/etc/emm/jd' }] });
    new AgentMicroservice(p, 'confluence-agent', { image: 'agent:1.0.0', configFiles: [{ files, mountPath: '/etc/emm/jd.yaml', file: 'jd.yaml' }] });
  });

  test('one ConfigMap, however many workloads mount it', () => {
    expect(s.all('ConfigMap').map((c) => c.metadata.name)).toEqual(['jd-structure']);
  });

  test('a folder: the whole map, read-only, after /tmp', () => {
    const classifier = s.get('Deployment', 'jd-classifier');
    expect(mountsOf(classifier)).toEqual([{ name: 'tmp', mountPath: '/tmp' }, { name: 'config-jd-structure', mountPath: '/etc/emm/jd', readOnly: true }]);
    expect(podOf(classifier).volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '512Mi' } }, VOLUME]);
  });

  test('one file: subPath at the file\'s own path, read-only', () => {
    expect(configMounts(s.get('Deployment', 'confluence-agent'))).toEqual([{ name: 'config-jd-structure', mountPath: '/etc/emm/jd.yaml', readOnly: true, subPath: 'jd.yaml' }]);
    expect(podOf(s.get('Deployment', 'confluence-agent')).volumes).toContainEqual(VOLUME);
  });

  test('both pod templates carry the same content hash, beside the scrape annotations', () => {
    const classifier = annotationsOf(s.get('Deployment', 'jd-classifier'));
    const agent = annotationsOf(s.get('Deployment', 'confluence-agent'));
    expect(classifier[ANNOTATION]).toMatch(HASH);
    expect(agent[ANNOTATION]).toBe(classifier[ANNOTATION]);
    expect(Object.keys(agent).sort()).toEqual([ANNOTATION, 'prometheus.io/path', 'prometheus.io/port', 'prometheus.io/scrape']);
  });

  test('the map is applied before the pods that mount it (sync waves and file order)', () => {
    const p = platformFor();
    const files = jdStructure(p);
    const agent = new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0', configFiles: [{ files, mountPath: '/etc/jd' }] });
    synthPlatform(p);
    expect(agent.node.dependencies).toContain(files);
    const waves = ownerWaves(p);
    expect(waves.get(files)).toBe(WaveTier.CONFIG);
    expect(waves.get(agent)).toBeGreaterThan(WaveTier.CONFIG);
  });

  test('the folder and one of its files in one container share one pod volume', () => {
    const both = synth((p) => {
      const files = jdStructure(p);
      const agent = new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0', configFiles: [{ files, mountPath: '/etc/jd' }] });
      agent.mountConfigFiles(files, '/app/jd.yaml', { file: 'jd.yaml' });
    });
    expect(configMounts(both.get('Deployment', 'agent'))).toEqual([
      { name: 'config-jd-structure', mountPath: '/etc/jd', readOnly: true },
      { name: 'config-jd-structure', mountPath: '/app/jd.yaml', readOnly: true, subPath: 'jd.yaml' },
    ]);
    expect((podOf(both.get('Deployment', 'agent')).volumes ?? []).filter((v) => (v as { name: string }).name === 'config-jd-structure')).toHaveLength(1);
  });

  test('mountConfigFiles() renders what the configFiles prop renders', () => {
    const byProp = synth((p) => new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0', configFiles: [{ files: jdStructure(p), mountPath: '/etc/jd.yaml', file: 'jd.yaml' }] }));
    const byMethod = synth((p) => new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0' }).mountConfigFiles(jdStructure(p), '/etc/jd.yaml', { file: 'jd.yaml' }));
    expect(byMethod.objects).toEqual(byProp.objects);
  });

  test('a stdio MCP server gets the files in its own container, not in the bridge', () => {
    const stdio = synth((p) => new McpToolService(p, 'docs', {
      image: 'docs-search:1.4.0', stdioBridge: { command: ['python3', '-m', 'docs_search'] }, configFiles: [{ files: jdStructure(p), mountPath: '/etc/docs' }],
    }));
    const deployment = stdio.get('Deployment', 'docs');
    expect(configMounts(deployment, 'docs')).toEqual([{ name: 'config-jd-structure', mountPath: '/etc/docs', readOnly: true }]);
    expect(configMounts(deployment, 'mcp-bridge')).toEqual([]);
  });

  test('a map mounted with PodVolume.fromConfigMap() gets the same hash (the files are a ConfigMap of this app)', () => {
    const viaVolume = synth((p) => new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0' }).addVolume(PodVolume.fromConfigMap(jdStructure(p)), { mountPath: '/etc/jd' }));
    const viaMount = synth((p) => new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0', configFiles: [{ files: jdStructure(p), mountPath: '/etc/jd' }] }));
    expect(annotationsOf(viaVolume.get('Deployment', 'agent'))[ANNOTATION]).toBe(annotationsOf(viaMount.get('Deployment', 'agent'))[ANNOTATION]);
  });
});

describe('mounting into batch jobs', () => {
  test.each([['a CronJob', '0 2 * * *', 'CronJob'], ['a one-off Job', undefined, 'Job']] as const)('%s: the mount, the volume and the hash on the pod template', (_what, schedule, kind) => {
    const s = synth((p) => new AgentBatchJob(p, 'reindex', { image: 'reindex:1.0.0', schedule, configFiles: [{ files: jdStructure(p), mountPath: '/etc/jd.yaml', file: 'jd.yaml' }] }));
    const job = s.get(kind, 'reindex');
    expect(mountsOf(job)).toEqual([{ name: 'tmp', mountPath: '/tmp' }, { name: 'config-jd-structure', mountPath: '/etc/jd.yaml', readOnly: true, subPath: 'jd.yaml' }]);
    expect(podOf(job).volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }, VOLUME]);
    expect(annotationsOf(job)[ANNOTATION]).toMatch(HASH);
  });

  test('addVolume takes library volumes on a batch job too', () => {
    const s = synth((p) => new AgentBatchJob(p, 'reindex', { image: 'reindex:1.0.0' }).addVolume(PodVolume.emptyDir('scratch', { sizeLimit: '5Gi' }), { mountPath: '/scratch' }));
    expect(mountsOf(s.get('Job', 'reindex'))).toEqual([{ name: 'tmp', mountPath: '/tmp' }, { name: 'scratch', mountPath: '/scratch' }]);
    expect(problemsOf((p) => new AgentBatchJob(p, 'reindex', { image: 'reindex:1.0.0' }).addVolume({ name: 'raw', emptyDir: {} } as unknown as PodVolume))).toEqual([
      '[test/reindex] volumes: must be a PodVolume (PodVolume.emptyDir(), .fromConfigMap(), .fromSecret(), .fromSharedVolume()) (got {"name":"raw","emptyDir":{}})',
    ]);
  });
});

describe('mounting into GPU pools', () => {
  const template = { files: [ConfigFile.fromContent('chat.jinja', '{% for m in messages %}{{ m.content }}{% endfor %}')] };
  const mount = (p: AgentPlatform) => [{ files: new ConfigFiles(p, 'chat-template', template), mountPath: '/etc/vllm' }];
  const MOUNT = { name: 'config-chat-template', mountPath: '/etc/vllm', readOnly: true };

  test('on GPUs: into the vLLM container, the hash on its pods', () => {
    const s = synth((p) => new GpuInferencePool(p, 'llm', { model: MODEL, configFiles: mount(p), extraEngineArgs: ['--chat-template', '/etc/vllm/chat.jinja'] }));
    expect(configMounts(s.get('Deployment', 'llm'))).toEqual([MOUNT]);
    expect(annotationsOf(s.get('Deployment', 'llm'))['checksum/config-chat-template']).toMatch(HASH);
  });

  test('on the CPU fallback in development: the same mount', () => {
    const s = synth((p) => new GpuInferencePool(p, 'llm', { model: MODEL, configFiles: mount(p), fallback: InferenceFallback.cpuModel({ model: 'Qwen/Qwen2.5-0.5B-Instruct' }) }), Environments.dev({ namespace: 'agents' }));
    expect(configMounts(s.get('Deployment', 'llm'))).toEqual([MOUNT]);
  });

  test('a file cannot take the path of the server\'s own mounts', () => {
    const problems = problemsOf((p) => new GpuInferencePool(p, 'llm', { model: MODEL, configFiles: [{ files: new ConfigFiles(p, 'chat-template', template), mountPath: '/dev/shm' }] }));
    expect(problems).toEqual(['[test/llm/Server] configFiles.mountPath: is already the mount path of volume "dshm"; Kubernetes refuses two mounts at one path: choose another mountPath (got "/dev/shm")']);
  });

  test('multi-node: into the leader (vLLM reads them there), not the Ray workers; the hash on the leader template', () => {
    const s = synth((p) => new GpuInferencePool(p, 'llm', {
      model: MODEL, nodes: 2, gpus: { count: 8 }, modelSize: '140Gi', modelCache: { size: '300Gi' },
      resources: { requests: { cpu: '16', memory: '128Gi' }, limits: { cpu: '32', memory: '256Gi' } }, configFiles: mount(p),
    }));
    const set = s.get('LeaderWorkerSet', 'llm');
    expect(configMounts(set)).toEqual([MOUNT]);
    expect(annotationsOf(set)['checksum/config-chat-template']).toMatch(HASH);
    const worker = at(set, 'spec.leaderWorkerTemplate.workerTemplate') as { metadata: { annotations?: object }; spec: { containers: Container[]; volumes: { name: string }[] } };
    expect(worker.spec.containers[0].volumeMounts?.map((m) => m.name)).not.toContain('config-chat-template');
    expect(worker.spec.volumes.map((v) => v.name)).not.toContain('config-chat-template');
  });

  test('multi-node: a file cannot take the path of the leader\'s own mounts', () => {
    const problems = problemsOf((p) => new GpuInferencePool(p, 'llm', {
      model: MODEL, nodes: 2, gpus: { count: 8 }, modelSize: '140Gi', modelCache: { size: '300Gi' },
      resources: { requests: { cpu: '16', memory: '128Gi' }, limits: { cpu: '32', memory: '256Gi' } },
      configFiles: [{ files: new ConfigFiles(p, 'chat-template', template), mountPath: '/dev/shm' }],
    }));
    expect(problems).toEqual(['[test/llm/Server] configFiles[0].mountPath: is already the mount path of volume "dshm"; Kubernetes refuses two mounts at one path: choose another mountPath (got "/dev/shm")']);
  });

  test('served by an external API: nothing to mount into, and a notice says so', () => {
    const p = platformFor(Environments.dev({ namespace: 'agents' }));
    new GpuInferencePool(p, 'llm', { model: MODEL, configFiles: mount(p), fallback: InferenceFallback.external({ baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini' }) });
    const s = synthPlatform(p);
    expect(s.all('Deployment')).toEqual([]);
    expect(collectNotices(p).filter((n) => n.field === 'configFiles').map(formatNotice)).toEqual([
      '[test/llm] configFiles: asked for ConfigFiles "chat-template" at /etc/vllm in the model server; rendered nothing: there is no model server pod, because environment "dev" has no GPUs and the fallback is the external API https://api.openai.com/v1',
    ]);
  });
});

describe('refusals of a mount, with the field, the value and the fix', () => {
  const problemsOfMount = (mount: Record<string, unknown>, build?: (p: AgentPlatform) => void) => problemsOf((p) => {
    const files = jdStructure(p);
    build?.(p);
    new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0', configFiles: [{ files, mountPath: '/etc/jd', ...mount } as never] });
  });

  test.each([
    ['a relative path', 'etc/jd'],
    ['the root folder', '/'],
    ['a path with ".."', '/etc/../jd'],
    ['a path with ":"', '/etc/jd:ro'],
  ])('mountPath: %s', (_what, mountPath) => {
    expect(problemsOfMount({ mountPath })).toEqual([
      `[test/agent] configFiles[0].mountPath: must be an absolute path other than "/", without ":" or ".." segments, e.g. "/etc/app" (or "/etc/app/app.yaml" with file) (got ${JSON.stringify(mountPath)})`,
    ]);
  });

  test('mountPath: the path of another mount (/tmp)', () => {
    expect(problemsOfMount({ mountPath: '/tmp' })).toEqual([
      '[test/agent] configFiles[0].mountPath: is already the mount path of volume "tmp"; Kubernetes refuses two mounts at one path: choose another mountPath (got "/tmp")',
    ]);
  });

  test('file: a key the map does not hold (checked once the app is built: files may be added later)', () => {
    expect(problemsOfMount({ file: 'jd.yml' })).toEqual([
      '[test/agent] configFiles[0].file: ConfigFiles "jd-structure" has no file of that name (its files: jd.yaml); the container would not start. Name one of them (got "jd.yml")',
    ]);
    expect(problemsOfMount({ file: 'conf/jd.yaml' })).toEqual([
      '[test/agent] configFiles[0].file: must be a Secret or ConfigMap key: letters, digits, "-", "_" and ".", at most 253 characters, not "." or ".." and not starting with ".." (e.g. "password") (got "conf/jd.yaml")',
    ]);
  });

  test('files: not a ConfigFiles, or one of another platform (another namespace)', () => {
    expect(problemsOf((p) => new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0', configFiles: [{ files: { name: 'jd-structure', keys: ['jd.yaml'] } as never, mountPath: '/etc/jd' }] }))).toEqual([
      '[test/agent] configFiles[0].files: must be a ConfigFiles (the ConfigMap of your configuration files) (a typed reference to the construct, not a name or a plain object) (got {"name":"jd-structure","keys":["jd.yaml"]})',
    ]);
    const files = jdStructure(new AgentPlatform(new App({ outdir: '.' }), 'emm-staging', { environment: Environments.staging({ namespace: 'agents' }) }));
    expect(problemsOf((p) => new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0' }).mountConfigFiles(files, '/etc/jd'))).toEqual([
      `[test/agent] configFiles.files: ConfigFiles "jd-structure" belongs to platform "emm-staging", not to this workload's platform "test": a pod mounts ConfigMaps of its own namespace only. Create the ConfigFiles in this platform (build each environment from its own constructs) (got ConfigFiles "emm-staging/jd-structure")`,
    ]);
  });

  test('unknown fields of a mount', () => {
    expect(problemsOfMount({ subPath: 'jd.yaml' })).toEqual(['[test/agent] configFiles[0].subPath: unknown field "subPath"; allowed fields here: files, mountPath, file']);
  });

  test('a batch job reports the same problems', () => {
    expect(problemsOf((p) => new AgentBatchJob(p, 'reindex', { image: 'reindex:1.0.0', configFiles: [{ files: jdStructure(p), mountPath: '/tmp' }] }))).toEqual([
      '[test/reindex] configFiles[0].mountPath: is already the mount path of volume "tmp"; Kubernetes refuses two mounts at one path: choose another mountPath (got "/tmp")',
    ]);
  });
});

describe('the content hash', () => {
  const hashOf = (content: string | Buffer, key = 'jd.yaml'): string => {
    const s: Synthesized = synth((p) => {
      const files = new ConfigFiles(p, 'jd-structure', { files: [ConfigFile.fromContent(key, content)] });
      new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0', configFiles: [{ files, mountPath: '/etc/jd' }] });
    });
    return annotationsOf(s.get('Deployment', 'agent'))[ANNOTATION];
  };

  test('follows the content, byte for byte, and the key; the same content gives the same hash', () => {
    expect(hashOf(STRUCTURE)).toBe(hashOf(STRUCTURE));
    expect(hashOf(`${STRUCTURE} `)).not.toBe(hashOf(STRUCTURE));
    expect(hashOf(STRUCTURE, 'structure.yaml')).not.toBe(hashOf(STRUCTURE));
    expect(hashOf(Buffer.from([0xff, 0x01]))).not.toBe(hashOf(Buffer.from([0xff, 0x02])));
  });

  test('does not depend on the order the files were given in', () => {
    const hashWith = (order: string[]) => {
      const s = synth((p) => {
        const files = new ConfigFiles(p, 'jd-structure', { files: order.map((k) => ConfigFile.fromContent(k, k)) });
        new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0', configFiles: [{ files, mountPath: '/etc/jd' }] });
      });
      return annotationsOf(s.get('Deployment', 'agent'))[ANNOTATION];
    };
    expect(hashWith(['a.yaml', 'b.yaml'])).toBe(hashWith(['b.yaml', 'a.yaml']));
  });
});
