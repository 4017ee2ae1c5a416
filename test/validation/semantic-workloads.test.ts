import { statefulSet } from './fixtures';
import { validateManifests } from '../validation';
import { mutated, getPath, expectOnlyProblem, setPath } from './test-helpers';
import { type JsonObject } from '../../lib/validation/util';

const POD = 'spec.template.spec';
const C0 = `${POD}.containers[0]`;


function push(root: JsonObject, path: string, item: unknown): void {
  const items = getPath(root, path);
  if (!Array.isArray(items)) throw new Error(`${path} is not an array`);
  items.push(item);
}

describe('rule 4: workload selectors', () => {
  it('GIVEN the StatefulSet + headless Service + CronJob set WHEN validated THEN it is valid', () => {
    expect(validateManifests(statefulSet())).toEqual([]);
  });

  it('GIVEN a Deployment selector that does not match its template WHEN validated THEN the selector is reported', () => {
    const set = mutated('Deployment', (d) => setPath(d, ['spec', 'selector', 'matchLabels', 'app.kubernetes.io/name'], 'other'));
    expectOnlyProblem(set, { path: 'spec.selector', message: 'selector does not match the pod template labels', rule: 'semantic' });
  });

  it('GIVEN a matchExpressions selector that excludes the template WHEN validated THEN the selector is reported', () => {
    const set = mutated('StatefulSet', (s) => setPath(s, 'spec.selector.matchExpressions[0].operator', 'NotIn'), statefulSet);
    expectOnlyProblem(set, { path: 'spec.selector', message: 'does not match', rule: 'semantic' });
  });

  it('GIVEN Exists and DoesNotExist expressions WHEN they agree with the template THEN they match', () => {
    const set = mutated('StatefulSet', (s) => setPath(s, 'spec.selector.matchExpressions', [
      { key: 'app.kubernetes.io/name', operator: 'Exists' },
      { key: 'canary', operator: 'DoesNotExist' },
    ]), statefulSet);
    expect(validateManifests(set)).toEqual([]);
  });

  it('GIVEN an empty Deployment selector WHEN validated THEN it is invalid', () => {
    const set = mutated('Deployment', (d) => setPath(d, 'spec.selector', {}));
    expectOnlyProblem(set, { path: 'spec.selector', message: 'empty selector is invalid for a Deployment', rule: 'semantic' });
  });

  it('GIVEN a CronJob job selector that does not match WHEN validated THEN the jobTemplate selector is reported', () => {
    const set = mutated('CronJob', (cj) => setPath(cj, 'spec.jobTemplate.spec.selector', { matchLabels: { x: 'y' } }), statefulSet);
    expectOnlyProblem(set, { path: 'spec.jobTemplate.spec.selector', message: 'does not match', rule: 'semantic' });
  });

  it('GIVEN a StatefulSet whose serviceName has no Service WHEN validated THEN it is reported', () => {
    const set = mutated('StatefulSet', (s) => setPath(s, 'spec.serviceName', 'redis-headless'), statefulSet);
    expectOnlyProblem(set, { path: 'spec.serviceName', message: 'governing Service "redis-headless" is not in the set', rule: 'semantic' });
  });
});

describe('rule 4: pod templates', () => {
  it('GIVEN a volumeMount without matching volume WHEN validated THEN it is reported', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.volumeMounts[1].name`, 'cache'));
    expectOnlyProblem(set, { path: `${C0}.volumeMounts[1].name`, message: 'mounts volume "cache" but the pod has no such volume', rule: 'semantic' });
  });

  it('GIVEN a StatefulSet mount served by a volumeClaimTemplate that is renamed WHEN validated THEN the mount is uncovered', () => {
    const set = mutated('StatefulSet', (s) => setPath(s, 'spec.volumeClaimTemplates[0].metadata.name', 'storage'), statefulSet);
    expectOnlyProblem(set, { path: `${C0}.volumeMounts[0].name`, message: 'mounts volume "data"', rule: 'semantic' });
  });

  it('GIVEN two volumes with the same name WHEN validated THEN the second is a duplicate', () => {
    const set = mutated('Deployment', (d) => push(d, `${POD}.volumes`, { name: 'tmp', emptyDir: {} }));
    expectOnlyProblem(set, { path: `${POD}.volumes[2].name`, message: 'duplicate volume name "tmp"', rule: 'semantic' });
  });

  it('GIVEN two containers with the same name WHEN validated THEN the second is a duplicate', () => {
    const set = mutated('Deployment', (d) => push(d, `${POD}.containers`, { name: 'classifier', image: 'envoy:1.30', resources: { requests: { cpu: '50m' } } }));
    expectOnlyProblem(set, { path: `${POD}.containers[1].name`, message: 'duplicate container name "classifier"', rule: 'semantic' });
  });

  it('GIVEN an init container named like a container WHEN validated THEN it is a duplicate across both lists', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${POD}.initContainers`, [{ name: 'classifier', image: 'busybox' }]));
    expectOnlyProblem(set, { path: `${C0}.name`, message: 'duplicate container name', rule: 'semantic' });
  });

  it('GIVEN the same env var twice in a container WHEN validated THEN the second is a duplicate', () => {
    const set = mutated('Deployment', (d) => push(d, `${C0}.env`, { name: 'LOG_LEVEL', value: 'debug' }));
    expectOnlyProblem(set, { path: `${C0}.env[2].name`, message: 'duplicate env var "LOG_LEVEL"', rule: 'semantic' });
  });

  it('GIVEN the same containerPort and protocol twice in a pod WHEN validated THEN it is a duplicate', () => {
    const set = mutated('Deployment', (d) => push(d, `${C0}.ports`, { name: 'alt', containerPort: 8080 }));
    expectOnlyProblem(set, { path: `${C0}.ports[2].containerPort`, message: 'duplicate containerPort/protocol in the pod "8080/TCP"', rule: 'semantic' });
  });

  it('GIVEN the same port number with another protocol WHEN validated THEN it is fine', () => {
    const set = mutated('Deployment', (d) => push(d, `${C0}.ports`, { name: 'udp', containerPort: 8080, protocol: 'UDP' }));
    expect(validateManifests(set)).toEqual([]);
  });

  it('GIVEN the same port name twice in a container WHEN validated THEN it is a duplicate', () => {
    const set = mutated('Deployment', (d) => push(d, `${C0}.ports`, { name: 'http', containerPort: 8081 }));
    expectOnlyProblem(set, { path: `${C0}.ports[2].name`, message: 'duplicate port name "http"', rule: 'semantic' });
  });

  it('GIVEN a containerPort above 65535 WHEN validated THEN it is out of range', () => {
    const set = mutated('Deployment', (d) => push(d, `${C0}.ports`, { containerPort: 70000 }));
    expectOnlyProblem(set, { path: `${C0}.ports[2].containerPort`, message: 'out of range 1-65535', rule: 'semantic' });
  });

  it('GIVEN a probe on a port name the container does not have WHEN validated THEN it is reported', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.readinessProbe.httpGet.port`, 'healthz'));
    expectOnlyProblem(set, { path: `${C0}.readinessProbe.httpGet.port`, message: 'port "healthz" is not a named port of container "classifier"', rule: 'semantic' });
  });

  it('GIVEN a lifecycle hook on an unknown port name WHEN validated THEN it is reported', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.lifecycle`, { preStop: { httpGet: { path: '/drain', port: 'admin' } } }));
    expectOnlyProblem(set, { path: `${C0}.lifecycle.preStop.httpGet.port`, message: 'port "admin"', rule: 'semantic' });
  });

  it('GIVEN a probe port number of 0 WHEN validated THEN it is out of range', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.livenessProbe.tcpSocket.port`, 0));
    expectOnlyProblem(set, { path: `${C0}.livenessProbe.tcpSocket.port`, message: 'out of range', rule: 'semantic' });
  });

  it('GIVEN a cpu request above the cpu limit WHEN validated THEN the request is reported', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.resources.requests.cpu`, '2'));
    expectOnlyProblem(set, { path: `${C0}.resources.requests.cpu`, message: 'cpu request 2 exceeds limit 1', rule: 'semantic' });
  });

  it('GIVEN requests equal to limits written in other units WHEN validated THEN they compare numerically', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.resources`, { requests: { cpu: '1000m', memory: '0.5Gi' }, limits: { cpu: 1, memory: '512Mi' } }));
    expect(validateManifests(set)).toEqual([]);
  });

  it('GIVEN a memory request of 1G above a 512Mi limit WHEN validated THEN decimal vs binary suffixes are compared', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.resources.requests.memory`, '1G'));
    expectOnlyProblem(set, { path: `${C0}.resources.requests.memory`, message: 'memory request 1G exceeds limit 512Mi', rule: 'semantic' });
  });

  it('GIVEN a negative request WHEN validated THEN it is reported', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.resources.requests.cpu`, '-100m'));
    expectOnlyProblem(set, { path: `${C0}.resources.requests.cpu`, message: 'must not be negative', rule: 'semantic' });
  });

  it('GIVEN a GPU request different from its limit WHEN validated THEN they must be equal', () => {
    const set = mutated('StatefulSet', (s) => setPath(s, ['spec', 'template', 'spec', 'containers', 0, 'resources', 'limits', 'nvidia.com/gpu'], 2), statefulSet);
    expectOnlyProblem(set, { path: `${C0}.resources.requests["nvidia.com/gpu"]`, message: 'request 1 must equal limit 2', rule: 'semantic' });
  });

  it('GIVEN a GPU request without a limit WHEN validated THEN the limit is required', () => {
    const set = mutated('StatefulSet', (s) => setPath(s, `${C0}.resources.limits`, { memory: '128Mi' }), statefulSet);
    expectOnlyProblem(set, { path: `${C0}.resources.requests["nvidia.com/gpu"]`, message: 'requested without a limit', rule: 'semantic' });
  });

  it('GIVEN a fractional GPU WHEN validated THEN extended resources must be whole numbers', () => {
    const set = mutated('StatefulSet', (s) => {
      setPath(s, ['spec', 'template', 'spec', 'containers', 0, 'resources', 'limits', 'nvidia.com/gpu'], '500m');
      setPath(s, ['spec', 'template', 'spec', 'containers', 0, 'resources', 'requests', 'nvidia.com/gpu'], '500m');
    }, statefulSet);
    const problems = validateManifests(set);
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('whole number'), expect.stringContaining('whole number')]);
  });

  it('GIVEN a Job pod template with restartPolicy Always WHEN validated THEN it is rejected', () => {
    const set = mutated('CronJob', (cj) => setPath(cj, 'spec.jobTemplate.spec.template.spec.restartPolicy', 'Always'), statefulSet);
    expectOnlyProblem(set, { path: 'spec.jobTemplate.spec.template.spec.restartPolicy', message: 'OnFailure or Never', rule: 'semantic' });
  });

  it('GIVEN a Deployment pod template with restartPolicy Never WHEN validated THEN it is rejected', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${POD}.restartPolicy`, 'Never'));
    expectOnlyProblem(set, { path: `${POD}.restartPolicy`, message: 'must use restartPolicy Always', rule: 'semantic' });
  });

  it('GIVEN the same mountPath twice in a container WHEN validated THEN it is a duplicate', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.volumeMounts[1].mountPath`, '/etc/classifier'));
    expectOnlyProblem(set, { path: `${C0}.volumeMounts[1].mountPath`, message: 'duplicate mountPath', rule: 'semantic' });
  });
});
