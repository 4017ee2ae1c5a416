import { spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SynthesisError } from '../core/errors';

/** The file that marks a folder as written by `synthesize()`, so that it may be replaced. */
export const OUTPUT_MARKER = '.cdk8s-agents-output';

const MARKER_TEXT = 'Written by cdk8s-agents synthesize(). This folder is replaced whole on every synthesis: do not keep other files here.\n';

/** Where a synthesis stages its output next to `target`: hidden, and ignored by Git through its own .gitignore. */
export function workFolderOf(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.cdk8s-agents`);
}

/** How to write the output folder. */
export interface OutputFolderOptions {
  /**
   * Replace an existing folder that `synthesize()` did not write (it has no marker file).
   * Every file in it is deleted.
   * @default false
   */
  readonly force?: boolean;
}

/**
 * Writes `files` to `outdir` so that a process killed at any instant leaves either the previous
 * output or the new one there, never neither: the new tree is staged next to it, then swapped in
 * with one atomic exchange of the two folders (Linux `renameat2(RENAME_EXCHANGE)`). Where that is
 * not available, two renames are used and a kill between them is recovered by the next run.
 * Leftovers of a killed run are recovered or removed first. A folder without the marker is never
 * replaced unless `force` is set.
 */
export function writeOutputFolder(outdir: string, files: ReadonlyMap<string, string>, options: OutputFolderOptions = {}): void {
  const target = path.resolve(outdir);
  refuseDangerousOutdir(target, outdir);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const work = workFolderOf(target);
  recoverLeftovers(target, work);
  refuseForeignFolder(target, outdir, options.force ?? false);
  prepareWorkFolder(work);
  const staging = path.join(work, `staging-${randomBytes(6).toString('hex')}`);
  try {
    writeTree(staging, files);
    swapIn(staging, target, work);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function refuse(outdir: string, reason: string): never {
  throw new SynthesisError([`[synthesize] outdir: refusing to write "${outdir}": ${reason}`]);
}

/**
 * The output folder is replaced whole: never a filesystem root, the current folder or one of its
 * parents, or a folder that holds a project (package.json, .git), whatever `force` says.
 */
function refuseDangerousOutdir(target: string, outdir: string): void {
  const cwd = path.resolve('.');
  const isAncestorOfCwd = cwd === target || cwd.startsWith(`${target}${path.sep}`);
  const holdsProject = ['package.json', '.git'].some((f) => fs.existsSync(path.join(target, f)));
  if (path.parse(target).root === target || isAncestorOfCwd || holdsProject) {
    refuse(outdir, 'it is a filesystem root, the current folder or one of its parents, or holds a project (package.json, .git), and the output folder is deleted and rewritten on every synthesis; use a dedicated folder such as "dist"');
  }
}

/** A folder we did not write is never deleted, unless the caller says so. */
function refuseForeignFolder(target: string, outdir: string, force: boolean): void {
  const stat = fs.lstatSync(target, { throwIfNoEntry: false });
  if (!stat) {
    return;
  }
  if (!stat.isDirectory()) {
    refuse(outdir, 'it exists and is not a folder; remove it or choose another outdir');
  }
  const entries = fs.readdirSync(target);
  if (force || entries.length === 0 || entries.includes(OUTPUT_MARKER)) {
    return;
  }
  const sample = entries.slice(0, 3).map((e) => `"${e}"`).join(', ');
  refuse(outdir, `the folder exists and was not written by cdk8s-agents (it has no ${OUTPUT_MARKER} file) but holds ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} (${sample}${entries.length > 3 ? ', ...' : ''}), which replacing it would delete. Choose another outdir, empty or delete the folder yourself, or pass force: true to synthesize() (npm run synth -- --force) to replace it`);
}

/** A hidden folder next to the output, which Git ignores through its own .gitignore. */
function prepareWorkFolder(work: string): void {
  fs.mkdirSync(work, { recursive: true });
  fs.writeFileSync(path.join(work, '.gitignore'), '# Staging of cdk8s-agents synthesize(); removed when it finishes.\n*\n');
}

function writeTree(root: string, files: ReadonlyMap<string, string>): void {
  fs.mkdirSync(root);
  const dirs = new Set<string>();
  for (const relative of files.keys()) {
    dirs.add(path.dirname(path.join(root, relative)));
  }
  for (const dir of dirs) {
    fs.mkdirSync(dir, { recursive: true });
  }
  for (const [relative, content] of files) {
    fs.writeFileSync(path.join(root, relative), content);
  }
  fs.writeFileSync(path.join(root, OUTPUT_MARKER), MARKER_TEXT);
}

function swapIn(staging: string, target: string, work: string): void {
  if (!fs.existsSync(target)) {
    fs.renameSync(staging, target);
    return;
  }
  if (exchangeFolders(staging, target)) {
    return; // `staging` now holds the previous output; the caller removes the work folder.
  }
  const previous = path.join(work, 'previous');
  fs.renameSync(target, previous);
  fs.renameSync(staging, target);
}

/**
 * A killed run leaves its work folder: when the output is missing (killed between the two
 * renames of the fallback), the previous output is put back, else the newest complete staging
 * tree; then the work folder is removed.
 */
function recoverLeftovers(target: string, work: string): void {
  if (!fs.existsSync(work)) {
    return;
  }
  if (!fs.existsSync(target)) {
    const previous = path.join(work, 'previous');
    const complete = fs.readdirSync(work).filter((e) => e.startsWith('staging-') && fs.existsSync(path.join(work, e, OUTPUT_MARKER)));
    const restore = fs.existsSync(path.join(previous, OUTPUT_MARKER)) ? previous : complete.length > 0 ? path.join(work, complete[0]) : undefined;
    if (restore) {
      fs.renameSync(restore, target);
    }
  }
  fs.rmSync(work, { recursive: true, force: true });
}

/** renameat2's number per Linux architecture (AT_FDCWD = -100, RENAME_EXCHANGE = 2). */
const RENAMEAT2: Readonly<Record<string, number>> = { x64: 316, arm64: 276, riscv64: 276, loong64: 276, arm: 382, ia32: 353, ppc64: 357, s390x: 347 };
const EXCHANGE_SCRIPT = 'exit(syscall($ARGV[0], -100, $ARGV[1], -100, $ARGV[2], 2) == 0 ? 0 : 1)';
let exchangeAvailable: boolean | undefined;

/**
 * Atomically exchanges two folders with Linux renameat2(RENAME_EXCHANGE), through Perl's
 * `syscall` (Perl is part of every Debian and Ubuntu base system; Node has no binding for it).
 * False where that is not possible (another OS or architecture, no Perl, a filesystem without
 * the flag): the caller falls back to two renames.
 */
export function exchangeFolders(a: string, b: string): boolean {
  const number = os.platform() === 'linux' ? RENAMEAT2[os.arch()] : undefined;
  if (number === undefined || exchangeAvailable === false) {
    return false;
  }
  const result = spawnSync('perl', ['-e', EXCHANGE_SCRIPT, String(number), a, b], { stdio: 'ignore', timeout: 10_000 });
  if (result.error) {
    exchangeAvailable = false;
    return false;
  }
  return result.status === 0;
}
