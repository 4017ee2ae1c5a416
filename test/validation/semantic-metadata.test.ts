import { configMap, NS, serviceAccount, statefulSet, validSet, kedaSet } from './fixtures';
import { validateManifests } from '../validation';
import { mutated, deletePath, expectOnlyProblem, setPath } from './test-helpers';

const TEMPLATE = 'spec.template';


describe('rule 1: unique objects', () => {
  it('GIVEN the same ConfigMap twice WHEN validated THEN the second one is a duplicate', () => {
    const set = [...validSet(), configMap()];
    expectOnlyProblem(set, { path: 'metadata.name', message: 'duplicate object', rule: 'semantic', object: `v1 ConfigMap ${NS}/jd-classifier-config` });
  });

  it('GIVEN the same name in another namespace or for another kind WHEN validated THEN it is not a duplicate', () => {
    const other = configMap();
    setPath(other, 'metadata.namespace', 'other');
    const sameNameOtherKind = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'jd-classifier-config', namespace: NS }, stringData: { a: 'b' } };
    expect(validateManifests([...validSet(), other, sameNameOtherKind])).toEqual([]);
  });
});

describe('rule 2: names', () => {
  it('GIVEN an object name with uppercase and underscore WHEN validated THEN it is not a DNS-1123 subdomain', () => {
    const set = mutated('ServiceAccount', (sa) => setPath(sa, 'metadata.name', 'JD_Classifier'));
    expectOnlyProblem(set, { path: 'metadata.name', message: 'invalid ServiceAccount name "JD_Classifier"', rule: 'semantic' });
  });

  it('GIVEN a Service name starting with a digit WHEN validated THEN it is not a DNS-1035 label', () => {
    const extra = { apiVersion: 'v1', kind: 'Service', metadata: { name: '9-metrics', namespace: NS }, spec: { selector: { 'app.kubernetes.io/name': 'jd-classifier' }, ports: [{ port: 9090, targetPort: 'metrics' }] } };
    expectOnlyProblem([...validSet(), extra], { path: 'metadata.name', message: 'DNS-1035', rule: 'semantic' });
  });

  it('GIVEN a CronJob name of 53 characters WHEN validated THEN it is too long', () => {
    const set = mutated('CronJob', (cj) => setPath(cj, 'metadata.name', 'c'.repeat(53)), statefulSet);
    expectOnlyProblem(set, { path: 'metadata.name', message: 'no more than 52 characters', rule: 'semantic' });
  });

  it('GIVEN a container name with uppercase WHEN validated THEN it is not a DNS-1123 label', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${TEMPLATE}.spec.containers[0].name`, 'Classifier'));
    expectOnlyProblem(set, { path: `${TEMPLATE}.spec.containers[0].name`, message: 'invalid container name "Classifier"', rule: 'semantic' });
  });

  it('GIVEN a volume name with an underscore WHEN validated THEN it is not a DNS-1123 label', () => {
    const set = mutated('Deployment', (d) => {
      setPath(d, `${TEMPLATE}.spec.volumes[1].name`, 'tmp_dir');
      setPath(d, `${TEMPLATE}.spec.containers[0].volumeMounts[1].name`, 'tmp_dir');
    });
    expectOnlyProblem(set, { path: `${TEMPLATE}.spec.volumes[1].name`, message: 'invalid volume name "tmp_dir"', rule: 'semantic' });
  });

  it('GIVEN a container port name of 16 characters WHEN validated THEN it is not an IANA_SVC_NAME', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${TEMPLATE}.spec.containers[0].ports[1].name`, 'metrics-exporter'));
    expectOnlyProblem(set, { path: `${TEMPLATE}.spec.containers[0].ports[1].name`, message: 'no more than 15 characters', rule: 'semantic' });
  });

  it('GIVEN a Service port name with uppercase WHEN validated THEN it is not a DNS-1123 label', () => {
    const set = mutated('Service', (s) => setPath(s, 'spec.ports[1].name', 'Metrics'));
    expectOnlyProblem(set, { path: 'spec.ports[1].name', message: 'invalid Service port name "Metrics"', rule: 'semantic' });
  });

  it('GIVEN a Service targetPort name that is not an IANA_SVC_NAME WHEN validated THEN it is reported once', () => {
    const set = mutated('Service', (s) => setPath(s, 'spec.ports[0].targetPort', 'HTTP'));
    expectOnlyProblem(set, { path: 'spec.ports[0].targetPort', message: 'invalid targetPort name "HTTP"', rule: 'semantic' });
  });

  it('GIVEN RBAC names with colons WHEN validated THEN they are valid path segments and cluster-scoped', () => {
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:jd-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] };
    expect(validateManifests([role])).toEqual([]);
  });
});

describe('rule 3: labels and annotations', () => {
  it('GIVEN a label value with a space WHEN validated THEN it is reported at the label', () => {
    const set = mutated('Deployment', (d) => setPath(d, ['metadata', 'labels', 'app.kubernetes.io/version'], 'v1 beta'));
    expectOnlyProblem(set, { path: 'metadata.labels["app.kubernetes.io/version"]', message: 'invalid label value "v1 beta"', rule: 'semantic' });
  });

  it('GIVEN a label value of 64 characters in a pod template WHEN validated THEN it is too long', () => {
    const set = mutated('Deployment', (d) => setPath(d, ['spec', 'template', 'metadata', 'labels', 'build'], 'b'.repeat(64)));
    expectOnlyProblem(set, { path: `${TEMPLATE}.metadata.labels.build`, message: 'no more than 63 characters', rule: 'semantic' });
  });

  it('GIVEN a label key with two slashes WHEN validated THEN it is not a qualified name', () => {
    const set = mutated('ConfigMap', (c) => setPath(c, ['metadata', 'labels', 'a/b/c'], 'x'));
    expectOnlyProblem(set, { path: 'metadata.labels["a/b/c"]', message: 'invalid label key "a/b/c"', rule: 'semantic' });
  });

  it('GIVEN an annotation key with an uppercase prefix WHEN validated THEN it is not a qualified name', () => {
    const set = mutated('Ingress', (i) => setPath(i, ['metadata', 'annotations', 'Nginx.io/rewrite'], '/'));
    expectOnlyProblem(set, { path: 'metadata.annotations["Nginx.io/rewrite"]', message: 'invalid annotation key', rule: 'semantic' });
  });

  it('GIVEN annotations larger than 256KiB WHEN validated THEN the total size is reported', () => {
    const set = mutated('ConfigMap', (c) => setPath(c, 'metadata.annotations', { 'example.com/blob': 'x'.repeat(256 * 1024) }));
    expectOnlyProblem(set, { path: 'metadata.annotations', message: 'more than the 262144 allowed', rule: 'semantic' });
  });

  it('GIVEN an invalid value in a namespaceSelector matchLabels WHEN validated THEN it is reported', () => {
    const set = mutated('NetworkPolicy', (np) => setPath(np, ['spec', 'ingress', 0, 'from', 0, 'namespaceSelector', 'matchLabels', 'kubernetes.io/metadata.name'], 'ingress nginx'));
    expectOnlyProblem(set, { path: 'spec.ingress[0].from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]', message: 'invalid label value', rule: 'semantic' });
  });

  it('GIVEN a matchExpressions operator that does not exist WHEN validated THEN it is reported', () => {
    const set = mutated('NetworkPolicy', (np) => setPath(np, 'spec.ingress[0].from[0]', { podSelector: { matchExpressions: [{ key: 'tier', operator: 'Equals', values: ['web'] }] } }));
    expectOnlyProblem(set, { path: 'spec.ingress[0].from[0].podSelector.matchExpressions[0].operator', message: 'is not one of In, NotIn, Exists, DoesNotExist', rule: 'semantic' });
  });

  it('GIVEN an In expression without values WHEN validated THEN it is reported', () => {
    const set = mutated('NetworkPolicy', (np) => setPath(np, 'spec.ingress[0].from[0]', { podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: [] }] } }));
    expectOnlyProblem(set, { path: 'spec.ingress[0].from[0].podSelector.matchExpressions[0].values', message: 'requires at least one value', rule: 'semantic' });
  });

  it('GIVEN an invalid key in a Service selector WHEN validated THEN it is reported (and the selector still matches nothing else)', () => {
    const set = mutated('Service', (s) => setPath(s, ['spec', 'selector', 'bad key'], 'x'));
    const problems = validateManifests(set);
    expect(problems[0]).toMatchObject({ path: 'spec.selector["bad key"]', message: expect.stringContaining('invalid label key') });
  });
});

describe('rule 11: namespaces', () => {
  it('GIVEN a namespaced object without namespace WHEN validated THEN metadata.namespace is required', () => {
    const set = mutated('ServiceAccount', (sa) => deletePath(sa, 'metadata.namespace'));
    expectOnlyProblem(set, { path: 'metadata.namespace', message: 'ServiceAccount is namespaced', rule: 'semantic', object: 'v1 ServiceAccount jd-classifier' });
  });

  it('GIVEN a namespaced custom resource without namespace WHEN validated THEN the CRD scope is used', () => {
    const set = mutated('ServiceMonitor', (sm) => deletePath(sm, 'metadata.namespace'), kedaSet);
    expectOnlyProblem(set, { path: 'metadata.namespace', message: 'ServiceMonitor is namespaced', rule: 'semantic' });
  });

  it('GIVEN cluster-scoped kinds without namespace WHEN validated THEN nothing is reported', () => {
    const objects = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } },
      { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'gpu-high' }, value: 1000 },
      { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'ebs.csi.aws.com' },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' } },
    ];
    expect(validateManifests(objects)).toEqual([]);
  });

  it('GIVEN an invalid namespace value WHEN validated THEN it is reported', () => {
    const sa = serviceAccount();
    setPath(sa, 'metadata.namespace', 'Agentic_AI');
    expectOnlyProblem([sa], { path: 'metadata.namespace', message: 'invalid namespace "Agentic_AI"', rule: 'semantic' });
  });
});

describe('ConfigMap and Secret keys', () => {
  it('GIVEN a data key with a slash WHEN validated THEN it is not a valid key', () => {
    const set = mutated('ConfigMap', (c) => setPath(c, ['data', 'conf/app.yaml'], 'x'));
    expectOnlyProblem(set, { path: 'data["conf/app.yaml"]', message: 'invalid ConfigMap key', rule: 'semantic' });
  });

  // The fixture's own data (LOG_LEVEL, app.yaml) counts too; keys do not.
  const fixtureBytes = Object.values(configMap().data as Record<string, string>).reduce((total, v) => total + Buffer.byteLength(v), 0);

  it('GIVEN data and binaryData of exactly 1 MiB together WHEN validated THEN it passes; one byte more THEN it is too large', () => {
    // "AAAA" decodes to 3 bytes
    const fill = (text: number) => (c: Parameters<typeof setPath>[0]) => {
      setPath(c, ['data', 'a.txt'], 'x'.repeat(text));
      setPath(c, 'binaryData', { 'b.bin': 'AAAA' });
    };
    expect(validateManifests(mutated('ConfigMap', fill(1024 * 1024 - 3 - fixtureBytes)), { domainRules: false })).toEqual([]);
    const over = mutated('ConfigMap', fill(1024 * 1024 - 2 - fixtureBytes));
    expectOnlyProblem(over, { path: '', message: 'ConfigMap data totals 1048577 bytes, more than the 1048576 (1 MiB) the API server accepts', rule: 'semantic' });
  });

  it('GIVEN multi-byte text WHEN validated THEN its UTF-8 bytes count, not its characters', () => {
    const over = mutated('ConfigMap', (c) => setPath(c, ['data', 'a.txt'], 'é'.repeat(512 * 1024)));
    expectOnlyProblem(over, { path: '', message: `ConfigMap data totals ${1024 * 1024 + fixtureBytes} bytes`, rule: 'semantic' });
  });

  it('GIVEN a key both in data and binaryData WHEN validated THEN it is reported', () => {
    const set = mutated('ConfigMap', (c) => setPath(c, 'binaryData', { LOG_LEVEL: 'aW5mbw==' }));
    expectOnlyProblem(set, { path: 'binaryData.LOG_LEVEL', message: 'also in data', rule: 'semantic' });
  });
});
