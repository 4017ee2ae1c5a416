import { AgentMicroservice, type AgentPlatform, Environments } from '../../lib';
import { at, synth } from '../helpers/synth';

/**
 * Each default is resolved once, into the construct's settings, and rendering reads only from
 * them (issue 17, item 3): the values a user reads from the construct are the ones in the output.
 */

const env = () => Environments.prod({ namespace: 'agents', ingress: { domain: 'agents.example.com', clusterIssuer: 'letsencrypt' } });

function build(props: Partial<ConstructorParameters<typeof AgentMicroservice>[2]> = {}): { agent: AgentMicroservice; pod: Record<string, unknown>; ingress?: unknown } {
  let agent: AgentMicroservice | undefined;
  const s = synth((p: AgentPlatform) => {
    agent = new AgentMicroservice(p, 'agent', { image: 'agent:1.0.0', ...props });
  }, env());
  return { agent: agent as AgentMicroservice, pod: at(s.get('Deployment', 'agent'), 'spec.template.spec') as Record<string, unknown>, ingress: s.find('Ingress', 'agent') };
}

describe('resolved settings', () => {
  test('the documented defaults, readable on the construct and equal to the output', () => {
    const { agent, pod } = build();
    expect([agent.terminationGracePeriodSeconds, agent.preStopDelaySeconds, agent.automountServiceAccountToken]).toEqual([60, 5, false]);
    expect(agent.metrics).toEqual({ port: 9464, portName: 'metrics', path: '/metrics' });
    expect(agent.ingress).toBeUndefined();
    expect(pod.terminationGracePeriodSeconds).toBe(agent.terminationGracePeriodSeconds);
    expect(at(pod, 'containers.0.lifecycle.preStop.exec.command')).toEqual(['sleep', String(agent.preStopDelaySeconds)]);
    expect(pod.automountServiceAccountToken).toBe(agent.automountServiceAccountToken);
  });

  test('explicit values, the same on the construct and in the output', () => {
    const { agent, pod, ingress } = build({
      terminationGracePeriodSeconds: 90, preStopDelaySeconds: 0, automountServiceAccountToken: true, metrics: { port: 9100, path: '/m' }, ingress: { tls: false },
    });
    expect([agent.terminationGracePeriodSeconds, agent.preStopDelaySeconds, agent.automountServiceAccountToken]).toEqual([90, 0, true]);
    expect(agent.metrics).toEqual({ port: 9100, portName: 'metrics', path: '/m' });
    expect(agent.ingress).toEqual({ host: 'agent.agents.example.com', path: '/', tls: false, tlsSecretName: undefined, annotations: {} });
    expect(pod.terminationGracePeriodSeconds).toBe(90);
    expect(at(pod, 'containers.0.lifecycle')).toBeUndefined();
    expect(at(ingress, 'spec.rules.0.host')).toBe(agent.ingress?.host);
    expect(at(ingress, 'spec.tls')).toBeUndefined();
  });

  test('an Ingress with TLS: the secret name and the issuer annotation are resolved once', () => {
    const { agent, ingress } = build({ ingress: {} });
    expect(agent.ingress).toEqual({ host: 'agent.agents.example.com', path: '/', tls: true, tlsSecretName: 'agent-tls', annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' } });
    expect(at(ingress, 'spec.tls')).toEqual([{ hosts: [agent.ingress?.host], secretName: agent.ingress?.tlsSecretName }]);
    // the issuer annotation, beside the Argo CD sync wave every object gets
    expect(at(ingress, 'metadata.annotations')).toMatchObject({ ...agent.ingress?.annotations });
  });

  test('metrics off: nothing to scrape, on the construct and in the output', () => {
    const { agent } = build({ metrics: { enabled: false } });
    expect(agent.metrics).toBeUndefined();
    expect(agent.metricsEndpoints()).toEqual([]);
  });
});
