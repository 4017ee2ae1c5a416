import { NS, statefulSet, validSet } from './fixtures';
import { validateManifests } from '../validation';
import { byKind, mutated, deletePath, expectOnlyProblem, setPath } from './test-helpers';

const SERVICE = `v1 Service ${NS}/jd-classifier`;
const BACKEND = 'spec.rules[0].http.paths[0].backend';


describe('rule 5: Services', () => {
  it('GIVEN a Service selector that matches no pod template WHEN validated THEN the selector is reported', () => {
    const set = mutated('Service', (s) => setPath(s, ['spec', 'selector', 'app.kubernetes.io/name'], 'nope'));
    expectOnlyProblem(set, { object: SERVICE, path: 'spec.selector', message: 'selects no pod template in namespace agentic-ai', rule: 'semantic' });
  });

  it('GIVEN a Service in another namespace than the pods WHEN validated THEN it selects nothing', () => {
    const set = validSet().filter((o) => o.kind !== 'Ingress');
    setPath(byKind(set, 'Service'), 'metadata.namespace', 'other');
    expectOnlyProblem(set, { path: 'spec.selector', message: 'selects no pod template in namespace other', rule: 'semantic' });
  });

  it('GIVEN a numeric targetPort that no container declares WHEN validated THEN the port is reported', () => {
    const set = mutated('Service', (s) => setPath(s, 'spec.ports[1].targetPort', 9091));
    expectOnlyProblem(set, { path: 'spec.ports[1].targetPort', message: 'containerPort 9091/TCP is not declared by any container of the selected pods (Deployment jd-classifier)', rule: 'semantic' });
  });

  it('GIVEN a named targetPort that no container declares WHEN validated THEN the port is reported', () => {
    const set = mutated('Service', (s) => setPath(s, 'spec.ports[0].targetPort', 'web'));
    expectOnlyProblem(set, { path: 'spec.ports[0].targetPort', message: 'named port "web"/TCP is not declared', rule: 'semantic' });
  });

  it('GIVEN a port without targetPort WHEN the port is not a containerPort THEN the port is reported', () => {
    const set = mutated('Service', (s) => deletePath(s, 'spec.ports[0].targetPort'));
    expectOnlyProblem(set, { path: 'spec.ports[0].port', message: 'containerPort 80/TCP', rule: 'semantic' });
  });

  it('GIVEN a port without targetPort WHEN the port is a containerPort THEN it is fine', () => {
    const set = mutated('Service', (s) => setPath(s, 'spec.ports[1]', { name: 'metrics', port: 9090 }));
    expect(validateManifests(set)).toEqual([]);
  });

  it('GIVEN a UDP Service port onto a TCP containerPort WHEN validated THEN the protocol must match', () => {
    const set = mutated('Service', (s) => setPath(s, 'spec.ports[1].protocol', 'UDP'));
    expectOnlyProblem(set, { path: 'spec.ports[1].targetPort', message: 'containerPort 9090/UDP', rule: 'semantic' });
  });

  it('GIVEN a headless Service on a port the StatefulSet lacks WHEN validated THEN the same rule applies', () => {
    const set = mutated('Service', (s) => setPath(s, 'spec.ports[0].port', 6380), statefulSet);
    expectOnlyProblem(set, { path: 'spec.ports[0].port', message: 'containerPort 6380/TCP', rule: 'semantic' });
  });

  it('GIVEN ExternalName and selector-less Services WHEN validated THEN they are skipped', () => {
    const external = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'openai', namespace: NS }, spec: { type: 'ExternalName', externalName: 'api.openai.com' } };
    const manual = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'legacy', namespace: NS }, spec: { ports: [{ port: 5432 }] } };
    expect(validateManifests([external, manual])).toEqual([]);
  });

  it('GIVEN two Service ports where one has no name WHEN validated THEN the name is required', () => {
    const set = mutated('Service', (s) => deletePath(s, 'spec.ports[1].name'));
    expectOnlyProblem(set, { path: 'spec.ports[1].name', message: 'every port needs a name', rule: 'semantic' });
  });

  it('GIVEN two Service ports with the same port and protocol WHEN validated THEN the second is a duplicate', () => {
    const set = mutated('Service', (s) => setPath(s, 'spec.ports[1].port', 80));
    expectOnlyProblem(set, { path: 'spec.ports[1].port', message: 'duplicate Service port 80/TCP', rule: 'semantic' });
  });
});

describe('rule 9: Ingress', () => {
  it('GIVEN an Ingress backend on a Service that is not in the set WHEN validated THEN the name is reported', () => {
    const set = mutated('Ingress', (i) => setPath(i, `${BACKEND}.service.name`, 'ghost'));
    expectOnlyProblem(set, { path: `${BACKEND}.service.name`, message: 'Service "ghost" is not in the set', rule: 'semantic' });
  });

  it('GIVEN an Ingress backend port name the Service does not have WHEN validated THEN the port is reported', () => {
    const set = mutated('Ingress', (i) => setPath(i, `${BACKEND}.service.port`, { name: 'https' }));
    expectOnlyProblem(set, { path: `${BACKEND}.service.port.name`, message: 'has no port named "https"', rule: 'semantic' });
  });

  it('GIVEN an Ingress backend port number WHEN it is the container port instead of the Service port THEN it is reported', () => {
    const set = mutated('Ingress', (i) => setPath(i, `${BACKEND}.service.port`, { number: 8080 }));
    expectOnlyProblem(set, { path: `${BACKEND}.service.port.number`, message: 'has no port 8080', rule: 'semantic' });
  });

  it('GIVEN a defaultBackend on a valid Service port number WHEN validated THEN it is fine', () => {
    const set = mutated('Ingress', (i) => setPath(i, 'spec.defaultBackend', { service: { name: 'jd-classifier', port: { number: 80 } } }));
    expect(validateManifests(set)).toEqual([]);
  });
});

describe('rule 10: NetworkPolicy', () => {
  it('GIVEN a NetworkPolicy without podSelector WHEN validated THEN the schema requires it', () => {
    const set = mutated('NetworkPolicy', (np) => deletePath(np, 'spec.podSelector'));
    expectOnlyProblem(set, { path: 'spec.podSelector', message: 'missing required field "podSelector"', rule: 'schema' });
  });

  it('GIVEN an empty podSelector WHEN validated THEN it selects every pod and is fine', () => {
    const set = mutated('NetworkPolicy', (np) => setPath(np, 'spec.podSelector', {}));
    expect(validateManifests(set)).toEqual([]);
  });

  it('GIVEN an ingress named port the selected pods do not declare WHEN validated THEN it is reported', () => {
    const set = mutated('NetworkPolicy', (np) => setPath(np, 'spec.ingress[0].ports[0].port', 'grpc'));
    expectOnlyProblem(set, { path: 'spec.ingress[0].ports[0].port', message: 'named port "grpc" is not declared by any pod the policy selects', rule: 'semantic' });
  });

  it('GIVEN a policy port name that is not an IANA_SVC_NAME WHEN validated THEN it is reported once', () => {
    const set = mutated('NetworkPolicy', (np) => setPath(np, 'spec.ingress[0].ports[0].port', 'HTTP'));
    expectOnlyProblem(set, { path: 'spec.ingress[0].ports[0].port', message: 'invalid port name "HTTP"', rule: 'semantic' });
  });

  it('GIVEN a policy port number above 65535 WHEN validated THEN it is out of range', () => {
    const set = mutated('NetworkPolicy', (np) => setPath(np, 'spec.egress[0].ports[0].port', 70000));
    expectOnlyProblem(set, { path: 'spec.egress[0].ports[0].port', message: 'out of range 1-65535', rule: 'semantic' });
  });

  it('GIVEN an endPort below the port WHEN validated THEN it is reported', () => {
    const set = mutated('NetworkPolicy', (np) => setPath(np, 'spec.egress[0].ports[1].endPort', 7000));
    expectOnlyProblem(set, { path: 'spec.egress[0].ports[1].endPort', message: 'endPort 7000 is lower than port 8000', rule: 'semantic' });
  });

  it('GIVEN an endPort with a named port WHEN validated THEN it is reported', () => {
    const set = mutated('NetworkPolicy', (np) => setPath(np, 'spec.ingress[0].ports[0].endPort', 9000));
    expectOnlyProblem(set, { path: 'spec.ingress[0].ports[0].endPort', message: 'endPort requires a numeric port', rule: 'semantic' });
  });
});
