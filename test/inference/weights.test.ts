import * as fs from 'fs';
import * as path from 'path';
import { AgentMicroservice, Environments, GpuInferencePool, InferenceFallback, SecretSource } from '../../lib';
import { DOWNLOAD_SCRIPT, downloadBudgetSeconds, loadBudgetSeconds, WAIT_SCRIPT } from '../../lib/inference/model-weights';
import { makeTempDir, programsAvailable, runProgram } from '../helpers/programs';
import { at, synth, type Synthesized } from '../helpers/synth';
import { AGENT_IMAGE, COMMIT, MODEL, MODEL_DIR, poolProps, prod, REPOSITORY, synthPool } from './helpers';
import { egressPaths, envOf, ingressPaths, INTERNET_HTTPS, mainContainer, podSpec, withDns } from './pods';

/**
 * Weights outside the serving pods (issue #12 item 2): one Job per model revision downloads into
 * the ReadWriteMany cache, reaching only the Hub on 443 with the token from a Secret, and does
 * nothing when the revision is already there; the serving pods mount the cache read-only, have
 * no internet egress, and wait for the weights with a budget derived from the model size.
 */

const job = (s: Synthesized) => {
  const jobs = s.all('Job');
  expect(jobs).toHaveLength(1);
  return jobs[0];
};

describe('the download Job', () => {
  const s = synth((p) => {
    const hf = new SecretSource(p, 'huggingface-token', { keys: ['token'] });
    new GpuInferencePool(p, 'llm', poolProps({ modelSize: '16Gi', huggingFaceToken: { secret: hf, key: 'token' } }));
  }, prod());

  test('one Job per model revision and image: <pool>-weights-<commit prefix>-<image hash>', () => {
    expect(job(s).metadata.name).toMatch(new RegExp(`^llm-weights-${COMMIT.slice(0, 8)}-[0-9a-f]{6}$`));
    expect((job(s).metadata.labels as Record<string, string>)['app.kubernetes.io/name']).toBe('llm-weights');
  });

  test('a new revision is a new Job (a Job\'s template is immutable), the same revision the same Job', () => {
    const other = synthPool({ model: `${REPOSITORY}@${'a'.repeat(40)}` });
    const again = synthPool();
    expect(job(other).metadata.name).not.toBe(job(synthPool()).metadata.name);
    expect(job(again).metadata.name).toBe(job(synthPool()).metadata.name);
    expect(job(synthPool({ image: 'docker.io/vllm/vllm-openai:v0.11.1' })).metadata.name).not.toBe(job(again).metadata.name);
  });

  test('it downloads the pinned revision into its directory of the cache, with the token from the Secret', () => {
    const c = mainContainer(job(s));
    expect(c.command).toEqual(['sh', '-c', DOWNLOAD_SCRIPT]);
    expect(envOf(c)).toMatchObject({
      MODEL_ID: { value: REPOSITORY },
      MODEL_REVISION: { value: COMMIT },
      MODEL_DIR: { value: MODEL_DIR },
      HF_TOKEN: { valueFrom: { secretKeyRef: { name: 'huggingface-token', key: 'token' } } },
    });
    expect(c.volumeMounts).toEqual([{ name: 'model-cache', mountPath: '/models' }, { name: 'tmp', mountPath: '/tmp' }]);
    expect(podSpec(job(s)).volumes?.[0]).toEqual({ name: 'model-cache', persistentVolumeClaim: { claimName: 'llm-models' } });
  });

  test('bounded: the download deadline follows the model size; the restricted profile; no token mounted', () => {
    expect(at(job(s), 'spec.activeDeadlineSeconds')).toBe(downloadBudgetSeconds(16 * 2 ** 30));
    expect(at(job(s), 'spec.backoffLimit')).toBe(4);
    expect(podSpec(job(s)).restartPolicy).toBe('Never');
    expect(podSpec(job(s)).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(at(job(s), 'spec.template.spec.automountServiceAccountToken')).toBe(false);
  });

  test('its own NetworkPolicy: the Hub on 443 and DNS out, nothing in', () => {
    const policy = s.get('NetworkPolicy', 'llm-weights');
    expect(egressPaths(policy)).toEqual(withDns(INTERNET_HTTPS));
    expect(ingressPaths(policy)).toEqual([]);
  });

  test('the serving pods: no token, no internet, the cache read-only, a wait bounded by the same budget, a startup budget from the size', () => {
    const deployment = s.get('Deployment', 'llm');
    const server = mainContainer(deployment);
    expect(envOf(server)).not.toHaveProperty('HF_TOKEN');
    expect(egressPaths(s.get('NetworkPolicy', 'llm'))).toEqual(withDns());
    expect(server.volumeMounts).toContainEqual({ name: 'model-cache', mountPath: '/models', readOnly: true });
    const [wait] = podSpec(deployment).initContainers ?? [];
    expect(envOf(wait).WAIT_SECONDS).toEqual({ value: String(downloadBudgetSeconds(16 * 2 ** 30)) });
    expect(server.startupProbe?.failureThreshold).toBe(loadBudgetSeconds(16 * 2 ** 30) / 5);
  });

  test('the quota counts the Job pod (one at a time) and the cache claim once', () => {
    const hard = at(s.get('ResourceQuota', 'workloads'), 'spec.hard') as Record<string, unknown>;
    expect(hard.persistentvolumeclaims).toBe(11);
  });
});

describe('budgets derived from the model size', () => {
  test.each([
    [undefined, 3600],
    ['1Gi', 660],
    ['16Gi', 1260],
    ['140Gi', 6360],
    ['800Gi', 14400],
  ])('download of %s: %i s (600 s plus 25 MiB/s, whole minutes, at most 4 h)', (size, seconds) => {
    const bytes = size === undefined ? undefined : Number(size.replace('Gi', '')) * 2 ** 30;
    expect(downloadBudgetSeconds(bytes)).toBe(seconds);
  });

  test.each([['1Gi', 360], ['16Gi', 480], ['140Gi', 1740]])('load of %s: %i s (300 s plus 100 MiB/s)', (size, seconds) => {
    expect(loadBudgetSeconds(Number(size.replace('Gi', '')) * 2 ** 30)).toBe(seconds);
  });

  test('startupTimeoutSeconds wins over the derived budget', () => {
    expect(mainContainer(synthPool({ modelSize: '16Gi', startupTimeoutSeconds: 900 }).get('Deployment', 'llm')).startupProbe?.failureThreshold).toBe(180);
  });
});

describe('the development fallback downloads into its own emptyDir (and says so by its Hub egress)', () => {
  test('dev: no Job, an init container and the Hub on 443 for the pod', () => {
    const s = synth((p) => {
      const pool = new GpuInferencePool(p, 'llm', poolProps({ fallback: InferenceFallback.cpuModel({ model: 'Qwen/Qwen2.5-0.5B-Instruct' }) }));
      new AgentMicroservice(p, 'agent', { image: AGENT_IMAGE, inference: pool });
    }, Environments.dev({ namespace: 'agents' }));
    expect(s.all('Job')).toEqual([]);
    const pod = podSpec(s.get('Deployment', 'llm'));
    expect(pod.initContainers?.[0].command?.[2]).toContain('huggingface-cli download "$MODEL_ID" --revision "$MODEL_REVISION" --local-dir "$MODEL_DIR"');
    expect(egressPaths(s.get('NetworkPolicy', 'llm'))).toEqual(withDns(INTERNET_HTTPS));
  });
});

/**
 * The two scripts run with a real shell: a fake `huggingface-cli` on PATH records its calls and
 * writes a file, so the test sees what the Job and the wait step do with an empty, a complete and
 * a partial cache.
 */
(programsAvailable('sh') ? describe : describe.skip)('the scripts, run by sh', () => {
  let root: string;
  let bin: string;
  const calls = () => (fs.existsSync(path.join(root, 'calls')) ? fs.readFileSync(path.join(root, 'calls'), 'utf8').trim().split('\n') : []);
  const env = (extra: Record<string, string>) => ({ PATH: `${bin}:/usr/bin:/bin`, MODEL_ID: REPOSITORY, MODEL_REVISION: COMMIT, MODEL_DIR: path.join(root, 'models', REPOSITORY, COMMIT), ...extra });
  const download = (extra: Record<string, string> = {}) => runProgram('sh', ['-c', DOWNLOAD_SCRIPT], { env: env(extra), timeoutMs: 10_000 });

  beforeEach(() => {
    root = makeTempDir('weights');
    bin = path.join(root, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'huggingface-cli'), [
      '#!/bin/sh',
      `echo "$*" >> "${root}/calls"`,
      'if [ -n "${FAIL:-}" ]; then echo "network error" >&2; exit 2; fi',
      'dir=""; while [ $# -gt 0 ]; do if [ "$1" = "--local-dir" ]; then dir="$2"; fi; shift; done',
      'mkdir -p "$dir" && echo weights > "$dir/model.safetensors"',
    ].join('\n'), { mode: 0o755 });
  });

  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('an empty cache: one download of the pinned revision into its directory, then the marker', () => {
    const result = download();
    expect(result.status).toBe(0);
    expect(calls()).toEqual([`download ${REPOSITORY} --revision ${COMMIT} --local-dir ${env({}).MODEL_DIR}`]);
    expect(fs.readdirSync(env({}).MODEL_DIR).sort()).toEqual(['.complete', 'model.safetensors']);
  });

  test('idempotent: a complete revision is not downloaded again', () => {
    download();
    const again = download();
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('is already in the cache');
    expect(calls()).toHaveLength(1);
  });

  test('a failed download leaves no marker, so the serving pods keep waiting and the retry downloads (resuming)', () => {
    expect(download({ FAIL: '1' }).status).not.toBe(0);
    expect(fs.existsSync(path.join(env({}).MODEL_DIR, '.complete'))).toBe(false);
    expect(download().status).toBe(0);
    expect(calls()).toHaveLength(2);
  });

  test('the wait step: done at once when the marker is there; a clear failure after its budget otherwise', () => {
    const wait = (seconds: string) => runProgram('sh', ['-c', WAIT_SCRIPT], { env: env({ WAIT_SECONDS: seconds, DOWNLOAD_JOB: 'llm-weights' }), timeoutMs: 15_000 });
    const missing = wait('0');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no complete weights at');
    expect(missing.stderr).toContain('kubectl logs -l app.kubernetes.io/name=llm-weights');
    download();
    const present = wait('0');
    expect(present.status).toBe(0);
  });
});

test('the pinned model of the helpers', () => {
  expect(MODEL).toBe(`${REPOSITORY}@${COMMIT}`);
});
