import { k8s } from 'cdk8s-plus-28';
import {
  AgentBatchJob, type AgentBatchJobProps, ConcurrencyPolicy, type EnvironmentConfig, Environments, EnvValue, ExternalEndpoint, GpuInferencePool,
  McpToolService, RedisCacheStatefulSet, SecretSource,
} from '../../lib';
import { at, problemsOf, synth, type Synthesized } from '../helpers/synth';
import { expectOneProblem } from '../inference/helpers';
import { cidrPath, egressPaths, envOf, indexOf, ingressPaths, mainContainer, nameLabel, podPath, podSpec, withDns } from '../inference/pods';

const NAME = 'embeddings-reindex';
const IMAGE = 'ghcr.io/acme/reindex:1.0.3';
const SELECTOR = { 'app.kubernetes.io/name': NAME };

const prod = (): EnvironmentConfig => Environments.prod({ namespace: 'agents' });
const dev = (): EnvironmentConfig => Environments.dev({ namespace: 'agents' });

function synthJob(overrides: Partial<AgentBatchJobProps> = {}, environment: EnvironmentConfig = prod()): Synthesized {
  return synth((p) => {
    new AgentBatchJob(p, NAME, { image: IMAGE, ...overrides });
  }, environment);
}

function problemsOfJob(overrides: Partial<AgentBatchJobProps>, environment: EnvironmentConfig = prod()): string[] {
  return problemsOf((p) => {
    new AgentBatchJob(p, NAME, { image: IMAGE, ...overrides });
  }, environment);
}

const cronJob = (s: Synthesized) => s.get('CronJob', NAME);
const jobSpec = (s: Synthesized) => at(cronJob(s), 'spec.jobTemplate.spec');

describe('AgentBatchJob as a CronJob: defaults', () => {
  // GIVEN a nightly job with a time zone, in production
  const s = synthJob({ schedule: '0 2 * * *', timeZone: 'Europe/Berlin' });

  test('a batch/v1 CronJob with the schedule, the time zone, Forbid, a 600 s starting deadline and 3 runs of history each', () => {
    expect(cronJob(s).apiVersion).toBe('batch/v1');
    expect(at(cronJob(s), 'spec')).toMatchObject({
      schedule: '0 2 * * *',
      timeZone: 'Europe/Berlin',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    expect(s.all('Job')).toEqual([]);
  });

  test('the job template: 3 retries, a 3600 s deadline, kept for 86400 s, labelled like the CronJob', () => {
    expect(jobSpec(s)).toMatchObject({ backoffLimit: 3, activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 86400 });
    expect(at(cronJob(s), 'spec.jobTemplate.metadata.labels')).toEqual(cronJob(s).metadata.labels);
    expect((cronJob(s).metadata.labels as Record<string, string>)['app.kubernetes.io/component']).toBe('batch');
  });

  test('pods: restartPolicy Never, no ServiceAccount token, 30 s of grace, the tool-worker preset', () => {
    const pod = podSpec(cronJob(s));
    expect(pod.restartPolicy).toBe('Never');
    expect(at(pod, 'serviceAccountName')).toBe(NAME);
    expect(at(pod, 'automountServiceAccountToken')).toBe(false);
    expect(at(s.get('ServiceAccount', NAME), 'automountServiceAccountToken')).toBe(false);
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    expect(mainContainer(cronJob(s)).resources).toEqual({ requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
  });

  test('the restricted security context at pod and container level', () => {
    expect(podSpec(cronJob(s)).securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(mainContainer(cronJob(s)).securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  test('a writable /tmp emptyDir of 1Gi', () => {
    expect(podSpec(cronJob(s)).volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }]);
    expect(mainContainer(cronJob(s)).volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });

  test('no Service, HPA or PodDisruptionBudget; a NetworkPolicy that admits nobody and allows only DNS', () => {
    expect(s.objects.filter((o) => nameLabel(o) === NAME).map((o) => o.kind).sort()).toEqual(['CronJob', 'NetworkPolicy', 'ServiceAccount']);
    expect(at(s.get('NetworkPolicy', NAME), 'spec.podSelector')).toEqual({ matchLabels: SELECTOR });
    expect(ingressPaths(s.get('NetworkPolicy', NAME))).toEqual([]);
    expect(egressPaths(s.get('NetworkPolicy', NAME))).toEqual(withDns());
  });
});

describe('AgentBatchJob options', () => {
  test('concurrencyPolicy, startingDeadlineSeconds and historyLimit', () => {
    const s = synthJob({ schedule: '*/15 * * * *', concurrencyPolicy: ConcurrencyPolicy.REPLACE, startingDeadlineSeconds: 120, historyLimit: 1 });
    expect(at(cronJob(s), 'spec')).toMatchObject({ concurrencyPolicy: 'Replace', startingDeadlineSeconds: 120, successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 });
  });

  test('concurrencyPolicy Allow', () => {
    expect(at(cronJob(synthJob({ schedule: '@hourly', concurrencyPolicy: ConcurrencyPolicy.ALLOW })), 'spec.concurrencyPolicy')).toBe('Allow');
  });

  test('no time zone: the field is left out (the controller\'s zone)', () => {
    expect(at(cronJob(synthJob({ schedule: '@daily' })), 'spec')).not.toHaveProperty('timeZone');
  });

  test('backoffLimit, activeDeadlineSeconds, ttlSecondsAfterFinished, tmpSizeLimit, command and args', () => {
    const s = synthJob({
      schedule: '0 2 * * *', backoffLimit: 0, activeDeadlineSeconds: 4 * 3600, ttlSecondsAfterFinished: 0, tmpSizeLimit: '4Gi',
      command: ['python', '-m', 'reindex'], args: ['--batch-size', '256'],
    });
    expect(jobSpec(s)).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 14400, ttlSecondsAfterFinished: 0 });
    expect(podSpec(cronJob(s)).volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '4Gi' } }]);
    expect(mainContainer(cronJob(s)).command).toEqual(['python', '-m', 'reindex']);
    expect(mainContainer(cronJob(s)).args).toEqual(['--batch-size', '256']);
  });

  test('env: secrets referenced from their Secret, ConfigMap keys and literals', () => {
    const s = synth((p) => {
      const db = new SecretSource(p, 'database-credentials', { keys: ['url'] });
      new k8s.KubeConfigMap(p, 'reindex-config', { metadata: { name: 'reindex-config' }, data: { BATCH_SIZE: '256' } });
      new AgentBatchJob(p, NAME, {
        image: IMAGE,
        schedule: '0 2 * * *',
        env: { DATABASE_URL: db.envValue('url'), BATCH_SIZE: EnvValue.fromConfigMap({ name: 'reindex-config' }, 'BATCH_SIZE'), LOG_LEVEL: 'info' },
      });
    }, prod());
    expect(mainContainer(cronJob(s)).env).toEqual([
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'database-credentials', key: 'url' } } },
      { name: 'BATCH_SIZE', valueFrom: { configMapKeyRef: { name: 'reindex-config', key: 'BATCH_SIZE' } } },
      { name: 'LOG_LEVEL', value: 'info' },
    ]);
    expect(s.all('Secret')).toEqual([]);
  });

  test('a literal secret-looking variable is refused outside development', () => {
    expect(problemsOfJob({ schedule: '0 2 * * *', env: { OPENAI_API_KEY: 'sk-not-a-real-key' } })).toEqual([
      expect.stringContaining(`[test/${NAME}] env.OPENAI_API_KEY: "OPENAI_API_KEY" looks like a secret, so a literal value is refused`),
    ]);
  });

  test('externalEndpoints: egress to the database range on its port', () => {
    const s = synthJob({ schedule: '0 2 * * *', externalEndpoints: [ExternalEndpoint.cidr('10.20.0.0/16', { ports: [5432] })] });
    expect(egressPaths(s.get('NetworkPolicy', NAME))).toEqual(withDns(cidrPath('10.20.0.0/16', 5432)));
  });
});

describe('AgentBatchJob wiring', () => {
  // GIVEN a nightly job wired to an MCP tool, a Redis and an inference pool
  const s = synth((p) => {
    const tool = new McpToolService(p, 'knowledge-base', { image: 'ghcr.io/acme/knowledge-base:1.0.0' });
    const cache = new RedisCacheStatefulSet(p, 'embeddings-cache', { replication: { enabled: false } });
    const llm = new GpuInferencePool(p, 'llm', { model: 'BAAI/bge-large-en-v1.5@d4aa6901d3a41ba39fb536a557fa166f842b0e09', replicas: 1 });
    new AgentBatchJob(p, NAME, { image: IMAGE, schedule: '0 2 * * *', tools: [tool], cache, inference: llm });
  }, prod());

  test('the connection settings of every provider', () => {
    expect(envOf(mainContainer(cronJob(s)))).toEqual({
      MCP_KNOWLEDGE_BASE_URL: { value: 'http://knowledge-base.agents.svc.cluster.local:8080/mcp' },
      MCP_KNOWLEDGE_BASE_TRANSPORT: { value: 'streamable-http' },
      REDIS_HOST: { value: 'embeddings-cache.agents.svc.cluster.local' },
      REDIS_PORT: { value: '6379' },
      REDIS_PASSWORD: { valueFrom: { secretKeyRef: { name: 'embeddings-cache-auth', key: 'password' } } },
      REDIS_URL: { value: 'redis://:$(REDIS_PASSWORD)@embeddings-cache.agents.svc.cluster.local:6379/0' },
      OPENAI_BASE_URL: { value: 'http://llm.agents.svc.cluster.local:8000/v1' },
      OPENAI_MODEL: { value: 'BAAI/bge-large-en-v1.5' },
    });
  });

  test('egress from the job to each provider on its port, and ingress on each provider from the job', () => {
    expect(egressPaths(s.get('NetworkPolicy', NAME))).toEqual(withDns(podPath('knowledge-base', 8080), podPath('embeddings-cache', 6379), podPath('llm', 8000)));
    expect(ingressPaths(s.get('NetworkPolicy', 'knowledge-base'))).toEqual([podPath(NAME, 8080)]);
    expect(ingressPaths(s.get('NetworkPolicy', 'embeddings-cache'))).toEqual([podPath(NAME, 6379)]);
    expect(ingressPaths(s.get('NetworkPolicy', 'llm'))).toEqual([podPath(NAME, 8000)]);
  });

  test('the providers are rendered before the job', () => {
    const job = indexOf(s.objects, 'CronJob', NAME);
    expect(indexOf(s.objects, 'Service', 'knowledge-base')).toBeLessThan(job);
    expect(indexOf(s.objects, 'StatefulSet', 'embeddings-cache')).toBeLessThan(job);
    expect(indexOf(s.objects, 'Deployment', 'llm')).toBeLessThan(job);
  });
});

describe('AgentBatchJob without a schedule: a one-off Job', () => {
  const s = synthJob({ activeDeadlineSeconds: 900 });

  test('a batch/v1 Job with the same job settings, and no CronJob', () => {
    const job = s.get('Job', NAME);
    expect(job.apiVersion).toBe('batch/v1');
    expect(at(job, 'spec')).toMatchObject({ backoffLimit: 3, activeDeadlineSeconds: 900, ttlSecondsAfterFinished: 86400 });
    expect(podSpec(job).restartPolicy).toBe('Never');
    expect(podSpec(job).volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }]);
    expect(mainContainer(job).image).toBe(IMAGE);
    expect(s.all('CronJob')).toEqual([]);
  });

  test('the Job\'s pod carries the job labels', () => {
    expect(at(s.get('Job', NAME), 'spec.template.metadata.labels')).toEqual(s.get('Job', NAME).metadata.labels);
  });

  test('in development too', () => {
    const job = synthJob({ image: 'acme/reindex:latest' }, dev()).get('Job', NAME);
    expect(mainContainer(job).resources).toEqual({ requests: { cpu: '125m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
  });
});

describe('AgentBatchJob refusals', () => {
  test.each(['every day', '0 2 * *', '0 2 * * * *', '@sometimes'])('schedule %p is refused, with an example and the macros', (schedule) => {
    expectOneProblem(problemsOfJob({ schedule }), {
      construct: `test/${NAME}`,
      field: 'schedule',
      value: JSON.stringify(schedule),
      allowed: ['must be a cron schedule: ', schedule.startsWith('@') ? 'is not a descriptor; use one of @yearly' : 'a schedule has five: minute hour day-of-month month day-of-week (e.g. "0 2 * * *"), or is a descriptor such as "@daily"'],
    });
  });

  test.each(['@daily', '@hourly', '@weekly', '30 3 * * 1-5', '*/10 * * * *'])('schedule %p is accepted', (schedule) => {
    expect(problemsOfJob({ schedule })).toEqual([]);
  });

  // Each field is checked against its range, as the CronJob controller would.
  test('a schedule with a field out of range (minute 99) is refused', () => {
    expect(problemsOfJob({ schedule: '99 2 * * *' })).toEqual([expect.stringContaining(`[test/${NAME}] schedule:`)]);
  });

  test.each(['Berlin Time', 'Europe/', 'UTC+2'])('time zone %p is refused with an IANA example', (timeZone) => {
    expectOneProblem(problemsOfJob({ schedule: '0 2 * * *', timeZone }), {
      construct: `test/${NAME}`, field: 'timeZone', value: JSON.stringify(timeZone), allowed: ['must be an IANA time zone such as "Europe/Berlin"'],
    });
  });

  test.each(['Etc/UTC', 'America/Argentina/Buenos_Aires', 'UTC'])('time zone %p is accepted', (timeZone) => {
    expect(problemsOfJob({ schedule: '0 2 * * *', timeZone })).toEqual([]);
  });

  // The zone must exist in the tz database, or the API server refuses the CronJob.
  test('a well-formed time zone that does not exist is refused', () => {
    expect(problemsOfJob({ schedule: '0 2 * * *', timeZone: 'Mars/Olympus_Mons' })).toEqual([expect.stringContaining(`[test/${NAME}] timeZone:`)]);
  });

  test('a name longer than 52 characters is refused (the CronJob limit)', () => {
    const name = `r${'e'.repeat(52)}`;
    expectOneProblem(problemsOfJob({ name, schedule: '0 2 * * *' }), { construct: `test/${NAME}`, field: 'name', value: JSON.stringify(name), allowed: ['must be at most 52 characters'] });
  });

  test('a name of exactly 52 characters is accepted', () => {
    const name = `r${'e'.repeat(51)}`;
    expect(synthJob({ name, schedule: '0 2 * * *' }).get('CronJob', name).metadata.name).toHaveLength(52);
  });

  test('a `latest` image is refused in production', () => {
    expectOneProblem(problemsOfJob({ image: 'ghcr.io/acme/reindex:latest', schedule: '0 2 * * *' }), {
      construct: `test/${NAME}`, field: 'image', value: '"ghcr.io/acme/reindex:latest"', allowed: ['uses the mutable tag "latest"'],
    });
  });

  test.each([
    ['backoffLimit', { backoffLimit: 101 }, '101', 'must be at most 100'],
    ['historyLimit', { historyLimit: 101 }, '101', 'must be at most 100'],
    ['activeDeadlineSeconds', { activeDeadlineSeconds: 0 }, '0', 'must be a positive integer'],
    ['startingDeadlineSeconds', { startingDeadlineSeconds: 0 }, '0', 'must be a positive integer'],
    ['ttlSecondsAfterFinished', { ttlSecondsAfterFinished: -1 }, '-1', 'must be an integer of 0 or more'],
  ])('%s out of range is refused', (field, overrides, value, message) => {
    expectOneProblem(problemsOfJob({ schedule: '0 2 * * *', ...overrides }), { construct: `test/${NAME}`, field, value, allowed: [message] });
  });
});

describe('AgentBatchJob: settings of a scheduled job on a one-off Job', () => {
  test.each([
    ['timeZone', { timeZone: 'Europe/Berlin' }],
    ['concurrencyPolicy', { concurrencyPolicy: ConcurrencyPolicy.ALLOW }],
    ['startingDeadlineSeconds', { startingDeadlineSeconds: 60 }],
    ['historyLimit', { historyLimit: 5 }],
  ])('%s without a schedule is refused instead of silently dropped', (field, props) => {
    // GIVEN a one-off Job (no schedule) with a CronJob-only setting
    const problems = problemsOfJob({ schedule: undefined, ...props });
    // THEN the setting is named, with both fixes
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^\\[test/${NAME}\\] ${field}: only applies to a scheduled job; set schedule for a CronJob, or remove it for a one-off Job`))]);
  });
});
