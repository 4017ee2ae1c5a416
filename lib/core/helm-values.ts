import { type ApiObject } from 'cdk8s';
import { z } from 'zod';
import { type ImageReference, imageValuesSchema } from './image';
import { type ResolvedResources } from './resources';
import { cpuValue, memoryValue, positiveInt } from './schemas';

/** A step into a rendered object: a key, an index, or the array item with that `name`. */
export type ValuePathSegment = string | number | { readonly name: string };

/** Where one value goes: a field of one rendered object, and the template that renders it. */
export interface HelmBinding {
  readonly target: ApiObject;
  readonly path: readonly ValuePathSegment[];
  /** Go template producing the field's value, e.g. `{{ .Values.api.replicas }}`. */
  readonly template: string;
}

/** A documented leaf of values.yaml, for the chart README. */
export interface HelmValueDoc {
  readonly path: string;
  readonly description: string;
}

/** One workload's part of the chart's values: defaults, schema, and where each value goes. */
export interface HelmValueSection {
  /** Top-level key in values.yaml, e.g. `evaluationService`. */
  readonly key: string;
  /** Which construct it belongs to. */
  readonly owner: string;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly schema: z.ZodType;
  readonly bindings: readonly HelmBinding[];
  readonly docs: readonly HelmValueDoc[];
  /**
   * Go template statements that `fail` the render on values the schema cannot refuse (a minimum
   * above a maximum, a request above a limit).
   */
  readonly checks: readonly string[];
  /** Go template expression: the most pods the workload runs with these values (surge included). */
  readonly podsExpression?: string;
}

/** A construct whose chart values can be overridden. */
export interface IHelmValuesProvider {
  helmValues(): HelmValueSection | undefined;
}

export function isHelmValuesProvider<T>(value: T): value is T & IHelmValuesProvider {
  return typeof (value as Partial<IHelmValuesProvider>).helmValues === 'function';
}

/** `spec.template.spec.containers[name=api]` for a container of a pod template. */
export function containerPath(container: string, init = false): ValuePathSegment[] {
  return ['spec', 'template', 'spec', init ? 'initContainers' : 'containers', { name: container }];
}

/** The same inside a CronJob's job template. */
export function cronJobContainerPath(container: string): ValuePathSegment[] {
  return ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', { name: container }];
}

export const resourcesValuesSchema = z.object({
  requests: z.object({ cpu: cpuValue, memory: memoryValue }).strict(),
  limits: z.object({ cpu: cpuValue, memory: memoryValue }).strict(),
}).strict().meta({ id: 'resources', description: 'Requests and limits of a container' });

function extendedResourcesSchema(names: readonly string[]): z.ZodType {
  const side = z.object({ cpu: cpuValue, memory: memoryValue, ...Object.fromEntries(names.map((n) => [n, z.number().int().min(0)])) }).strict();
  return z.object({ requests: side, limits: side }).strict();
}

export const replicasValueSchema = positiveInt.max(1000, { error: 'must be at most 1000' }).meta({ id: 'replicas', description: 'A replica count between 1 and 1000' });

/** The name of the helper template that joins registry, repository, tag and digest. */
export const IMAGE_HELPER = 'cdk8s-agents.image';
/** The name of the helper template that turns a quantity ("500m", "1Gi", 2) into a plain number. */
export const QUANTITY_HELPER = 'cdk8s-agents.quantity';

/** `fail`s the render with `message` when `condition` (a Go template expression) holds. */
export function failWhen(condition: string, message: string): string {
  return `{{- if ${condition} }}{{ fail ${JSON.stringify(message)} }}{{ end }}`;
}

function quantityOf(ref: string): string {
  return `(include "${QUANTITY_HELPER}" ${ref} | float64)`;
}

function imageDefaults(image: ImageReference): Record<string, string> {
  return {
    ...(image.registry ? { registry: image.registry } : {}),
    repository: image.repository,
    ...(image.tag ? { tag: image.tag } : {}),
    ...(image.digest ? { digest: image.digest } : {}),
  };
}

/** Collects one workload's values as it declares them. */
export class HelmSectionBuilder {
  private readonly defaults: Record<string, unknown> = {};
  private readonly shape: Record<string, z.ZodType> = {};
  private readonly bindings: HelmBinding[] = [];
  private readonly docs: HelmValueDoc[] = [];
  private readonly checks: string[] = [];
  private pods?: string;

  constructor(private readonly key: string, private readonly owner: string) {}

  private ref(path: readonly string[]): string {
    return `.Values.${this.key}.${path.join('.')}`;
  }

  private setDefault(path: readonly string[], value: unknown, schema: z.ZodType): void {
    let defaults = this.defaults;
    let shape = this.shape;
    for (const key of path.slice(0, -1)) {
      defaults = (defaults[key] ??= {}) as Record<string, unknown>;
      shape = ((shape as Record<string, unknown>)[`__${key}`] ??= {}) as Record<string, z.ZodType>;
    }
    const leaf = path[path.length - 1];
    defaults[leaf] = value;
    shape[leaf] = schema;
  }

  /** An image: registry, repository, tag and digest, each overridable; `alsoAt` are more containers running the same image. */
  public image(path: readonly string[], image: ImageReference, target: ApiObject, at: readonly ValuePathSegment[], description: string, alsoAt: readonly (readonly ValuePathSegment[])[] = []): this {
    this.setDefault(path, imageDefaults(image), imageValuesSchema);
    for (const container of [at, ...alsoAt]) {
      this.bindings.push({ target, path: [...container, 'image'], template: `{{ include "${IMAGE_HELPER}" (list .Values.global ${this.ref(path)}) | quote }}` });
    }
    this.docs.push(
      { path: `${this.key}.${path.join('.')}.repository`, description: `${description}: repository` },
      { path: `${this.key}.${path.join('.')}.tag`, description: `${description}: tag (ignored when a digest is set)` },
      { path: `${this.key}.${path.join('.')}.digest`, description: `${description}: digest, e.g. sha256:...` },
      { path: `${this.key}.${path.join('.')}.registry`, description: `${description}: registry (default: global.imageRegistry)` },
    );
    return this;
  }

  /** A number or string field. */
  public scalar(path: readonly string[], value: unknown, schema: z.ZodType, bindTo: readonly { target: ApiObject; at: readonly ValuePathSegment[] }[], description: string): this {
    this.setDefault(path, value, schema);
    for (const { target, at } of bindTo) {
      this.bindings.push({ target, path: at, template: `{{ ${this.ref(path)} }}` });
    }
    this.docs.push({ path: `${this.key}.${path.join('.')}`, description });
    return this;
  }

  /**
   * Requests and limits of a container, rendered as JSON (valid YAML) from the values. Extended
   * resources (GPUs) appear in both requests and limits, as Kubernetes requires them equal.
   */
  public resources(path: readonly string[], resources: ResolvedResources, target: ApiObject, at: readonly ValuePathSegment[], description: string, extended: Readonly<Record<string, number>> = {}, alsoAt: readonly (readonly ValuePathSegment[])[] = []): this {
    const schema = Object.keys(extended).length === 0 ? resourcesValuesSchema : extendedResourcesSchema(Object.keys(extended));
    this.setDefault(path, { requests: { ...resources.requests, ...extended }, limits: { ...resources.limits, ...extended } }, schema);
    for (const container of [at, ...alsoAt]) {
      this.bindings.push({ target, path: [...container, 'resources'], template: `{{ toJson ${this.ref(path)} }}` });
    }
    this.docs.push({ path: `${this.key}.${path.join('.')}`, description });
    for (const resource of ['cpu', 'memory']) {
      const request = this.ref([...path, 'requests', resource]);
      const limit = this.ref([...path, 'limits', resource]);
      this.checks.push(failWhen(`gt ${quantityOf(request)} ${quantityOf(limit)}`, `${this.key}.${path.join('.')}.requests.${resource} must be at most ${this.key}.${path.join('.')}.limits.${resource}`));
    }
    return this;
  }

  /**
   * A minimum and a maximum replica count bound to fields of one object; the render fails when
   * the minimum is above the maximum. The workload then runs at most `maximum + surge` pods.
   */
  public replicaBounds(path: readonly string[], bounds: { min: number; max: number; minSchema: z.ZodType; maxSchema: z.ZodType }, target: ApiObject, fields: { min: string; max: string }, description: string, surge = 1): this {
    this.scalar([...path, 'minReplicas'], bounds.min, bounds.minSchema, [{ target, at: ['spec', fields.min] }], `${description}: fewest replicas`);
    this.scalar([...path, 'maxReplicas'], bounds.max, bounds.maxSchema, [{ target, at: ['spec', fields.max] }], `${description}: most replicas`);
    const min = this.ref([...path, 'minReplicas']);
    const max = this.ref([...path, 'maxReplicas']);
    this.checks.push(failWhen(`gt (int ${min}) (int ${max})`, `${this.key}.${path.join('.')}.minReplicas must be at most ${this.key}.${path.join('.')}.maxReplicas`));
    this.pods = `(add (int ${max}) ${surge})`;
    return this;
  }

  /** A fixed replica count bound to `spec.replicas` of one object (a replica may be a group of `podsPerReplica` pods). */
  public replicas(value: number, schema: z.ZodType, target: ApiObject, description: string, surge = 1, podsPerReplica = 1): this {
    this.scalar(['replicas'], value, schema, [{ target, at: ['spec', 'replicas'] }], description);
    const pods = `(add (int ${this.ref(['replicas'])}) ${surge})`;
    this.pods = podsPerReplica === 1 ? pods : `(mul ${pods} ${podsPerReplica})`;
    return this;
  }

  /** Any JSON value bound to a field and rendered with `toJson`. */
  public json(path: readonly string[], value: unknown, schema: z.ZodType, target: ApiObject, at: readonly ValuePathSegment[], description: string): this {
    this.setDefault(path, value, schema);
    this.bindings.push({ target, path: at, template: `{{ toJson ${this.ref(path)} }}` });
    this.docs.push({ path: `${this.key}.${path.join('.')}`, description });
    return this;
  }

  /** Binds a field to a Go template over values this section declares (a name derived from an image value). */
  public bindTemplate(target: ApiObject, at: readonly ValuePathSegment[], template: string): this {
    this.bindings.push({ target, path: at, template });
    return this;
  }

  /** The Go template reference of one of this section's values, e.g. `.Values.redisCache.replication.nodes`. */
  public valueRef(path: readonly string[]): string {
    return this.ref(path);
  }

  /** The most pods the workload runs: the integer value at `path` (a StatefulSet has no surge pod). */
  public podsFromValue(path: readonly string[]): this {
    this.pods = `(int ${this.ref(path)})`;
    return this;
  }

  /** The most pods the workload runs when that does not depend on the values. */
  public fixedPods(count: number): this {
    this.pods = String(count);
    return this;
  }

  public build(): HelmValueSection {
    return {
      key: this.key, owner: this.owner, defaults: this.defaults, schema: toZod(this.shape), bindings: this.bindings, docs: this.docs,
      checks: this.checks, podsExpression: this.pods,
    };
  }
}

/** Nested shapes (`__key` entries) to strict zod objects. */
function toZod(shape: Record<string, unknown>): z.ZodType {
  const out: Record<string, z.ZodType> = {};
  for (const [key, value] of Object.entries(shape)) {
    out[key.startsWith('__') ? key.slice(2) : key] = key.startsWith('__') ? toZod(value as Record<string, unknown>) : (value as z.ZodType);
  }
  return z.object(out).strict();
}
