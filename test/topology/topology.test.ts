import { Protocol, renderApps, type RenderedEnvironment } from '../../lib';
import { topologyOf, type Topology, type TopologyNode, type TopologySelector } from '../../lib/topology/topology';
import { apps } from '../../apps';
import { cidrContains, type Endpoint, type Labels, NetworkModel, namespacesOf, type Pod, policiesOf, selectorMatches } from '../wiring/network-model';

/**
 * The picture must say what the NetworkPolicies say. The topology is drawn from the construct
 * graph; here every arrow is checked against reachability computed from the synthesized
 * NetworkPolicies alone (test/wiring/network-model.ts): every path the policies allow between a
 * workload and anything is an arrow, and every arrow is a path they allow.
 */

const rendered = renderApps(apps);

/** One pod per workload (Deployments, StatefulSets, CronJobs, Jobs), with its template labels and ports. */
function podsOfWorkloads(env: RenderedEnvironment, namespace: string): Pod[] {
  const templates = env.objects.flatMap((o) => {
    const spec = o.spec as Record<string, unknown> | undefined;
    if (o.kind === 'Deployment' || o.kind === 'StatefulSet' || o.kind === 'Job') return [{ name: o.metadata.name, template: spec?.template }];
    if (o.kind === 'CronJob') return [{ name: o.metadata.name, template: ((spec?.jobTemplate as Record<string, unknown>).spec as Record<string, unknown>).template }];
    return [];
  });
  return templates.map(({ name, template }, index) => {
    const t = template as { metadata?: { labels?: Labels }; spec: { containers: { ports?: { name?: string; containerPort: number; protocol?: string }[] }[] } };
    return {
      kind: 'pod' as const,
      // A Job's name carries a hash of its inputs; the workload is its name label.
      name: t.metadata?.labels?.['app.kubernetes.io/name'] ?? name,
      namespace,
      labels: t.metadata?.labels ?? {},
      ip: `10.244.0.${index + 10}`,
      ports: t.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => ({ name: p.name, port: p.containerPort, protocol: p.protocol ?? 'TCP' }))),
    };
  });
}

/** An address inside a block and outside its exceptions. */
function addressIn(block: NonNullable<TopologySelector['ipBlock']>): string {
  if (block.cidr === '0.0.0.0/0') return '93.184.216.34';
  const [base] = block.cidr.split('/');
  const octets = base.split('.').map(Number);
  octets[3] += 1;
  const ip = octets.join('.');
  expect((block.except ?? []).some((e) => cidrContains(e, ip))).toBe(false);
  return ip;
}

/** A stand-in endpoint for each selector of a node outside the app. */
function representatives(node: TopologyNode, index: number): Endpoint[] {
  return node.selectors.map((selector, i) => (selector.ipBlock
    ? { kind: 'external' as const, name: `${node.id}#${i}`, ip: addressIn(selector.ipBlock) }
    : { kind: 'pod' as const, name: `${node.id}#${i}`, namespace: selector.namespace ?? '', labels: { ...selector.podLabels, 'test/stand-in': node.id }, ip: `10.245.${index}.${i + 1}`, ports: [] }));
}

function matches(selector: TopologySelector, endpoint: Endpoint): boolean {
  if (selector.ipBlock) {
    return cidrContains(selector.ipBlock.cidr, endpoint.ip) && !(selector.ipBlock.except ?? []).some((e) => cidrContains(e, endpoint.ip));
  }
  return endpoint.kind === 'pod' && endpoint.namespace === selector.namespace && selectorMatches({ matchLabels: selector.podLabels ?? {} }, endpoint.labels);
}

interface Scene {
  readonly topology: Topology;
  readonly model: NetworkModel;
  readonly inApp: ReadonlyMap<string, Pod>;
  readonly outside: readonly { node: TopologyNode; endpoint: Endpoint }[];
  readonly ports: readonly { port: number; protocol: string }[];
}

function sceneOf(env: RenderedEnvironment): Scene {
  const topology = topologyOf(env.platform, { app: env.app, environment: env.environment });
  const namespace = topology.namespace ?? 'default';
  const pods = podsOfWorkloads(env, namespace);
  const inApp = new Map(topology.nodes.filter((n) => n.inApp).map((n) => {
    const pod = pods.find((p) => matches(n.selectors[0], p));
    if (!pod) throw new Error(`${env.app}/${env.environment}: no pod template for workload ${n.id}`);
    return [n.id, pod];
  }));
  const outsideNodes = topology.nodes.filter((n) => !n.inApp);
  const outside = outsideNodes.flatMap((node, index) => representatives(node, index).map((endpoint) => ({ node, endpoint })));
  const extraNamespaces = Object.fromEntries(outside.flatMap(({ endpoint }) => (endpoint.kind === 'pod' ? [[endpoint.namespace, {}]] : [])));
  const model = new NetworkModel(policiesOf(env.objects, namespace), { ...extraNamespaces, ...namespacesOf(env.objects) });
  const ports = new Map<string, { port: number; protocol: string }>();
  for (const p of [...topology.edges.flatMap((e) => e.ports), ...pods.flatMap((p) => p.ports), { port: 22, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }]) {
    ports.set(`${p.protocol}/${p.port}`, { port: p.port, protocol: p.protocol });
  }
  return { topology, model, inApp, outside, ports: [...ports.values()] };
}

/** The arrows, one line per endpoint pair and port, with outside nodes expanded to every stand-in they select. */
function pictureEdges(scene: Scene): Set<string> {
  const endpointsOf = (id: string): Endpoint[] => {
    const pod = scene.inApp.get(id);
    if (pod) return [pod];
    const node = scene.topology.nodes.find((n) => n.id === id);
    return scene.outside.filter((o) => node?.selectors.some((s) => matches(s, o.endpoint))).map((o) => o.endpoint);
  };
  const out = new Set<string>();
  for (const edge of scene.topology.edges) {
    for (const from of endpointsOf(edge.from)) {
      for (const to of endpointsOf(edge.to)) {
        edge.ports.forEach((p) => out.add(`${from.name} -> ${to.name}:${p.port}/${p.protocol}`));
      }
    }
  }
  return out;
}

/**
 * What the synthesized policies allow between a workload and anything: both policies for two
 * workloads; the workload's side alone for a peer outside the app, whose own policies are not ours.
 */
function policyEdges(scene: Scene): Set<string> {
  const pods = [...scene.inApp.values()];
  const others = scene.outside.map((o) => o.endpoint);
  const out = new Set<string>();
  const add = (from: Endpoint, to: Endpoint, allows: (port: number, protocol: string) => boolean) => {
    scene.ports.filter((p) => allows(p.port, p.protocol)).forEach((p) => out.add(`${from.name} -> ${to.name}:${p.port}/${p.protocol}`));
  };
  for (const from of pods) {
    for (const to of pods.filter((p) => p !== from)) add(from, to, (port, protocol) => scene.model.allows(from, to, port, protocol));
    // Between two pods of one workload (a replicated Redis's nodes): another replica, same labels, its own address.
    const twin = { ...from, ip: from.ip.replace(/\d+$/, (n) => String((Number(n) + 100) % 250 + 1)) };
    add(from, from, (port, protocol) => scene.model.allows(from, twin, port, protocol));
    for (const to of others) add(from, to, (port, protocol) => scene.model.egressAllows(from, to, port, protocol));
  }
  for (const from of others) {
    for (const to of pods) add(from, to, (port, protocol) => scene.model.ingressAllows(from, to, port, protocol));
  }
  return out;
}

/** Lines in one set and not the other, marked. */
function mismatches(picture: ReadonlySet<string>, policies: ReadonlySet<string>): string[] {
  return [
    ...[...picture].filter((e) => !policies.has(e)).map((e) => `drawn but blocked: ${e}`),
    ...[...policies].filter((e) => !picture.has(e)).map((e) => `allowed but not drawn: ${e}`),
  ].sort();
}


describe.each(rendered.map((env) => [`${env.app}/${env.environment}`, env] as const))('topology of %s', (_name, env) => {
  const scene = sceneOf(env);

  test('every arrow is a path the synthesized NetworkPolicies allow, and every allowed path is an arrow', () => {
    // GIVEN the picture and the reachability computed from the policies alone (the cluster DNS is
    // no node, so the path every workload has to it is not compared)
    expect(scene.topology.networkPolicies).toBe(true);
    const picture = pictureEdges(scene);
    const policies = policyEdges(scene);
    // THEN they are equal, and not trivially
    expect(mismatches(picture, policies)).toEqual([]);
    expect(picture.size).toBeGreaterThan(0);
  });

  test('every workload of the output is a node, and only they are inside the app', () => {
    // GIVEN the workloads of the rendered objects
    const names = podsOfWorkloads(env, scene.topology.namespace ?? 'default').map((p) => p.name).sort();
    // THEN they are the nodes inside the app
    expect(scene.topology.nodes.filter((n) => n.inApp).map((n) => n.id).sort()).toEqual(names);
  });
});

test('the comparison is sensitive: an arrow the policies do not allow, and a missing arrow, are both reported', () => {
  // GIVEN the picture of emm in prod with one arrow removed and one invented
  const scene = sceneOf(rendered.find((e) => e.app === 'emm' && e.environment === 'prod') as RenderedEnvironment);
  const [dropped, ...kept] = scene.topology.edges;
  const invented = { from: 'redis-cache', to: 'confluence-agent', ports: [{ port: 8080, protocol: Protocol.TCP }], observability: false };
  const altered: Scene = { ...scene, topology: { ...scene.topology, edges: [...kept, invented] } };
  // WHEN compared with the policies
  const found = mismatches(pictureEdges(altered), policyEdges(scene));
  // THEN both are named
  expect(found).toContain('drawn but blocked: redis-cache -> confluence-agent:8080/TCP');
  expect(found.some((line) => line.startsWith(`allowed but not drawn: ${dropped.from}`))).toBe(true);
});

test('every app and environment is drawn', () => {
  expect(rendered.map((e) => `${e.app}/${e.environment}`)).toEqual(apps.flatMap((a) => a.environments.map((env) => `${a.name}/${env.name}`)));
  expect(rendered.length).toBe(9);
});
