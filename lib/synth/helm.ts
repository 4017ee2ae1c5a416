import { randomBytes } from 'crypto';
import * as path from 'path';
import { type ApiObject } from 'cdk8s';
import { z } from 'zod';
import { SynthesisError } from '../core/errors';
import { failWhen, type HelmBinding, type HelmValueSection, IMAGE_HELPER, isHelmValuesProvider, QUANTITY_HELPER, type ValuePathSegment } from '../core/helm-values';
import { ImageTagPolicy } from '../core/image';
import { QUOTA_VALUES_KEY } from '../agent-platform';
import { imageRegistryPrefixSchema } from '../core/image';
import { prerequisitesOf, prerequisitesText } from './prerequisites';
import { type KubeObject } from './kube-object';
import { type IOutputWriter, type RenderedEnvironment } from './rendered';
import { toYaml } from './yaml';

/** How charts are written. */
export interface HelmChartOptions {
  /** Chart version (SemVer), e.g. the package version. */
  readonly version: string;
  /**
   * Version of the app the chart deploys.
   * @default - the chart version
   */
  readonly appVersion?: string;
  /**
   * Whether every object also gets the standard Helm labels (`helm.sh/chart`,
   * `app.kubernetes.io/instance` and `app.kubernetes.io/managed-by` from the release). Off, the
   * chart renders exactly the plain manifests.
   * @default false
   */
  readonly standardLabels?: boolean;
}

const GLOBAL_KEY = 'global';

/**
 * A placeholder is plain text YAML leaves alone; it becomes the template after escaping. Each
 * chart draws a random nonce, so no user data can ever look like one of its placeholders.
 */
class Placeholders {
  private readonly templates: string[] = [];
  private readonly prefix = `zzcdk8sagents${randomBytes(8).toString('hex')}v`;
  private readonly pattern = new RegExp(`"?${this.prefix}([0-9]+)zz"?`, 'g');

  public token(template: string): string {
    this.templates.push(template);
    return `${this.prefix}${this.templates.length - 1}zz`;
  }

  public substitute(text: string): string {
    return text.replace(this.pattern, (_, index: string) => this.templates[Number(index)]);
  }
}

/** Keeps a literal `{{` (Grafana, Alertmanager templates) literal through Helm's rendering. */
export function escapeTemplateText(text: string): string {
  return text.replace(/\{\{/g, '{{ "{{" }}');
}

function setAt(root: unknown, at: readonly ValuePathSegment[], value: unknown, where: string): void {
  let node = root as Record<string, unknown> | unknown[];
  for (let i = 0; i < at.length; i++) {
    const segment = at[i];
    const last = i === at.length - 1;
    let key: string | number;
    if (typeof segment === 'object') {
      const index = Array.isArray(node) ? node.findIndex((item) => (item as { name?: unknown }).name === segment.name) : -1;
      if (index < 0) {
        throw new Error(`${where}: no item named "${segment.name}"`);
      }
      key = index;
    } else {
      key = segment;
    }
    const container = node as Record<string | number, unknown>;
    if (last) {
      container[key] = value;
      return;
    }
    container[key] ??= {};
    node = container[key] as Record<string, unknown>;
  }
}

const CHART_HELPERS = `{{/*
Joins an image from the values: the workload's registry or global.imageRegistry, the
repository, and the digest when set, else the tag. Argument: (list .Values.global <image values>).
*/}}
{{- define "${IMAGE_HELPER}" -}}
{{- $global := index . 0 -}}
{{- $image := index . 1 -}}
{{- $registry := $image.registry | default $global.imageRegistry -}}
{{- $name := $image.repository -}}
{{- if $registry -}}
{{- $name = printf "%s/%s" $registry $image.repository -}}
{{- end -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $name $image.digest -}}
{{- else if not (kindIs "invalid" $image.tag) -}}
{{- /* values files hand whole numbers over as floats: 20240101 must not become 2.0240101e+07 */ -}}
{{- $tag := $image.tag -}}
{{- if kindIs "float64" $tag -}}{{- $tag = printf "%.0f" $tag -}}{{- end -}}
{{- printf "%s:%v" $name $tag -}}
{{- else -}}
{{- $name -}}
{{- end -}}
{{- end -}}

{{/*
A Kubernetes quantity ("500m", "1.5", "256Mi", "2G", 2) as a plain number, for comparisons.
*/}}
{{- define "${QUANTITY_HELPER}" -}}
{{- $text := toString . -}}
{{- $number := regexFind "^[0-9.]+" $text -}}
{{- $unit := trimPrefix $number $text -}}
{{- $factor := get (dict "" 1.0 "m" 0.001 "k" 1000.0 "M" 1000000.0 "G" 1000000000.0 "T" 1000000000000.0 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0) $unit -}}
{{- mulf (float64 $number) (default 1.0 $factor) -}}
{{- end -}}
`;

const HELMIGNORE = ['.DS_Store', '*.swp', '*.bak', '*.tmp', '*.orig', '*~', '.git/', ''].join('\n');

/**
 * Writes one Helm chart per app and environment to `helm/<app>-<env>/`. Its values really drive
 * it: images, replicas, autoscaling bounds and resources of every workload, the global image
 * registry, and whether the namespace is created. With default values `helm template` renders
 * exactly the plain manifests. values.schema.json comes from the zod schemas that validate the
 * construct props, so Helm rejects a wrong value before anything is applied.
 */
export class HelmChartWriter implements IOutputWriter {
  constructor(private readonly options: HelmChartOptions) {}

  public files(environments: readonly RenderedEnvironment[]): Map<string, string> {
    const files = new Map<string, string>();
    const problems: string[] = [];
    for (const env of environments) {
      try {
        for (const [file, content] of this.chartFiles(env)) {
          files.set(path.posix.join('helm', `${env.app}-${env.environment}`, file), content);
        }
      } catch (error) {
        if (SynthesisError.isSynthesisError(error)) {
          problems.push(...error.problems);
        } else {
          problems.push(`[${env.app}/${env.environment}] Helm chart: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
    if (problems.length > 0) {
      throw new SynthesisError(problems);
    }
    return files;
  }

  /** The files of one chart, by path relative to the chart folder. */
  public chartFiles(env: RenderedEnvironment): Map<string, string> {
    const sections = this.sections(env);
    const global = this.globalValues(env);
    const chartName = `${env.app}-${env.environment}`;
    const files = new Map<string, string>();
    files.set('Chart.yaml', toYaml({
      apiVersion: 'v2',
      name: chartName,
      description: `${env.app} in ${env.environment}, synthesized by cdk8s-agents`,
      type: 'application',
      version: this.options.version,
      appVersion: this.options.appVersion ?? this.options.version,
      kubeVersion: '>= 1.28.0-0',
    }));
    files.set('values.yaml', toYaml({ [GLOBAL_KEY]: global.defaults, ...Object.fromEntries(sections.map((s) => [s.key, s.defaults])) }));
    files.set('values.schema.json', `${JSON.stringify(this.valuesSchema(global.schema, sections, env.platform.environment.images.tagPolicy), null, 2)}\n`);
    files.set('.helmignore', HELMIGNORE);
    files.set('templates/_helpers.tpl', CHART_HELPERS);
    for (const [name, content] of this.templates(env, sections)) {
      files.set(`templates/${name}`, content);
    }
    files.set('templates/zz-value-checks.yaml', valueChecks(sections));
    // Shown after install and upgrade; never rendered into the manifests.
    files.set('templates/NOTES.txt', escapeTemplateText(prerequisitesText(prerequisitesOf(env))));
    files.set('README.md', this.readme(chartName, env, sections));
    return files;
  }

  private sections(env: RenderedEnvironment): HelmValueSection[] {
    const sections = env.platform.node.findAll().filter(isHelmValuesProvider).map((p) => p.helmValues()).filter((s): s is HelmValueSection => s !== undefined);
    const owners = new Map<string, string>([[GLOBAL_KEY, '(chart globals)']]);
    for (const section of sections) {
      const taken = owners.get(section.key);
      if (taken) {
        throw new SynthesisError([`[${section.owner}] name: its Helm values key "${section.key}" is already used by ${taken}; rename one of the workloads (the names "global" and "resource-quota" are taken by the chart)`]);
      }
      owners.set(section.key, section.owner);
    }
    return sections;
  }

  private globalValues(env: RenderedEnvironment): { defaults: Record<string, unknown>; schema: z.ZodType } {
    const createNamespace = env.platform.environment.namespacePolicy.create;
    return {
      defaults: { imageRegistry: env.platform.environment.images.registry ?? '', ...(createNamespace ? { createNamespace: true } : {}) },
      schema: z.object({
        imageRegistry: z.union([z.literal(''), imageRegistryPrefixSchema]),
        ...(createNamespace ? { createNamespace: z.boolean() } : {}),
      }).strict(),
    };
  }

  private valuesSchema(global: z.ZodType, sections: readonly HelmValueSection[], tagPolicy: ImageTagPolicy): unknown {
    const shape: Record<string, z.ZodType> = { [GLOBAL_KEY]: global };
    for (const section of sections) {
      shape[section.key] = section.schema;
    }
    const schema = z.toJSONSchema(z.object(shape).strict(), { target: 'draft-7', unrepresentable: 'any' }) as Record<string, unknown>;
    return { ...withTagPolicy(schema, tagPolicy), title: 'Values of a chart synthesized by cdk8s-agents' };
  }

  private labelBindings(object: ApiObject): HelmBinding[] {
    if (!this.options.standardLabels) {
      return [];
    }
    const label = (name: string, template: string): HelmBinding => ({ target: object, path: ['metadata', 'labels', name], template });
    return [
      label('helm.sh/chart', '{{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" | trimSuffix "_" | trimSuffix "." | quote }}'),
      label('app.kubernetes.io/instance', '{{ .Release.Name | quote }}'),
      label('app.kubernetes.io/managed-by', '{{ .Release.Service | quote }}'),
    ];
  }

  private templates(env: RenderedEnvironment, sections: readonly HelmValueSection[]): Map<string, string> {
    const bindings = new Map<ApiObject, HelmBinding[]>();
    for (const binding of sections.flatMap((s) => s.bindings)) {
      bindings.set(binding.target, [...(bindings.get(binding.target) ?? []), binding]);
    }
    const templates = new Map<string, string>();
    for (const file of env.files) {
      const placeholders = new Placeholders();
      const documents = file.objects.map((object, index) => {
        const source = file.sources[index];
        const own = [...(bindings.get(source) ?? []), ...this.labelBindings(source)];
        const text = toYaml(own.length > 0 ? this.withPlaceholders(object, own, placeholders) : object);
        const conditional = object.kind === 'Namespace' && object.apiVersion === 'v1' && env.platform.environment.namespacePolicy.create;
        const escaped = escapeTemplateText(text);
        return conditional ? `{{- if .Values.global.createNamespace }}\n${escaped}{{- end }}\n` : escaped;
      });
      templates.set(file.fileName, placeholders.substitute(documents.join('---\n')));
    }
    return templates;
  }

  private withPlaceholders(object: KubeObject, bindings: readonly HelmBinding[], placeholders: Placeholders): KubeObject {
    const copy = structuredClone(object) as KubeObject;
    for (const binding of bindings) {
      setAt(copy, binding.path, placeholders.token(binding.template), `${object.kind} ${object.metadata.name}`);
    }
    return copy;
  }

  private readme(chartName: string, env: RenderedEnvironment, sections: readonly HelmValueSection[]): string {
    const values = Object.fromEntries([[GLOBAL_KEY, this.globalValues(env).defaults], ...sections.map((s) => [s.key, s.defaults])]) as Record<string, unknown>;
    const rows = [
      { path: 'global.imageRegistry', description: 'Registry prefixed to images that name none' },
      ...(env.platform.environment.namespacePolicy.create ? [{ path: 'global.createNamespace', description: 'Whether the chart creates the namespace (false when it already exists)' }] : []),
      ...sections.flatMap((s) => s.docs),
    ].map((doc) => `| \`${doc.path}\` | ${describeDefault(lookup(values, doc.path))} | ${doc.description} |`);
    return [
      `# ${chartName}`,
      '',
      `The \`${env.app}\` app in the \`${env.environment}\` environment (namespace \`${env.platform.environment.namespace}\`), synthesized by cdk8s-agents.`,
      'Do not edit: change the TypeScript app and synthesize again.',
      '',
      'The chart creates the namespace itself (with its Pod Security labels), so keep the release record in a namespace that already exists:',
      '',
      '```sh',
      `helm upgrade --install ${chartName} ./ --namespace default --atomic --set <workload>.image.tag=$GIT_SHA`,
      '```',
      '',
      `Or create and label \`${env.platform.environment.namespace}\` yourself (\`kubectl apply -f\` the Namespace from the plain manifests) and install into it with \`--namespace ${env.platform.environment.namespace} --set global.createNamespace=false\`.`,
      '',
      'With default values the chart renders exactly the plain manifests of this environment. `values.schema.json` rejects unknown keys and wrong types.',
      '',
      '## Values',
      '',
      '| Key | Default | Description |',
      '| --- | --- | --- |',
      ...rows,
      '',
    ].join('\n');
  }
}

/**
 * The environment's image policy in the schema too: a pinned environment refuses `latest` and a
 * missing tag (`--set x.image.tag=null`), a digest environment requires a digest.
 */
function withTagPolicy(schema: Record<string, unknown>, policy: ImageTagPolicy): Record<string, unknown> {
  const definitions = schema.definitions as Record<string, Record<string, unknown>> | undefined;
  const image = definitions?.image;
  if (!image || policy === ImageTagPolicy.ANY) {
    return schema;
  }
  const properties = image.properties as Record<string, Record<string, unknown>>;
  const pinned = policy === ImageTagPolicy.DIGEST
    ? { required: [...(image.required as string[]), 'digest'] }
    : {
      anyOf: [{ properties: { tag: {} }, required: ['tag'] }, { properties: { digest: {} }, required: ['digest'] }],
      properties: { ...properties, tag: { ...properties.tag, not: { type: 'string', pattern: '^[Ll][Aa][Tt][Ee][Ss][Tt]$' } } },
    };
  return { ...schema, definitions: { ...definitions, image: { ...image, ...pinned } } };
}

/**
 * A template rendering nothing unless the values contradict each other in ways a schema cannot
 * see: then it fails the render, before anything is applied.
 */
function valueChecks(sections: readonly HelmValueSection[]): string {
  const checks = sections.flatMap((s) => s.checks);
  const quota = sections.find((s) => s.key === QUOTA_VALUES_KEY);
  const pods = sections.map((s) => s.podsExpression).filter((p): p is string => p !== undefined);
  if (quota && pods.length > 0) {
    checks.push(failWhen(
      `gt (int (add ${pods.join(' ')})) (int (index .Values.${QUOTA_VALUES_KEY}.hard "pods"))`,
      `the workloads can run more pods than ${QUOTA_VALUES_KEY}.hard.pods allows: raise ${QUOTA_VALUES_KEY}.hard.pods (and the CPU and memory limits) with the replicas`,
    ));
  }
  return ['{{- /* Renders nothing; fails the render on values that contradict each other. */ -}}', ...checks, ''].join('\n');
}

function lookup(values: Record<string, unknown>, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), values);
}

function describeDefault(value: unknown): string {
  if (value === undefined) {
    return '(unset)';
  }
  return `\`${JSON.stringify(value)}\``;
}
