import { statefulSet, validSet } from './fixtures';
import { cronScheduleProblem } from '../../lib/validation/cron';
import { envVarNameProblem } from '../../lib/validation/api-server';
import { validateManifests } from './index';
import { deletePath, expectOnlyProblem, mutated, setPath } from './test-helpers';

// Field rules of the API server that no schema holds (issue 17, item 7).

const C0 = 'spec.template.spec.containers[0]';
const CRON = 'CronJob';

describe('replicas', () => {
  it.each([['Deployment', validSet], ['StatefulSet', statefulSet]] as const)('GIVEN a %s with -1 replicas WHEN validated THEN spec.replicas is reported', (kind, base) => {
    const set = mutated(kind, (o) => setPath(o, 'spec.replicas', -1), base);
    expectOnlyProblem(set, { path: 'spec.replicas', message: 'must be greater than or equal to 0 (got -1)', rule: 'semantic' });
  });

  it('GIVEN 0 replicas WHEN validated THEN it is fine (a scaled-down workload)', () => {
    expect(validateManifests(mutated('Deployment', (d) => setPath(d, 'spec.replicas', 0)))).toEqual([]);
  });
});

describe('rolling update', () => {
  it.each([[0, 0], ['0%', 0], [0, '0%'], ['0%', '0%']])('GIVEN maxSurge %p and maxUnavailable %p WHEN validated THEN the rollout that can never progress is reported', (surge, unavailable) => {
    const set = mutated('Deployment', (d) => setPath(d, 'spec.strategy.rollingUpdate', { maxSurge: surge, maxUnavailable: unavailable }));
    expectOnlyProblem(set, { path: 'spec.strategy.rollingUpdate.maxUnavailable', message: 'may not be 0 when `maxSurge` is 0', rule: 'semantic' });
  });

  it('GIVEN maxSurge 0 and maxUnavailable left to its default (25%) WHEN validated THEN it is fine', () => {
    expect(validateManifests(mutated('Deployment', (d) => setPath(d, 'spec.strategy.rollingUpdate', { maxSurge: 0 })))).toEqual([]);
  });

  it.each([['maxSurge', -1, 'must be greater than or equal to 0 (got -1)'], ['maxUnavailable', '150%', 'must not be greater than 100% (got 150%)']])('GIVEN %s %p WHEN validated THEN it is reported', (field, value, message) => {
    const set = mutated('Deployment', (d) => setPath(d, `spec.strategy.rollingUpdate.${field}`, value));
    expectOnlyProblem(set, { path: `spec.strategy.rollingUpdate.${field}`, message, rule: 'semantic' });
  });

  it('GIVEN a Recreate strategy with rollingUpdate settings WHEN validated THEN they are reported', () => {
    const set = mutated('Deployment', (d) => setPath(d, 'spec.strategy.type', 'Recreate'));
    expectOnlyProblem(set, { path: 'spec.strategy.rollingUpdate', message: 'may not be specified when strategy `type` is \'Recreate\'', rule: 'semantic' });
  });
});

describe('containers', () => {
  it.each([['missing', undefined], ['empty', ''], ['blank', '  ']])('GIVEN a container whose image is %s WHEN validated THEN the image is required', (_name, image) => {
    const set = mutated('Deployment', (d) => (image === undefined ? deletePath(d, `${C0}.image`) : setPath(d, `${C0}.image`, image)));
    expectOnlyProblem(set, { path: `${C0}.image`, message: 'Required value: a container needs an image', rule: 'semantic' });
  });

  it('GIVEN an image with trailing whitespace WHEN validated THEN it is reported', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.image`, 'nginx:1.27 '));
    expectOnlyProblem(set, { path: `${C0}.image`, message: 'must not have leading or trailing whitespace', rule: 'semantic' });
  });

  it.each(['1X', 'A=B', '', 'MY VAR', '..HIDDEN', '.'])('GIVEN an env var named %p WHEN validated THEN the name is reported', (name) => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.env[0].name`, name));
    expectOnlyProblem(set, { path: `${C0}.env[0].name`, message: name === '..HIDDEN' || name === '.' ? 'must not be \'.\', \'..\' or start with \'..\'' : 'a valid environment variable name', rule: 'semantic' });
  });

  it.each(['MY_VAR', 'my.env-name', '_x', 'a1', '.hidden'])('GIVEN an env var named %p WHEN validated THEN it is fine', (name) => {
    expect(envVarNameProblem(name)).toBeUndefined();
    expect(validateManifests(mutated('Deployment', (d) => setPath(d, `${C0}.env[0].name`, name)))).toEqual([]);
  });

  it('GIVEN an envFrom prefix that is not a valid name WHEN validated THEN it is reported', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.envFrom[0].prefix`, '9_'));
    expectOnlyProblem(set, { path: `${C0}.envFrom[0].prefix`, message: 'a valid environment variable name', rule: 'semantic' });
  });
});

describe('probes', () => {
  it.each(['periodSeconds', 'timeoutSeconds', 'initialDelaySeconds', 'failureThreshold', 'successThreshold'])('GIVEN a readiness probe with a negative %s WHEN validated THEN it is reported', (field) => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.readinessProbe.${field}`, -5));
    expectOnlyProblem(set, { path: `${C0}.readinessProbe.${field}`, message: 'must be greater than or equal to 0 (got -5)', rule: 'semantic' });
  });

  it('GIVEN a liveness probe with successThreshold 2 WHEN validated THEN it must be 1', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.livenessProbe.successThreshold`, 2));
    expectOnlyProblem(set, { path: `${C0}.livenessProbe.successThreshold`, message: 'must be 1 for a livenessProbe (got 2)', rule: 'semantic' });
  });

  it('GIVEN a probe terminationGracePeriodSeconds of 0 WHEN validated THEN it is reported', () => {
    const set = mutated('Deployment', (d) => setPath(d, `${C0}.livenessProbe.terminationGracePeriodSeconds`, 0));
    expectOnlyProblem(set, { path: `${C0}.livenessProbe.terminationGracePeriodSeconds`, message: 'must be greater than 0 (got 0)', rule: 'semantic' });
  });

  it('GIVEN an init container with a readiness probe WHEN validated THEN it is reported (it runs to completion)', () => {
    const set = mutated('Deployment', (d) => setPath(d, 'spec.template.spec.initContainers', [{ name: 'init', image: 'busybox:1.36', readinessProbe: { exec: { command: ['true'] } } }]));
    expectOnlyProblem(set, { path: 'spec.template.spec.initContainers[0].readinessProbe', message: 'may not be set for init containers without restartPolicy=Always', rule: 'semantic' });
  });
});

describe('CronJob schedules', () => {
  it.each([
    ['0 3 * * *'], ['*/15 * * * *'], ['0 2 * * MON-FRI'], ['0 0 1 jan,jul *'], ['5/10 * ? * *'], ['@daily'], ['@every 1h30m'], ['0 0 1-15/2 * 0'],
  ])('GIVEN %p WHEN validated THEN it is a valid schedule', (schedule) => {
    expect(cronScheduleProblem(schedule)).toBeUndefined();
    expect(validateManifests(mutated(CRON, (c) => setPath(c, 'spec.schedule', schedule), statefulSet))).toEqual([]);
  });

  it.each([
    ['0 3 * *', 'expected exactly 5 fields'],
    ['0 3 * * * *', 'expected exactly 5 fields'],
    ['61 * * * *', '"61" is outside 0-59 (minute)'],
    ['0 24 * * *', '"24" is outside 0-23 (hour)'],
    ['0 0 0 * *', '"0" is outside 1-31 (day of month)'],
    ['0 0 * 13 *', '"13" is outside 1-12 (month)'],
    ['0 0 * * 7', '"7" is outside 0-6 (day of week)'],
    ['*/0 * * * *', 'step of "*/0" must be a positive number (minute)'],
    ['5-1 * * * *', 'beginning of range 5 is beyond its end 1 (minute)'],
    ['0 0 * * FUNDAY', '"FUNDAY" is not a number or name (day of week)'],
    ['@fortnightly', 'unrecognized descriptor "@fortnightly"'],
    ['@every soon', '"soon" is not a duration'],
    ['0,,5 * * * *', 'empty list item (minute)'],
  ])('GIVEN %p WHEN validated THEN spec.schedule is reported: %s', (schedule, problem) => {
    const set = mutated(CRON, (c) => setPath(c, 'spec.schedule', schedule), statefulSet);
    expectOnlyProblem(set, { path: 'spec.schedule', message: `is not a valid cron schedule: ${problem}`, rule: 'semantic' });
  });

  it('GIVEN a TZ= prefix and a timeZone WHEN validated THEN the prefix is refused', () => {
    const set = mutated(CRON, (c) => {
      setPath(c, 'spec.schedule', 'TZ=Europe/Berlin 0 3 * * *');
      setPath(c, 'spec.timeZone', 'Europe/Berlin');
    }, statefulSet);
    expectOnlyProblem(set, { path: 'spec.schedule', message: 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead', rule: 'semantic' });
  });
});

describe('NetworkPolicy policyTypes', () => {
  it.each(['ingress', 'Outbound', 'All'])('GIVEN policyType %p WHEN validated THEN it is unsupported', (type) => {
    const set = mutated('NetworkPolicy', (p) => setPath(p, 'spec.policyTypes', ['Ingress', type]));
    expectOnlyProblem(set, { path: 'spec.policyTypes[1]', message: `Unsupported value: ${JSON.stringify(type)}: supported values: "Ingress", "Egress"`, rule: 'semantic' });
  });

  it('GIVEN three policyTypes WHEN validated THEN it is reported', () => {
    const set = mutated('NetworkPolicy', (p) => setPath(p, 'spec.policyTypes', ['Ingress', 'Egress', 'Ingress']));
    expectOnlyProblem(set, { path: 'spec.policyTypes', message: 'may not specify more than two policyTypes (got 3)', rule: 'semantic' });
  });
});
