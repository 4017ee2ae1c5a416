import { cidrContains, edgeDiff, edgeKey, type ExternalHost, NetworkModel, type NetworkPolicy, type Pod, selectorMatches } from './network-model';

// The reachability test is only as good as its model of NetworkPolicy semantics: these cases pin
// the semantics the Kubernetes documentation describes, independently of the library.

const pod = (name: string, namespace: string, labels: Record<string, string>, ip: string, ports: Pod['ports'] = [{ name: 'http', port: 8080, protocol: 'TCP' }]): Pod =>
  ({ kind: 'pod', name, namespace, labels, ip, ports });

const web = pod('web', 'app', { app: 'web', tier: 'front' }, '10.244.0.2');
const api = pod('api', 'app', { app: 'api', tier: 'back' }, '10.244.0.3', [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }]);
const db = pod('db', 'data', { app: 'db' }, '10.244.1.4', [{ name: 'pg', port: 5432, protocol: 'TCP' }]);
const internet: ExternalHost = { kind: 'external', name: 'internet', ip: '93.184.216.34' };
const namespaces = { app: { team: 'a' }, data: { team: 'data' } };

const policy = (p: Partial<NetworkPolicy> & Pick<NetworkPolicy, 'name'>): NetworkPolicy => ({ namespace: 'app', podSelector: {}, ...p });

describe('label selectors', () => {
  test('matchLabels and every matchExpressions operator', () => {
    // GIVEN pod labels
    const labels = { app: 'api', tier: 'back' };
    // THEN each operator behaves as documented, and all requirements are ANDed
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'api' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'api', tier: 'front' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['back', 'mid'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'absent', operator: 'NotIn', values: ['x'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchLabels: { app: 'api' }, matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels)).toBe(false);
  });
});

describe('CIDR blocks', () => {
  test('containment with prefixes 0, 8, 12 and 32', () => {
    expect(cidrContains('0.0.0.0/0', '93.184.216.34')).toBe(true);
    expect(cidrContains('10.0.0.0/8', '10.244.0.3')).toBe(true);
    expect(cidrContains('10.0.0.0/8', '11.0.0.1')).toBe(false);
    expect(cidrContains('172.16.0.0/12', '172.31.255.255')).toBe(true);
    expect(cidrContains('172.16.0.0/12', '172.32.0.0')).toBe(false);
    expect(cidrContains('169.254.169.254/32', '169.254.169.254')).toBe(true);
    expect(cidrContains('2001:db8::/32', '10.0.0.1')).toBe(false);
  });
});

describe('NetworkPolicy semantics', () => {
  test('no policy at all: everything is allowed', () => {
    // GIVEN a namespace without policies
    const model = new NetworkModel([], namespaces);
    // THEN pods are not isolated in either direction
    expect(model.allows(web, api, 8080)).toBe(true);
    expect(model.allows(web, internet, 443)).toBe(true);
  });

  test('an empty podSelector selects every pod of its namespace only', () => {
    // GIVEN a default deny in namespace "app"
    const model = new NetworkModel([policy({ name: 'deny', policyTypes: ['Ingress', 'Egress'] })], namespaces);
    // THEN pods of "app" are isolated both ways, pods of "data" are not
    expect(model.allows(web, api, 8080)).toBe(false);
    expect(model.egressAllows(db, api, 8080)).toBe(true);
    expect(model.ingressAllows(db, api, 8080)).toBe(false);
    expect(model.allows(api, db, 5432)).toBe(false);
    expect(model.ingressAllows(api, db, 5432)).toBe(true);
  });

  test('policyTypes defaults to Ingress, plus Egress when an egress section is present', () => {
    // GIVEN a policy without policyTypes and without egress
    const ingressOnly = new NetworkModel([policy({ name: 'p', ingress: [] })], namespaces);
    // THEN it isolates ingress only
    expect(ingressOnly.egressAllows(web, internet, 443)).toBe(true);
    expect(ingressOnly.ingressAllows(web, api, 8080)).toBe(false);

    // GIVEN a policy without policyTypes but with an (empty) egress section
    const both = new NetworkModel([policy({ name: 'p', egress: [] })], namespaces);
    // THEN it isolates egress too
    expect(both.egressAllows(web, internet, 443)).toBe(false);
  });

  test('a rule without to/from matches every peer, a rule without ports every port', () => {
    // GIVEN api admits anyone on 8080 and web may reach anything on any port
    const model = new NetworkModel([
      policy({ name: 'api', podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 8080 }] }] }),
      policy({ name: 'web', podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{}] }),
    ], namespaces);
    // THEN
    expect(model.allows(web, api, 8080)).toBe(true);
    expect(model.allows(web, api, 9090)).toBe(false);
    expect(model.allows(db, api, 8080)).toBe(true);
    expect(model.allows(web, internet, 12345)).toBe(true);
  });

  test('a podSelector peer stays in the policy namespace; namespaceSelector and podSelector in one peer are ANDed, separate peers ORed', () => {
    // GIVEN db admits pods labelled app=api from namespaces with team=a, in one peer
    const anded = new NetworkModel([policy({
      name: 'db', namespace: 'data', podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: { matchLabels: { app: 'api' } } }] }],
    })], namespaces);
    // THEN only api qualifies
    expect(anded.allows(api, db, 5432)).toBe(true);
    expect(anded.allows(web, db, 5432)).toBe(false);

    // GIVEN the same selectors as two separate peers
    const ored = new NetworkModel([policy({
      name: 'db', namespace: 'data', podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } } }, { podSelector: { matchLabels: { app: 'api' } } }] }],
    })], namespaces);
    // THEN every pod of namespace app qualifies (the podSelector peer alone would look in "data")
    expect(ored.allows(web, db, 5432)).toBe(true);

    // GIVEN a podSelector-only peer on a policy of namespace "data"
    const sameNamespace = new NetworkModel([policy({
      name: 'db', namespace: 'data', podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }] }],
    })], namespaces);
    // THEN api, in namespace app, does not qualify
    expect(sameNamespace.allows(api, db, 5432)).toBe(false);

    // GIVEN the namespace is matched by its automatic kubernetes.io/metadata.name label
    const byName = new NetworkModel([policy({
      name: 'db', namespace: 'data', podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'app' } } }] }],
    })], namespaces);
    expect(byName.allows(web, db, 5432)).toBe(true);
  });

  test('named ports resolve on the destination; endPort ranges; protocols default to TCP', () => {
    // GIVEN web may reach port "metrics", 5000-5500 and 53/UDP
    const model = new NetworkModel([policy({
      name: 'web', podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'],
      egress: [{ ports: [{ port: 'metrics' }, { port: 5000, endPort: 5500 }, { port: 53, protocol: 'UDP' }] }],
    })], namespaces);
    // THEN
    expect(model.allows(web, api, 9090)).toBe(true);
    expect(model.allows(web, api, 8080)).toBe(false);
    expect(model.allows(web, db, 5432)).toBe(true);
    expect(model.allows(web, db, 5501)).toBe(false);
    expect(model.allows(web, internet, 53, 'UDP')).toBe(true);
    expect(model.allows(web, internet, 53, 'TCP')).toBe(false);
    // a named port never matches an address outside the pods
    expect(model.allows(web, internet, 9090)).toBe(false);
  });

  test('ipBlock matches addresses minus except ranges, and pods by their IP', () => {
    // GIVEN web may reach 0.0.0.0/0 except 10.0.0.0/8
    const model = new NetworkModel([policy({
      name: 'web', podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ port: 443 }] }],
    })], namespaces);
    // THEN the internet on 443 only, no pod (pod IPs are in 10.244.0.0/16)
    expect(model.allows(web, internet, 443)).toBe(true);
    expect(model.allows(web, internet, 80)).toBe(false);
    expect(model.allows(web, { kind: 'external', name: 'private', ip: '10.1.2.3' }, 443)).toBe(false);
    expect(model.allows(web, api, 443)).toBe(false);
  });

  test('rules of several policies selecting the same pod add up', () => {
    // GIVEN a default deny plus one allow
    const model = new NetworkModel([
      policy({ name: 'deny', policyTypes: ['Ingress', 'Egress'] }),
      policy({ name: 'web', podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 8080 }] }] }),
      policy({ name: 'api', podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] }),
    ], namespaces);
    // THEN web -> api:8080 is allowed, the reverse is not
    expect(model.allows(web, api, 8080)).toBe(true);
    expect(model.allows(api, web, 8080)).toBe(false);
  });
});

describe('edge diff', () => {
  test('is empty for equal sets and lists every connection with its status otherwise', () => {
    // GIVEN
    const declared = new Set([edgeKey('a', 'b', 80), edgeKey('a', 'c', 80)]);
    const allowed = new Set([edgeKey('a', 'b', 80), edgeKey('c', 'a', 80)]);
    // THEN
    expect(edgeDiff(declared, new Set(declared))).toBe('');
    const diff = edgeDiff(declared, allowed);
    expect(diff).toContain('2 mismatch(es)');
    expect(diff).toMatch(/a -> b:80\/TCP\s+ok/);
    expect(diff).toMatch(/a -> c:80\/TCP\s+DECLARED BUT BLOCKED/);
    expect(diff).toMatch(/c -> a:80\/TCP\s+ALLOWED BUT NOT DECLARED/);
  });
});
