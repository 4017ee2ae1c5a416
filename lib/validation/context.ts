/**
 * What every semantic check receives: the resources, their pod templates, lookups and a sink.
 */
import { podTemplatesOf, type PodTemplate, type Resource } from './model';
import { type IndexedProblem } from './problem';

export interface TargetRef {
  readonly namespace: string | undefined;
  /** undefined matches any API group. */
  readonly group: string | undefined;
  readonly kind: string;
  readonly name: string;
}

export interface Context {
  readonly resources: readonly Resource[];
  readonly templates: readonly PodTemplate[];
  report(owner: Resource, path: string, message: string): void;
  find(ref: TargetRef): Resource | undefined;
  ofKind(group: string, kind: string): Resource[];
  templatesIn(namespace: string | undefined): PodTemplate[];
}

export function createContext(resources: readonly Resource[], sink: IndexedProblem[]): Context {
  const templates: PodTemplate[] = resources.flatMap(podTemplatesOf);
  return {
    resources,
    templates,
    report: (owner, path, message) => sink.push({ index: owner.index, object: owner.id, path, message, rule: 'semantic' }),
    find: (ref) => resources.find((r) => matchesRef(r, ref)),
    ofKind: (group, kind) => resources.filter((r) => r.group === group && r.kind === kind),
    templatesIn: (namespace) => templates.filter((t) => t.owner.namespace === namespace),
  };
}

function matchesRef(resource: Resource, ref: TargetRef): boolean {
  return resource.kind === ref.kind
    && resource.name === ref.name
    && resource.namespace === ref.namespace
    && (ref.group === undefined || resource.group === ref.group);
}
