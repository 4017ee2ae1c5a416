/**
 * Model weights as the pool sees them: `repository@revision` references, where a revision lives
 * in the model cache, and how long downloading and loading it may take.
 */

/** Where the model cache is mounted, in the download Job (read-write) and the servers (read-only). */
export const MODEL_MOUNT = '/models';
/** The file the download Job writes last: a revision directory without it is incomplete. */
export const COMPLETE_MARKER = '.complete';
/** The revision the Hub serves when none is given (a floating one). */
export const DEFAULT_REVISION = 'main';

const REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(\/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$/;
const REVISION = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;
const COMMIT = /^[0-9a-f]{40}$/;
const LOCAL_PATH = /^\/[^\0]*$/;

/** A model to serve: a Hub repository at a revision, or a path already inside the model cache. */
export interface ModelReference {
  /** `meta-llama/Llama-3.1-8B-Instruct`; for a local path, the path. */
  readonly repository: string;
  /** The revision given after `@`, if any. */
  readonly revision?: string;
  /** Whether the model is a path inside the cache (nothing to download). */
  readonly local: boolean;
}

/** `org/name@revision`, `org/name` or `/models/...`; undefined when it is none of those. */
export function parseModelReference(model: string): ModelReference | undefined {
  if (LOCAL_PATH.test(model)) {
    return { repository: model, local: true };
  }
  const at = model.indexOf('@');
  const repository = at < 0 ? model : model.slice(0, at);
  const revision = at < 0 ? undefined : model.slice(at + 1);
  if (!REPOSITORY.test(repository) || (revision !== undefined && !REVISION.test(revision))) {
    return undefined;
  }
  return { repository, revision, local: false };
}

/** Whether a reference names exactly one set of files: a commit, or a path the user manages. */
export function isPinned(reference: ModelReference): boolean {
  return reference.local || (reference.revision !== undefined && COMMIT.test(reference.revision));
}

/** The revision downloaded: the one given, else the Hub's default branch. */
export function revisionOf(reference: ModelReference): string {
  return reference.revision ?? DEFAULT_REVISION;
}

/** The directory one revision occupies in the cache: `/models/<org>/<name>/<revision>`. */
export function modelDirectory(reference: ModelReference): string {
  if (reference.local) {
    return reference.repository;
  }
  return `${MODEL_MOUNT}/${reference.repository}/${revisionOf(reference).replace(/\//g, '--')}`;
}

/**
 * Budgets derived from the size of the weights, when it is known. They assume at least 25 MiB/s
 * from the Hub and 100 MiB/s from the model cache (a network file system such as EFS or
 * Filestore), plus a fixed allowance: scheduling and image pulls for a download, CUDA graph
 * capture and compilation for a load.
 */
const HUB_BYTES_PER_SECOND = 25 * 2 ** 20;
const CACHE_BYTES_PER_SECOND = 100 * 2 ** 20;
const DOWNLOAD_ALLOWANCE_SECONDS = 600;
const LOAD_ALLOWANCE_SECONDS = 300;
/** Without a size: an hour to download, the pool's startup default to load. */
export const DEFAULT_DOWNLOAD_BUDGET_SECONDS = 3600;
export const MAX_BUDGET_SECONDS = 4 * 3600;

const roundUp = (seconds: number, step: number) => Math.ceil(seconds / step) * step;

/** Seconds a download of `sizeBytes` may take (the Job's deadline, and how long servers wait for it). */
export function downloadBudgetSeconds(sizeBytes: number | undefined): number {
  if (sizeBytes === undefined) {
    return DEFAULT_DOWNLOAD_BUDGET_SECONDS;
  }
  return Math.min(MAX_BUDGET_SECONDS, roundUp(DOWNLOAD_ALLOWANCE_SECONDS + sizeBytes / HUB_BYTES_PER_SECOND, 60));
}

/** Seconds loading `sizeBytes` of weights may take before the server answers (the startup probe budget). */
export function loadBudgetSeconds(sizeBytes: number): number {
  return Math.min(MAX_BUDGET_SECONDS, roundUp(LOAD_ALLOWANCE_SECONDS + sizeBytes / CACHE_BYTES_PER_SECOND, 60));
}

/**
 * The shell script of the download Job: nothing to do when the revision is complete (so re-runs
 * and re-applies are idempotent), else download into the revision's directory (resuming a
 * partial download) and write the marker last.
 */
export const DOWNLOAD_SCRIPT = [
  'set -eu',
  `if [ -f "$MODEL_DIR/${COMPLETE_MARKER}" ]; then echo "$MODEL_ID@$MODEL_REVISION is already in the cache at $MODEL_DIR"; exit 0; fi`,
  'mkdir -p "$MODEL_DIR"',
  'huggingface-cli download "$MODEL_ID" --revision "$MODEL_REVISION" --local-dir "$MODEL_DIR"',
  `touch "$MODEL_DIR/${COMPLETE_MARKER}"`,
  'echo "downloaded $MODEL_ID@$MODEL_REVISION to $MODEL_DIR"',
].join('\n');

/** The shell script of the servers' init container: wait for the marker, at most WAIT_SECONDS. */
export const WAIT_SCRIPT = [
  'deadline=$(( $(date +%s) + WAIT_SECONDS ))',
  `until [ -f "$MODEL_DIR/${COMPLETE_MARKER}" ]; do`,
  '  if [ "$(date +%s)" -ge "$deadline" ]; then',
  `    echo "no complete weights at $MODEL_DIR after $WAIT_SECONDS s: check the download Job: kubectl logs -l app.kubernetes.io/name=$DOWNLOAD_JOB" >&2`,
  '    exit 1',
  '  fi',
  '  echo "waiting for the weights at $MODEL_DIR"',
  '  sleep 10',
  'done',
].join('\n');

/** The init container of the CPU fallback: download into the pod's own emptyDir (development only). */
export const LOCAL_DOWNLOAD_SCRIPT = [
  'set -eu',
  'huggingface-cli download "$MODEL_ID" --revision "$MODEL_REVISION" --local-dir "$MODEL_DIR"',
].join('\n');
