/**
 * Rule 12: ConfigMaps referenced by pods (env, envFrom, configMap and projected volumes) must
 * be in the set unless the reference is optional; referenced keys must exist. Secrets are
 * usually created out of band (ExternalSecret, SealedSecret, by hand) and are not checked.
 */
import { type Context } from './context';
import { containersOf, type PodTemplate, type Resource } from './model';
import { joinAll, list, rec, str, type JsonObject } from './util';

interface ConfigMapRef {
  readonly name: string;
  readonly optional: boolean;
  /** Keys the reference needs, each with the path to report at. */
  readonly keys: readonly { key: string; path: string }[];
  readonly path: string;
}

export function checkConfigMapReferences(ctx: Context): void {
  for (const template of ctx.templates) {
    for (const ref of configMapRefs(template)) checkRef(ctx, template.owner, ref);
  }
}

function checkRef(ctx: Context, owner: Resource, ref: ConfigMapRef): void {
  if (ref.optional) return;
  const configMap = ctx.find({ namespace: owner.namespace, group: '', kind: 'ConfigMap', name: ref.name });
  if (configMap === undefined) {
    ctx.report(owner, ref.path, `ConfigMap "${ref.name}" is not in the set (namespace ${owner.namespace ?? '<none>'}) and the reference is not optional`);
    return;
  }
  const keys = new Set([...Object.keys(rec(configMap.obj.data) ?? {}), ...Object.keys(rec(configMap.obj.binaryData) ?? {})]);
  for (const { key, path } of ref.keys) {
    if (!keys.has(key)) ctx.report(owner, path, `ConfigMap "${ref.name}" has no key "${key}"`);
  }
}

function configMapRefs(template: PodTemplate): ConfigMapRef[] {
  const refs: ConfigMapRef[] = [];
  for (const { container, path } of containersOf(template)) {
    list(container.env).forEach((env, i) => {
      const selector = rec(rec(rec(env)?.valueFrom)?.configMapKeyRef);
      const at = joinAll(path, 'env', i, 'valueFrom', 'configMapKeyRef');
      const key = str(selector?.key);
      if (selector !== undefined) pushRef(refs, selector, joinAll(at, 'name'), key === undefined ? [] : [{ key, path: joinAll(at, 'key') }]);
    });
    list(container.envFrom).forEach((source, i) => {
      const selector = rec(rec(source)?.configMapRef);
      if (selector !== undefined) pushRef(refs, selector, joinAll(path, 'envFrom', i, 'configMapRef', 'name'), []);
    });
  }
  list(template.spec.volumes).forEach((volume, i) => {
    const at = joinAll(template.specPath, 'volumes', i);
    volumeRef(refs, rec(rec(volume)?.configMap), joinAll(at, 'configMap'));
    list(rec(rec(volume)?.projected)?.sources).forEach((source, j) => {
      volumeRef(refs, rec(rec(source)?.configMap), joinAll(at, 'projected', 'sources', j, 'configMap'));
    });
  });
  return refs;
}

function volumeRef(refs: ConfigMapRef[], source: JsonObject | undefined, path: string): void {
  if (source === undefined) return;
  const keys = list(source.items).flatMap((item, k) => {
    const key = str(rec(item)?.key);
    return key === undefined ? [] : [{ key, path: joinAll(path, 'items', k, 'key') }];
  });
  pushRef(refs, source, joinAll(path, 'name'), keys);
}

function pushRef(refs: ConfigMapRef[], source: JsonObject, path: string, keys: ConfigMapRef['keys']): void {
  const name = str(source.name);
  if (name !== undefined) refs.push({ name, optional: source.optional === true, keys, path });
}
