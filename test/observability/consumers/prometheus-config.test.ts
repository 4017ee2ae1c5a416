import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import * as yaml from 'yaml';
import { describeWithPrograms, freePort, makeTempDir, removeTempDir, runProgram, startProcess, stopAllProcesses, waitFor } from '../../helpers/programs';
import { at } from '../../helpers/synth';
import { configMapFile, selfHostedSubjects, type Subject } from './fixtures';
import { kubernetesSdConfigSchema, META_LABELS, nodeTargets, podsOf, podTargets, sanitize } from './kubernetes-sd';

// Every generated prometheus.yml passes `promtool check config` (rule files included) and loads in
// the real Prometheus, whose relabelings turn the pods of the manifests into exactly the targets
// the annotations name. Debian's build has no Kubernetes discovery: see kubernetes-sd.ts for how
// those blocks are checked instead.

const describePrometheus = describeWithPrograms(['promtool', 'prometheus']);

type ScrapeConfig = Record<string, unknown> & { job_name: string; kubernetes_sd_configs?: { role: string }[]; relabel_configs?: { source_labels?: string[]; target_label?: string }[] };
interface PrometheusYml { rule_files: string[]; scrape_configs: ScrapeConfig[] }

const parse = (subject: Subject): PrometheusYml => yaml.parse(configMapFile(subject, 'prometheus-config', 'prometheus.yml')) as PrometheusYml;

/** Absolute paths of the config, moved below `root` (the container's files, written there by `prepare`). */
function rebase(root: string, file: string): string {
  return path.join(root, file);
}

/**
 * The config as the real Prometheus here can read it: every Kubernetes discovery block replaced
 * by a file discovery block listing the targets discovery would produce, files below `root`.
 */
function prepare(subject: Subject, root: string): string {
  const config = parse(subject);
  fs.mkdirSync(rebase(root, '/etc/prometheus/rules'), { recursive: true });
  fs.writeFileSync(rebase(root, '/etc/prometheus/rules/alerts.yaml'), configMapFile(subject, 'prometheus-rules', 'alerts.yaml'));
  fs.mkdirSync(rebase(root, '/var/run/secrets/kubernetes.io/serviceaccount'), { recursive: true });
  fs.writeFileSync(rebase(root, '/var/run/secrets/kubernetes.io/serviceaccount/token'), 'token');
  fs.writeFileSync(rebase(root, '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt'), '');
  const jobs = config.scrape_configs.map((job) => {
    const { kubernetes_sd_configs: sd, ...rest } = job;
    const withFiles = JSON.parse(JSON.stringify(rest).replace(/"(\/var\/run\/secrets\/[^"]+)"/g, (_, p: string) => JSON.stringify(rebase(root, p)))) as ScrapeConfig;
    if (!sd) {
      return withFiles;
    }
    const file = path.join(root, `targets-${job.job_name}.json`);
    const groups = sd.flatMap((block) => (block.role === 'node' ? nodeTargets() : podTargets(subject.objects, subject.namespace)));
    fs.writeFileSync(file, JSON.stringify(groups));
    return { ...withFiles, file_sd_configs: [{ files: [file] }] };
  });
  const out = { ...config, rule_files: config.rule_files.map((f) => rebase(root, f)), scrape_configs: jobs };
  const file = path.join(root, 'prometheus.yml');
  fs.writeFileSync(file, yaml.stringify(out));
  return file;
}

function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (error) {
          reject(error);
        }
      });
    }).on('error', reject);
  });
}

interface ActiveTarget { scrapePool: string; labels: Record<string, string>; discoveredLabels: Record<string, string>; scrapeUrl: string }

describe('the Kubernetes discovery blocks, checked structurally', () => {
  test.each(selfHostedSubjects().map((s) => [s.label, s] as const))('%s: documented fields only, the namespace only, meta labels of the role only', (_label, subject) => {
    const jobs = parse(subject).scrape_configs.filter((j) => j.kubernetes_sd_configs);
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) {
      for (const block of job.kubernetes_sd_configs ?? []) {
        const result = kubernetesSdConfigSchema.safeParse(block);
        expect({ job: job.job_name, issues: result.success ? [] : result.error.issues }).toEqual({ job: job.job_name, issues: [] });
        if (block.role === 'pod') {
          // pods are discovered in the app's namespace only (a namespaced Role suffices)
          expect(at(block, 'namespaces.names')).toEqual([subject.namespace]);
        }
        const read = (job.relabel_configs ?? []).flatMap((r) => r.source_labels ?? []).filter((l) => l.startsWith('__meta_kubernetes_'));
        expect(read.length).toBeGreaterThan(0);
        const unknown = read.filter((label) => !(META_LABELS[block.role] ?? []).some((re) => re.test(label)));
        expect({ job: job.job_name, role: block.role, unknown }).toEqual({ job: job.job_name, role: block.role, unknown: [] });
      }
    }
  });
});

interface Loaded {
  readonly check: { status: number | null; output: string };
  readonly targets: readonly ActiveTarget[];
  readonly loadedRules: number;
}

/** Checks the config with promtool, then runs Prometheus on it until its targets are discovered (discovery batches updates for 5 s). */
async function load(subject: Subject): Promise<Loaded> {
  const root = makeTempDir('prometheus');
  try {
    const file = prepare(subject, root);
    const result = runProgram('promtool', ['check', 'config', file]);
    const check = { status: result.status, output: `${result.stdout}${result.stderr}` };
    const port = await freePort();
    const server = startProcess('prometheus', [`--config.file=${file}`, `--storage.tsdb.path=${path.join(root, 'data')}`, `--web.listen-address=127.0.0.1:${port}`]);
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor('Prometheus to be ready', async () => (await getJson(`${base}/api/v1/status/buildinfo`)) as object, 30_000, 200);
      const targets = await waitFor('the discovered targets', async () => {
        const body = (await getJson(`${base}/api/v1/targets?state=active`)) as { data: { activeTargets: ActiveTarget[] } };
        return body.data.activeTargets.some((t) => t.scrapePool === 'kubernetes-pods') ? body.data.activeTargets : undefined;
      }, 30_000, 200);
      const rules = (await getJson(`${base}/api/v1/rules`)) as { data: { groups: { rules: unknown[] }[] } };
      return { check, targets, loadedRules: rules.data.groups.flatMap((g) => g.rules).length };
    } finally {
      await server.stop();
    }
  } finally {
    removeTempDir(root);
  }
}

describePrometheus('promtool check config and the real Prometheus', () => {
  const subjects = selfHostedSubjects();
  // All Prometheus servers start at once: each waits 5 s for discovery.
  let loaded: Promise<Loaded[]>;
  beforeAll(() => {
    loaded = Promise.all(subjects.map(load));
  });
  afterAll(stopAllProcesses);

  test('the subjects are every self-hosted app and environment', () => {
    expect(subjects.map((s) => s.label)).toEqual(['emm/dev', 'emm/staging', 'emm/prod', 'sample/self-hosted', 'queues-and-mig/self-hosted', 'queues-and-mig/dev']);
  });

  test.each(subjects.map((s, i) => [s.label, s, i] as const))('%s', async (_label, subject, index) => {
    const result = (await loaded)[index];
    // promtool accepts the config, rule files included
    expect(result.check).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
    expect(result.check.output).toMatch(/SUCCESS: [0-9]+ rules found/);
    // AND the real Prometheus loaded every rule and discovered exactly the annotated targets
    const written = (yaml.parse(configMapFile(subject, 'prometheus-rules', 'alerts.yaml')) as { groups: { rules: unknown[] }[] }).groups.flatMap((g) => g.rules).length;
    expect(result.loadedRules).toBe(written);
    expectTargets(subject, result.targets);
  }, 60_000);
});

/**
 * Independent of the library: every pod annotated `prometheus.io/scrape: "true"` is one target,
 * on the port and path its annotations name, labelled with its namespace, pod, container and the
 * `app.kubernetes.io/name` and `component` labels; no app port is a target.
 */
function expectTargets(subject: Subject, targets: readonly ActiveTarget[]): void {
  const annotated = podsOf(subject.objects).filter((p) => p.template.metadata?.annotations?.['prometheus.io/scrape'] === 'true');
  expect(annotated.length).toBeGreaterThan(0);
  const pods = targets.filter((t) => t.scrapePool === 'kubernetes-pods');
  const expected = annotated.map((p) => {
    const annotations = p.template.metadata?.annotations ?? {};
    const labels = p.template.metadata?.labels ?? {};
    const container = (p.template.spec?.containers ?? []).find((c) => (c.ports ?? []).some((port) => String(port.containerPort) === annotations['prometheus.io/port']));
    return {
      pod: p.name,
      port: annotations['prometheus.io/port'],
      path: annotations['prometheus.io/path'],
      labels: { namespace: subject.namespace, pod: p.name, container: container?.name, workload: labels['app.kubernetes.io/name'], component: labels['app.kubernetes.io/component'] },
    };
  }).sort((a, b) => a.pod.localeCompare(b.pod));
  const actual = pods.map((t) => ({
    pod: t.labels.pod,
    port: new URL(t.scrapeUrl).port,
    path: new URL(t.scrapeUrl).pathname,
    labels: { namespace: t.labels.namespace, pod: t.labels.pod, container: t.labels.container, workload: t.labels.workload, component: t.labels.component },
  })).sort((a, b) => a.pod.localeCompare(b.pod));
  expect(actual).toEqual(expected);
  // the app ports of agents and tools (8080) are never scraped
  expect(pods.filter((t) => new URL(t.scrapeUrl).port === '8080')).toEqual([]);
  // kube-state-metrics is its own job, with honor_labels, on its metrics port
  const ksm = targets.filter((t) => t.scrapePool === 'kube-state-metrics');
  expect(ksm.map((t) => [t.labels.workload, new URL(t.scrapeUrl).port])).toEqual([['kube-state-metrics', '8080']]);
  const selfJob = targets.filter((t) => t.scrapePool === 'prometheus');
  expect(selfJob.map((t) => t.labels.workload)).toEqual(['prometheus']);
  const cadvisor = targets.filter((t) => t.scrapePool === 'kubelet-cadvisor');
  if (cadvisor.length > 0) {
    expect(cadvisor.map((t) => t.scrapeUrl).sort()).toEqual(['https://127.0.2.1:10250/metrics/cadvisor', 'https://127.0.2.2:10250/metrics/cadvisor']);
  }
  expect(sanitize('app.kubernetes.io/name')).toBe('app_kubernetes_io_name');
}
