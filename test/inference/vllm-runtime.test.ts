import * as fs from 'fs';
import { ObservabilityMode, ObservabilityStack } from '../../lib';
import { VLLM_FLAGS, VLLM_FLAGS_VERSION, vllmArgumentProblems } from '../../lib/inference/vllm-flags';
import { VLLM_CACHE_DIRECTORIES, VLLM_RUNTIME_ENV } from '../../lib/inference/vllm-runtime';
import { type KubeObject, renderApps } from '../../lib';
import { supportCopilot } from '../../apps/support-copilot';
import { programsAvailable, runProgram } from '../helpers/programs';
import { type Synthesized } from '../helpers/synth';
import { type ContainerJson, envOf, everyContainer, mainContainer, podSpec, type PodSpecJson } from './pods';
import { dev, MODEL_DIR, prod, REPOSITORY, synthPool } from './helpers';
import { GpuInferencePool, InferenceFallback } from '../../lib';
import { synth } from '../helpers/synth';

/**
 * vLLM's container as an arbitrary non-root uid on a read-only root filesystem, its traces, and
 * every generated argument list checked against the committed table of the pinned version's flags.
 */

/** Every container that runs vLLM (or Ray next to it) in a set of objects. */
function vllmContainers(objects: readonly KubeObject[]): { owner: string; container: ContainerJson; pod: PodSpecJson }[] {
  const out: { owner: string; container: ContainerJson; pod: PodSpecJson }[] = [];
  for (const o of objects) {
    const pods: PodSpecJson[] = o.kind === 'LeaderWorkerSet'
      ? ['leaderTemplate', 'workerTemplate'].map((t) => (o.spec as { leaderWorkerTemplate: Record<string, { spec: PodSpecJson }> }).leaderWorkerTemplate[t].spec)
      : ['Deployment'].includes(o.kind) ? [podSpec(o)] : [];
    for (const pod of pods) {
      for (const container of pod.containers.filter((c) => c.image.includes('vllm'))) {
        out.push({ owner: `${o.kind}/${o.metadata.name}`, container, pod });
      }
    }
  }
  return out;
}

/** The writable mounts of a container: emptyDir volumes not mounted read-only. */
function writableMounts(container: ContainerJson, pod: PodSpecJson): string[] {
  const emptyDirs = new Set((pod.volumes ?? []).filter((v) => v.emptyDir !== undefined).map((v) => v.name));
  return (container.volumeMounts ?? []).filter((m) => emptyDirs.has(m.name) && !m.readOnly).map((m) => m.mountPath);
}

const rendered = renderApps([supportCopilot]);
const poolsOfApps = rendered.flatMap((env) => vllmContainers(env.objects).map((c) => ({ ...c, env: env.environment })));
const multiNode = synthPool({ nodes: 2, gpus: { count: 8 }, resources: { limits: { memory: '256Gi' } } });
const variants: { name: string; objects: readonly KubeObject[] }[] = [
  ...rendered.map((env) => ({ name: `support-copilot/${env.environment}`, objects: env.objects })),
  { name: 'multi-node', objects: multiNode.objects },
  { name: 'cpu fallback', objects: synthPool({ fallback: InferenceFallback.cpuModel({ model: 'Qwen/Qwen2.5-0.5B-Instruct' }) }, dev()).objects },
];

describe('vLLM as an arbitrary uid on a read-only root filesystem', () => {
  test('the example apps run vLLM in dev, staging and prod', () => {
    expect(poolsOfApps.map((c) => c.env)).toEqual(['dev', 'staging', 'prod']);
  });

  test.each(variants)('$name: read-only root filesystem, USER/LOGNAME/HOME set, and every path variable on a writable emptyDir', ({ objects }) => {
    const containers = vllmContainers(objects);
    expect(containers.length).toBeGreaterThan(0);
    for (const { owner, container, pod } of containers) {
      const env = envOf(container);
      expect([owner, container.securityContext?.readOnlyRootFilesystem]).toEqual([owner, true]);
      expect([owner, env.USER?.value, env.LOGNAME?.value, env.HOME?.value]).toEqual([owner, 'vllm', 'vllm', '/tmp/home']);
      const writable = writableMounts(container, pod);
      const unwritable = VLLM_CACHE_DIRECTORIES
        .filter((name) => !writable.some((mount) => (env[name]?.value ?? '').startsWith(`${mount}/`)))
        .map((name) => `${owner}: ${name}=${env[name]?.value}`);
      expect(unwritable).toEqual([]);
    }
  });

  // The variables whose unset default breaks on an arbitrary uid or a read-only root (each
  // default is under ~, /root or needs the user name), as the libraries of the image read them.
  test('the list covers every cache and home variable of vLLM, torch, inductor, triton, Hugging Face, numba, outlines, CUDA, flashinfer and XDG', () => {
    expect([...VLLM_CACHE_DIRECTORIES].sort()).toEqual([
      'CUDA_CACHE_PATH', 'FLASHINFER_WORKSPACE_BASE', 'HF_HOME', 'HF_MODULES_CACHE', 'HOME', 'MPLCONFIGDIR', 'NUMBA_CACHE_DIR', 'OUTLINES_CACHE_DIR',
      'TORCHINDUCTOR_CACHE_DIR', 'TORCH_HOME', 'TRITON_CACHE_DIR', 'TRITON_HOME', 'VLLM_CACHE_ROOT', 'VLLM_CONFIG_ROOT', 'XDG_CACHE_HOME',
      'XDG_CONFIG_HOME', 'XDG_DATA_HOME',
    ]);
  });

  test('the serving pods never ask the Hub and never phone home', () => {
    for (const { container } of vllmContainers(multiNode.objects)) {
      const env = envOf(container);
      expect([env.HF_HUB_OFFLINE?.value, env.TRANSFORMERS_OFFLINE?.value, env.VLLM_NO_USAGE_STATS?.value, env.DO_NOT_TRACK?.value]).toEqual(['1', '1', '1', '1']);
    }
  });
});

/**
 * The real check, with the programs the container's libraries use: Python's `getpass.getuser()`
 * (what torch, triton and inductor call) and directory creation, as uid 4242 (no passwd entry), in
 * a private mount namespace where `/` is read-only and `/tmp` is an empty tmpfs like the pod's
 * emptyDir, with exactly the container's environment.
 */
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const UID = '4242';
const PROBE = [
  'import getpass, os, sys',
  'print("user", getpass.getuser())',
  'for name in sys.argv[1:]:',
  '    path = os.environ[name]',
  '    os.makedirs(path, exist_ok=True)',
  '    with open(os.path.join(path, ".written"), "w") as f: f.write("ok")',
  'try:',
  '    open("/etc/probe-must-fail", "w")',
  '    print("root filesystem is writable")',
  'except OSError as e:',
  '    print("read-only root", e.errno)',
].join('\n');

function inNamespace(env: Record<string, string>, script: string, names: readonly string[]) {
  const sandbox = `mount --bind / / && mount -o remount,ro,bind / && mount -t tmpfs -o mode=1777 tmpfs /tmp && exec setpriv --reuid ${UID} --regid ${UID} --clear-groups "$@"`;
  return runProgram('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', sandbox, 'sandbox', '/usr/bin/env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), PYTHON, '-c', script, ...names], { timeoutMs: 20_000 });
}

const sandboxWorks = (): boolean => {
  if (!programsAvailable('unshare', 'setpriv', 'python3')) return false;
  const probe = runProgram('unshare', ['--mount', '--propagation', 'private', 'true']);
  if (probe.status === 0) return true;
  if (process.env.CI === 'true') throw new Error(`unshare --mount needs root (CAP_SYS_ADMIN) in CI: ${probe.stderr}`);
  console.warn('skipped: unshare --mount is not permitted here (run as root)');
  return false;
};

(sandboxWorks() ? describe : describe.skip)('the container environment, run as uid 4242 on a read-only root (unshare, setpriv, python3)', () => {
  const prodServer = poolsOfApps.find((c) => c.env === 'prod');

  test('without USER, the user lookup fails for a uid without a passwd entry (the bug)', () => {
    const result = inNamespace({ PATH: '/usr/bin:/bin', HOME: '/tmp' }, 'import getpass; print(getpass.getuser())', []);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`getpwuid(): uid not found: ${UID}`);
  });

  test('with the prod vLLM container\'s environment, the lookup succeeds and every cache directory is created on /tmp while / stays read-only', () => {
    const env = Object.fromEntries(Object.entries(envOf(prodServer?.container as ContainerJson)).filter(([, v]) => v.value !== undefined).map(([k, v]) => [k, String(v.value)]));
    expect(Object.keys(env)).toEqual(expect.arrayContaining([...VLLM_CACHE_DIRECTORIES]));
    const result = inNamespace({ PATH: '/usr/bin:/bin', ...env }, PROBE, VLLM_CACHE_DIRECTORIES);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n')).toEqual(['user vllm', 'read-only root 30']);
    expect(result.status).toBe(0);
  });
});

describe(`generated arguments against the table of vllm serve ${VLLM_FLAGS_VERSION}`, () => {
  test('the table is data with its source: every flag spelled --kebab-case, once', () => {
    expect(VLLM_FLAGS.length).toBeGreaterThan(20);
    expect(VLLM_FLAGS.every((f) => /^--[a-z0-9]+(-[a-z0-9]+)*$/.test(f.name))).toBe(true);
    expect(new Set(VLLM_FLAGS.map((f) => f.name)).size).toBe(VLLM_FLAGS.length);
    expect(GpuInferencePool.DEFAULT_IMAGE).toBe(`docker.io/vllm/vllm-openai:${VLLM_FLAGS_VERSION}`);
    expect(GpuInferencePool.DEFAULT_CPU_IMAGE.endsWith(`:${VLLM_FLAGS_VERSION}`)).toBe(true);
  });

  test.each(variants)('$name: every vLLM argument list is accepted', ({ objects }) => {
    const lists = objects.flatMap((o) => everyContainer([o])).map(({ container }) => container)
      .filter((c) => c.image.includes('vllm') && c.args !== undefined && !c.name.includes('worker'));
    const lws = objects.filter((o) => o.kind === 'LeaderWorkerSet').map((o) => (o.spec as { leaderWorkerTemplate: { leaderTemplate: { spec: PodSpecJson } } }).leaderWorkerTemplate.leaderTemplate.spec.containers[0]);
    const all = [...lists, ...lws];
    expect(all.length).toBeGreaterThan(0);
    for (const container of all) {
      expect([container.name, vllmArgumentProblems(container.args ?? [])]).toEqual([container.name, []]);
    }
  });

  test('the check is sensitive: the old `--model <id>` form, an unknown flag, a missing value and a bad choice are found', () => {
    expect(vllmArgumentProblems(['--model', 'x', '--port', '8000'])).toEqual([
      'the model must come first, as the positional model_tag of `vllm serve`',
      '--model is refused by `vllm serve` (the model is positional)',
    ]);
    expect(vllmArgumentProblems(['/models/x', '--model', 'y', '--tensor-paralel-size', '2', '--port', '--distributed-executor-backend', 'slurm'])).toEqual([
      '--model is refused by `vllm serve` (the model is positional)',
      '--tensor-paralel-size is not a flag of vllm serve v0.11.2 in the table',
      '2 is not a flag of vllm serve v0.11.2 in the table',
      '--port needs a value',
      '--distributed-executor-backend slurm is not one of external_launcher, mp, ray, uni',
    ]);
    expect(vllmArgumentProblems(['/m', '--enable-prefix-caching', '--no-enable-prefix-caching', '--max-model-len=8192', '-tp', '2'])).toEqual([]);
  });
});

describe('traces: the OTEL_* variables plus vLLM\'s own --otlp-traces-endpoint', () => {
  const withStack = (endpoint: string): Synthesized => synth((p) => {
    new GpuInferencePool(p, 'llm', { model: `${REPOSITORY}@0e9e39f249a16976918f6564b8830bc894c89659` });
    new ObservabilityStack(p, 'observability', { otlpEndpoint: endpoint });
  }, { ...prod(), observability: { ...prod().observability, mode: ObservabilityMode.OPERATOR } });

  test('OTLP over gRPC: the endpoint as given and the gRPC traces protocol', () => {
    const c = mainContainer(withStack('http://otel-collector.monitoring.svc:4317').get('Deployment', 'llm'));
    expect(c.args?.slice(-2)).toEqual(['--otlp-traces-endpoint', 'http://otel-collector.monitoring.svc:4317']);
    expect(envOf(c).OTEL_EXPORTER_OTLP_TRACES_PROTOCOL).toEqual({ value: 'grpc' });
    expect(envOf(c).OTEL_SERVICE_NAME).toEqual({ value: 'llm' });
  });

  test('OTLP over HTTP (4318): the traces URL and the http/protobuf protocol', () => {
    const c = mainContainer(withStack('http://otel-collector.monitoring.svc:4318').get('Deployment', 'llm'));
    expect(c.args?.slice(-2)).toEqual(['--otlp-traces-endpoint', 'http://otel-collector.monitoring.svc:4318/v1/traces']);
    expect(envOf(c).OTEL_EXPORTER_OTLP_TRACES_PROTOCOL).toEqual({ value: 'http/protobuf' });
  });

  test('without an observability stack: no flag, no variable', () => {
    const c = mainContainer(synthPool().get('Deployment', 'llm'));
    expect(c.args).not.toContain('--otlp-traces-endpoint');
    expect(envOf(c)).not.toHaveProperty('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL');
    expect(c.args?.[0]).toBe(MODEL_DIR);
  });

  test('the runtime variables are the documented ones', () => {
    expect(VLLM_RUNTIME_ENV.HF_HUB_OFFLINE).toBe('1');
  });
});
