import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { isKubeObject, isRecord } from '../diff/objects';
import { type LocatedObject } from '../diff/output-diff';
import { CliError } from './io';

/** A file that could not be read as Kubernetes objects. */
export interface UnreadableFile {
  readonly file: string;
  readonly message: string;
}

/** What a folder (or a git revision of one) holds. */
export interface ManifestSet {
  readonly objects: readonly LocatedObject[];
  readonly unreadable: readonly UnreadableFile[];
  /** How many manifest files were read. */
  readonly fileCount: number;
  /** The folder the files were read from (`manifests/` inside an output folder); `file` of each object is relative to it. */
  readonly root: string;
}

const MANIFEST_FILE = /\.(ya?ml|json)$/;

/** The objects of one file: YAML (every document, YAML 1.1 as kubectl reads it) or JSON; `List` kinds are unpacked. */
export function parseManifestText(text: string, file: string): { objects: unknown[]; problems: string[] } {
  const problems: string[] = [];
  const objects: unknown[] = [];
  for (const doc of parseAllDocuments(text, { version: '1.1', uniqueKeys: true })) {
    if (doc.errors.length > 0) {
      problems.push(...doc.errors.map((e) => e.message.split('\n')[0].replace(/:$/, '')));
      continue;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) {
      continue;
    }
    if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      objects.push(...value.items);
    } else {
      objects.push(value);
    }
  }
  return { objects, problems: problems.map((p) => `${file}: ${p}`) };
}

/** Our output folder holds `manifests/` next to `helm/` (Helm templates are not plain YAML): read only that part. */
function manifestRoot(root: string, list: (dir: string) => string[]): string {
  return list(root).includes('manifests') ? 'manifests' : '';
}

function collect(files: readonly string[], read: (file: string) => string, base: string): ManifestSet {
  const objects: LocatedObject[] = [];
  const unreadable: UnreadableFile[] = [];
  for (const file of files) {
    const { objects: values, problems } = parseManifestText(read(file), file);
    unreadable.push(...problems.map((message) => ({ file, message })));
    const relative = path.posix.relative(base, file);
    values.forEach((value, i) => {
      if (isKubeObject(value)) {
        objects.push({ folder: path.posix.dirname(relative), file: relative, object: value });
      } else {
        unreadable.push({ file, message: `document ${i + 1} is not a Kubernetes object (it needs apiVersion, kind and metadata.name)` });
      }
    });
  }
  return { objects, unreadable, fileCount: files.length, root: base };
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name.startsWith('.') ? [] : walk(full);
    return MANIFEST_FILE.test(entry.name) ? [full] : [];
  }).sort();
}

/** Every manifest file under a folder (or one file), parsed. */
export function readManifestFolder(target: string): ManifestSet {
  if (!fs.existsSync(target)) {
    throw new CliError(`${target} does not exist`);
  }
  if (fs.statSync(target).isFile()) {
    return collect([target], (f) => fs.readFileSync(f, 'utf8'), path.dirname(target));
  }
  const sub = manifestRoot(target, (d) => fs.readdirSync(d));
  const root = path.join(target, sub);
  const toPosix = (f: string) => f.split(path.sep).join('/');
  const files = walk(root).map(toPosix);
  return collect(files, (f) => fs.readFileSync(f, 'utf8'), toPosix(root));
}

function git(cwd: string, args: readonly string[]): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new CliError(`git ${args.join(' ')}: ${stderr.trim()}`);
  }
}

/**
 * The manifest files of a folder at a git revision (`rev` for the same folder, `rev:path` for
 * another), read from the repository without checking anything out.
 */
export function readManifestRevision(cwd: string, spec: string, folder: string): ManifestSet {
  const [rev, explicit] = spec.includes(':') ? [spec.slice(0, spec.indexOf(':')), spec.slice(spec.indexOf(':') + 1)] : [spec, undefined];
  const top = git(cwd, ['rev-parse', '--show-toplevel']).trim();
  const relative = explicit ?? path.relative(top, path.resolve(cwd, folder)).split(path.sep).join('/');
  const listed = git(top, ['ls-tree', '-r', '--name-only', rev, '--', relative]).split('\n').filter((f) => MANIFEST_FILE.test(f));
  if (listed.length === 0) {
    throw new CliError(`${relative || '.'} holds no manifest at ${rev} (is it tracked? build output such as dist/ usually is not): synthesize that revision into a folder, e.g. git worktree add ../base ${rev}, and pass --base ../base/${relative}`);
  }
  const underManifests = listed.some((f) => f.startsWith(`${relative ? `${relative}/` : ''}manifests/`));
  const base = [relative, ...(underManifests ? ['manifests'] : [])].filter(Boolean).join('/');
  const files = listed.filter((f) => !underManifests || f.startsWith(`${base}/`));
  return collect(files, (f) => git(top, ['show', `${rev}:${f}`]), base);
}
