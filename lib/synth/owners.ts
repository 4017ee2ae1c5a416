import { type Chart } from 'cdk8s';
import { type IConstruct } from 'constructs';

/**
 * For each top-level construct of the chart (an "owner": one manifest file, one sync wave), the
 * other owners it depends on, from the construct dependencies the wiring records (`wire()`,
 * shared volumes, ...) anywhere below it.
 */
export function ownerDependencies(platform: Chart): Map<IConstruct, Set<IConstruct>> {
  const owners = platform.node.children;
  const ownerOf = new Map<IConstruct, IConstruct>();
  for (const owner of owners) {
    for (const c of owner.node.findAll()) {
      ownerOf.set(c, owner);
    }
  }
  const dependsOn = new Map<IConstruct, Set<IConstruct>>(owners.map((o) => [o, new Set()]));
  for (const owner of owners) {
    for (const c of owner.node.findAll()) {
      for (const dep of c.node.dependencies) {
        const target = ownerOf.get(dep);
        if (target && target !== owner) {
          dependsOn.get(owner)?.add(target);
        }
      }
    }
  }
  return dependsOn;
}

/** Top-level constructs of the chart, dependencies first, otherwise in creation order. */
export function orderedOwners(platform: Chart, dependsOn: ReadonlyMap<IConstruct, ReadonlySet<IConstruct>> = ownerDependencies(platform)): IConstruct[] {
  const ordered: IConstruct[] = [];
  const state = new Map<IConstruct, 'visiting' | 'done'>();
  const visit = (owner: IConstruct) => {
    if (state.get(owner) === 'done' || state.get(owner) === 'visiting') {
      return;
    }
    state.set(owner, 'visiting');
    for (const dep of dependsOn.get(owner) ?? []) {
      visit(dep);
    }
    state.set(owner, 'done');
    ordered.push(owner);
  };
  platform.node.children.forEach(visit);
  return ordered;
}
