import {
  AgentMicroservice, type AgentAppDefinition, type AgentMicroserviceProps, type AgentPlatform, type EnvironmentConfig,
  Environments, renderApps,
} from '../../lib';
import { problemsOf, synth, synthesisErrorOf } from '../helpers/synth';
import { agentProps, dev, prod, staging } from './helpers';

const PATH = '[test/evaluation-service]';

/** The problems of one agent with id `evaluation-service` built from the given props. */
function problemsOfAgent(props: AgentMicroserviceProps, environment: EnvironmentConfig = prod()): string[] {
  return problemsOf((p) => {
    new AgentMicroservice(p, 'evaluation-service', props);
  }, environment);
}

/** The one problem of a build, which must name the construct path, the field, the bad value and what is allowed. */
function expectOneProblem(problems: readonly string[], expected: { field: string; value?: string; allowed: readonly string[] }): void {
  expect(problems).toHaveLength(1);
  const [problem] = problems;
  expect(problem.startsWith(`${PATH} ${expected.field}: `)).toBe(true);
  if (expected.value !== undefined) {
    expect(problem.endsWith(`(got ${expected.value})`)).toBe(true);
  }
  for (const fragment of expected.allowed) {
    expect(problem).toContain(fragment);
  }
}

describe('AgentMicroservice input errors', () => {
  test('an invalid name: the path, field "name", the value and the DNS-1035 rule', () => {
    // GIVEN a name with an uppercase letter and an underscore
    const problems = problemsOfAgent(agentProps({ name: 'Eval_Service' }));
    // THEN
    expectOneProblem(problems, {
      field: 'name',
      value: '"Eval_Service"',
      allowed: ['must be a DNS-1035 label', 'lowercase letters, digits and "-"', 'starting with a letter', '(e.g. "jd-classifier")'],
    });
  });

  test('a name longer than 63 characters', () => {
    const name = `a${'b'.repeat(63)}`;
    expectOneProblem(problemsOfAgent(agentProps({ name })), { field: 'name', value: JSON.stringify(name), allowed: ['must be at most 63 characters'] });
  });

  test('the "latest" tag is refused in production, with an example of a pinned image', () => {
    expectOneProblem(problemsOfAgent({ image: 'ghcr.io/acme/evaluation-service:latest' }), {
      field: 'image',
      value: '"ghcr.io/acme/evaluation-service:latest"',
      allowed: ['uses the mutable tag "latest"', 'image tag policy is "pinned"', 'e.g. "ghcr.io/acme/evaluation-service:1.4.2"'],
    });
  });

  test('an image without a tag is refused in production and staging', () => {
    for (const environment of [prod(), staging()]) {
      expectOneProblem(problemsOfAgent({ image: 'acme/evaluation-service' }, environment), {
        field: 'image',
        value: '"acme/evaluation-service"',
        allowed: ['has no tag, so it means "latest"', 'use a version tag or a digest', 'e.g. "acme/evaluation-service:1.4.2"'],
      });
    }
  });

  test('"latest" and no tag are accepted in development, and rendered as given', () => {
    // WHEN the same images are used in dev THEN the app synthesizes and validates
    const s = synth((p) => {
      new AgentMicroservice(p, 'latest-agent', { image: 'acme/agent:latest' });
      new AgentMicroservice(p, 'untagged-agent', { image: 'acme/agent' });
    }, dev());
    expect(s.get('Deployment', 'latest-agent').spec).toMatchObject({ template: { spec: { containers: [{ image: 'acme/agent:latest' }] } } });
    expect(s.get('Deployment', 'untagged-agent').spec).toMatchObject({ template: { spec: { containers: [{ image: 'acme/agent' }] } } });
  });

  test('a malformed image reference is refused in every environment', () => {
    for (const environment of [dev(), prod()]) {
      expectOneProblem(problemsOfAgent({ image: 'Acme/Agent:1.0' }, environment), {
        field: 'image',
        value: '"Acme/Agent:1.0"',
        allowed: ['must be a container image reference', 'lowercase repository'],
      });
    }
  });

  test('a CPU request above the limit names the request, the limit and both fixes', () => {
    expectOneProblem(problemsOfAgent(agentProps({ resources: { requests: { cpu: '3' } } })), {
      field: 'resources.requests.cpu',
      value: '"3"',
      allowed: ['the cpu request is above the cpu limit "2"', 'a request must be at most its limit', 'raise resources.limits.cpu'],
    });
  });

  test('a memory request above an overridden limit', () => {
    expectOneProblem(problemsOfAgent(agentProps({ resources: { requests: { memory: '2Gi' }, limits: { memory: '1500Mi' } } })), {
      field: 'resources.requests.memory',
      value: '"2Gi"',
      allowed: ['the memory request is above the memory limit "1500Mi"', 'raise resources.limits.memory'],
    });
  });

  test('a malformed quantity names the quantity grammar', () => {
    expectOneProblem(problemsOfAgent(agentProps({ resources: { limits: { memory: '1GB' } } })), {
      field: 'resources.limits.memory',
      value: '"1GB"',
      allowed: ['must be a positive Kubernetes memory quantity such as "256Mi"'],
    });
  });

  test('autoscaling minReplicas above maxReplicas', () => {
    expectOneProblem(problemsOfAgent(agentProps({ autoscaling: { minReplicas: 5, maxReplicas: 2 } })), {
      field: 'autoscaling.minReplicas',
      value: '5',
      allowed: ['is above autoscaling.maxReplicas (2)', 'minReplicas must be at most maxReplicas'],
    });
  });

  // The contradiction is in the props, whatever the environment: dev, which renders no HPA,
  // reports it too.
  test('autoscaling minReplicas above maxReplicas is reported in development too', () => {
    expect(problemsOfAgent(agentProps({ autoscaling: { minReplicas: 5, maxReplicas: 2 } }), dev()))
      .toEqual([expect.stringContaining(`${PATH} autoscaling.minReplicas: is above autoscaling.maxReplicas (2)`)]);
  });

  test('an unknown prop suggests the closest one and lists the allowed fields', () => {
    // GIVEN a typo, which TypeScript would catch, from JavaScript or an untyped config
    const props = { ...agentProps(), replcas: 3 } as AgentMicroserviceProps;
    const problems = problemsOfAgent(props);
    expectOneProblem(problems, {
      field: 'replcas',
      allowed: ['unknown field', 'did you mean "replicas"?', 'allowed fields here: name, image, port', 'tools, calls'],
    });
  });

  test('an unknown nested prop suggests the closest key at its level', () => {
    const props = { ...agentProps(), resources: { limts: { cpu: '1' } } } as AgentMicroserviceProps;
    expectOneProblem(problemsOfAgent(props), {
      field: 'resources.limts',
      allowed: ['unknown field', 'did you mean "limits"?', 'allowed fields here: preset, requests, limits'],
    });
  });

  test('a port given as a string names the field, the value and the expected type', () => {
    const props = { ...agentProps(), port: '8080' as unknown as number };
    expectOneProblem(problemsOfAgent(props), { field: 'port', value: '"8080"', allowed: ['must be an integer port number between 1 and 65535'] });
  });

  test('a port out of range names the allowed range', () => {
    expectOneProblem(problemsOfAgent(agentProps({ port: 70000 })), { field: 'port', value: '70000', allowed: ['must be an integer port number between 1 and 65535'] });
  });

  test('a missing image is reported as required', () => {
    const props = {} as AgentMicroserviceProps;
    const problems = problemsOfAgent(props);
    expect(problems).toEqual([expect.stringMatching(/^\[test\/evaluation-service\] image: is required \(a string\)$/)]);
  });

  test('several problems of one construct are all reported', () => {
    const props = { ...agentProps({ name: 'Bad_Name', port: 0, resources: { requests: { cpu: '4' } } }), replcas: 2 } as AgentMicroserviceProps;
    const problems = problemsOf((p) => {
      new AgentMicroservice(p, 'evaluation-service', props);
    });
    expect(problems).toHaveLength(4);
    expect(problems.map((p) => p.slice(0, p.indexOf(':')))).toEqual(expect.arrayContaining([
      `${PATH} name`, `${PATH} port`, `${PATH} replcas`, `${PATH} resources.requests.cpu`,
    ]));
  });

  test('a problem is thrown by synth() as a SynthesisError before anything is rendered', () => {
    const error = synthesisErrorOf(() => synth((p: AgentPlatform) => {
      new AgentMicroservice(p, 'evaluation-service', { image: 'acme/agent:latest' });
    }));
    expect(error.message.startsWith('cdk8s-agents found 1 problem; nothing was written:\n')).toBe(true);
    expect(error.problems).toEqual([expect.stringContaining(`${PATH} image: uses the mutable tag "latest"`)]);
  });
});

describe('renderApps reports every problem of every app and environment at once', () => {
  // GIVEN two bad agents in an app synthesized for dev and prod, next to a good app
  const broken: AgentAppDefinition = {
    name: 'broken',
    environments: [Environments.dev({ namespace: 'broken' }), Environments.prod({ namespace: 'broken' })],
    build: (platform) => {
      // bad everywhere: CPU request 3 above the limit (1 in dev, 2 in prod); bad in prod only: latest
      new AgentMicroservice(platform, 'first', { image: 'acme/first:latest', resources: { requests: { cpu: '3' } } });
      // bad everywhere: the name
      new AgentMicroservice(platform, 'second', { image: 'acme/second:1.0.0', name: 'Second_Agent' });
    },
  };
  const good: AgentAppDefinition = {
    name: 'good',
    environments: [Environments.prod({ namespace: 'good' })],
    build: (platform) => {
      new AgentMicroservice(platform, 'fine', { image: 'acme/fine:1.0.0' });
    },
  };
  // WHEN
  const error = synthesisErrorOf(() => renderApps([good, broken]));

  test('the message counts them and says nothing was written', () => {
    expect(error.message.startsWith('cdk8s-agents found 5 problems; nothing was written:\n')).toBe(true);
    expect(error.problems).toHaveLength(5);
  });

  test('each problem names its platform, construct and field', () => {
    expect([...error.problems].sort()).toEqual([
      expect.stringMatching(/^\[broken-dev\/first\] resources\.requests\.cpu: the cpu request is above the cpu limit "1";.*\(got "3"\)$/),
      expect.stringMatching(/^\[broken-dev\/second\] name: must be a DNS-1035 label.*\(got "Second_Agent"\)$/),
      expect.stringMatching(/^\[broken-prod\/first\] image: uses the mutable tag "latest".*\(got "acme\/first:latest"\)$/),
      expect.stringMatching(/^\[broken-prod\/first\] resources\.requests\.cpu: the cpu request is above the cpu limit "2";.*\(got "3"\)$/),
      expect.stringMatching(/^\[broken-prod\/second\] name: must be a DNS-1035 label.*\(got "Second_Agent"\)$/),
    ]);
  });

  test('every problem is in the message, one per line', () => {
    const lines = error.message.split('\n').slice(1).map((l) => l.trim());
    expect(lines).toEqual([...error.problems]);
  });

  test('the good app contributes no problem', () => {
    expect(error.problems.filter((p) => p.startsWith('[good-'))).toEqual([]);
  });
});
