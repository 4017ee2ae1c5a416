import diff from 'microdiff';
import { type KubeObject } from '../synth/kube-object';
import { isRecord, objectKey, objectName } from './objects';

/** Objects of a manifest set, each with the folder it was read from (e.g. `emm/prod`). */
export interface LocatedObject {
  /** Folder of the file, relative to the set's root (`.` for the root itself). */
  readonly folder: string;
  /** File, relative to the set's root. */
  readonly file: string;
  readonly object: KubeObject;
}

/** One changed field. */
export interface FieldChange {
  /** Path in the object, list entries by name where they have one: `spec.template.spec.containers[api].image`. */
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
  /** Whether the values are withheld (Secret data). */
  readonly hidden: boolean;
}

/** One object that differs. */
export interface ObjectChange {
  readonly change: 'added' | 'removed' | 'changed';
  /** `Deployment agentic-ai/confluence-agent` */
  readonly name: string;
  readonly folder: string;
  /** For a changed object, every changed field. */
  readonly fields: readonly FieldChange[];
}

/** What changed between two manifest sets, object by object. */
export interface OutputDiff {
  readonly changes: readonly ObjectChange[];
  readonly unchanged: number;
}

/** Lists whose entries have unique names become maps keyed `[name]`, so an insertion does not shift every later entry. */
function byName(value: unknown): unknown {
  if (Array.isArray(value)) {
    const names = value.map((v) => (isRecord(v) && typeof v.name === 'string' ? v.name : undefined));
    const keyed = names.every((n) => n !== undefined) && new Set(names).size === names.length && names.length > 0;
    return keyed ? Object.fromEntries(value.map((v, i) => [`[${names[i]}]`, byName(v)])) : value.map(byName);
  }
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, byName(v)]));
  }
  return value;
}

function pathText(path: readonly (string | number)[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    if (key.startsWith('[')) return `${text}${key}`;
    return /^[A-Za-z0-9_-]+$/.test(key) ? (text ? `${text}.${key}` : key) : `${text}[${JSON.stringify(key)}]`;
  }, '');
}

const SECRET_FIELDS = new Set(['data', 'stringData']);

function fieldChanges(before: KubeObject, after: KubeObject): FieldChange[] {
  const secret = before.kind === 'Secret' || after.kind === 'Secret';
  return diff(byName(before) as Record<string, unknown>, byName(after) as Record<string, unknown>).map((d) => {
    const hidden = secret && SECRET_FIELDS.has(String(d.path[0]));
    return {
      path: pathText(d.path),
      hidden,
      ...(hidden ? {} : { ...(d.type !== 'CREATE' ? { before: d.oldValue } : {}), ...(d.type !== 'REMOVE' ? { after: d.value } : {}) }),
    };
  });
}

function keyed(objects: readonly LocatedObject[]): Map<string, LocatedObject> {
  return new Map(objects.map((o) => [`${o.folder}\u0000${objectKey(o.object)}`, o]));
}

/**
 * Compares two manifest sets object by object (identity: folder, API group, kind, namespace,
 * name; files may be reorganised freely) and lists the changed fields of each changed object.
 */
export function diffOutputs(before: readonly LocatedObject[], after: readonly LocatedObject[]): OutputDiff {
  const old = keyed(before);
  const current = keyed(after);
  const changes: ObjectChange[] = [];
  let unchanged = 0;
  for (const [key, o] of current) {
    const previous = old.get(key);
    if (!previous) {
      changes.push({ change: 'added', name: objectName(o.object), folder: o.folder, fields: [] });
      continue;
    }
    const fields = fieldChanges(previous.object, o.object);
    if (fields.length === 0) {
      unchanged++;
    } else {
      changes.push({ change: 'changed', name: objectName(o.object), folder: o.folder, fields });
    }
  }
  for (const [key, o] of old) {
    if (!current.has(key)) {
      changes.push({ change: 'removed', name: objectName(o.object), folder: o.folder, fields: [] });
    }
  }
  const order = { removed: 0, added: 1, changed: 2 };
  changes.sort((a, b) => a.folder.localeCompare(b.folder) || order[a.change] - order[b.change] || a.name.localeCompare(b.name));
  return { changes, unchanged };
}

/** A value as short inline text: JSON, cut at `max` characters. */
export function shortValue(value: unknown, max = 80): string {
  if (value === undefined) return '(none)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function objects(n: number): string {
  return `${n} object${n === 1 ? '' : 's'}`;
}

function summary(result: OutputDiff): string {
  const count = (c: ObjectChange['change']) => result.changes.filter((x) => x.change === c).length;
  return `${count('changed')} changed, ${count('added')} added, ${count('removed')} removed, ${result.unchanged} unchanged`;
}

function fieldLine(f: FieldChange): string {
  if (f.hidden) return `${f.path}: (Secret data changed; values not shown)`;
  if (!('before' in f)) return `${f.path}: added ${shortValue(f.after)}`;
  if (!('after' in f)) return `${f.path}: removed (was ${shortValue(f.before)})`;
  return `${f.path}: ${shortValue(f.before)} -> ${shortValue(f.after)}`;
}

/** Plain text for CI logs: one line per object (`+`, `-`, `~`), its changed fields indented below. */
export function outputDiffText(result: OutputDiff, title = 'output'): string {
  if (result.changes.length === 0) {
    return `No changes in the ${title} (${objects(result.unchanged)} compared).\n`;
  }
  const mark = { added: '+', removed: '-', changed: '~' };
  const lines = [`Changes in the ${title}: ${summary(result)}`];
  for (const c of result.changes) {
    lines.push(`${mark[c.change]} ${c.name} (${c.folder})`);
    lines.push(...c.fields.map((f) => `    ${fieldLine(f)}`));
  }
  return `${lines.join('\n')}\n`;
}

function code(text: string): string {
  const clean = text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return clean.includes('`') ? `\`\` ${clean} \`\`` : `\`${clean}\``;
}

/**
 * Markdown for a pull-request comment: a summary, a table of the objects, and per changed object
 * a collapsed table of its fields.
 */
export function outputDiffMarkdown(result: OutputDiff, title = 'output'): string {
  if (result.changes.length === 0) {
    return `### No changes in the ${title}\n\n${objects(result.unchanged)} compared.\n`;
  }
  const lines = [`### Changes in the ${title}`, '', `**${summary(result)}**`, '', '| change | object | where | fields |', '| --- | --- | --- | ---: |'];
  lines.push(...result.changes.map((c) => `| ${c.change} | ${code(c.name)} | ${c.folder} | ${c.fields.length || ''} |`));
  for (const c of result.changes.filter((x) => x.fields.length > 0)) {
    lines.push('', `<details><summary>${c.name} (${c.folder}): ${c.fields.length} field${c.fields.length === 1 ? '' : 's'}</summary>`, '');
    lines.push('| field | before | after |', '| --- | --- | --- |');
    lines.push(...c.fields.map((f) => (f.hidden
      ? `| ${code(f.path)} | (hidden) | (hidden) |`
      : `| ${code(f.path)} | ${'before' in f ? code(shortValue(f.before)) : ''} | ${'after' in f ? code(shortValue(f.after)) : ''} |`)));
    lines.push('', '</details>');
  }
  return `${lines.join('\n')}\n`;
}
