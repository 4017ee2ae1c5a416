/**
 * What vLLM and the libraries below it need to run as an arbitrary non-root uid (10001 has no
 * passwd entry in the image) on a read-only root filesystem: a user name, a home, and every cache
 * directory on the writable /tmp emptyDir.
 *
 * - `USER`/`LOGNAME`: `getpass.getuser()` (torch, triton, inductor) reads them before the passwd
 *   database; without them and without an entry it raises `KeyError: 'getpwuid(): uid not found'`.
 * - `HOME`: `~` expands to it (`~/.cache`, `~/.config`, `~/.triton`, `~/.nv`).
 * - each `*_CACHE*`/`*_HOME`/`*_ROOT` variable: the library's own default would be under `~` or
 *   `/root`, or (inductor) `/tmp/torchinductor_<user>`, which needs the user name.
 */

/** The writable directory every path below lives in (the workloads' /tmp emptyDir). */
export const WRITABLE_ROOT = '/tmp';

/** Environment of every container running vLLM (servers, Ray workers). */
export const VLLM_RUNTIME_ENV: Readonly<Record<string, string>> = {
  HOME: `${WRITABLE_ROOT}/home`,
  USER: 'vllm',
  LOGNAME: 'vllm',
  XDG_CACHE_HOME: `${WRITABLE_ROOT}/.cache`,
  XDG_CONFIG_HOME: `${WRITABLE_ROOT}/.config`,
  XDG_DATA_HOME: `${WRITABLE_ROOT}/.local/share`,
  HF_HOME: `${WRITABLE_ROOT}/.cache/huggingface`,
  HF_MODULES_CACHE: `${WRITABLE_ROOT}/.cache/huggingface/modules`,
  TORCH_HOME: `${WRITABLE_ROOT}/.cache/torch`,
  TORCHINDUCTOR_CACHE_DIR: `${WRITABLE_ROOT}/.cache/torchinductor`,
  TRITON_CACHE_DIR: `${WRITABLE_ROOT}/.cache/triton`,
  TRITON_HOME: `${WRITABLE_ROOT}/.cache/triton-home`,
  VLLM_CACHE_ROOT: `${WRITABLE_ROOT}/.cache/vllm`,
  VLLM_CONFIG_ROOT: `${WRITABLE_ROOT}/.config/vllm`,
  NUMBA_CACHE_DIR: `${WRITABLE_ROOT}/.cache/numba`,
  OUTLINES_CACHE_DIR: `${WRITABLE_ROOT}/.cache/outlines`,
  CUDA_CACHE_PATH: `${WRITABLE_ROOT}/.cache/nv`,
  FLASHINFER_WORKSPACE_BASE: `${WRITABLE_ROOT}/.cache`,
  MPLCONFIGDIR: `${WRITABLE_ROOT}/.config/matplotlib`,
  // No internet from the serving pods: never ask the Hub, never phone home.
  HF_HUB_OFFLINE: '1',
  TRANSFORMERS_OFFLINE: '1',
  HF_HUB_DISABLE_TELEMETRY: '1',
  VLLM_NO_USAGE_STATS: '1',
  DO_NOT_TRACK: '1',
};

/** The variables of `VLLM_RUNTIME_ENV` that name directories the process writes. */
export const VLLM_CACHE_DIRECTORIES: readonly string[] = Object.keys(VLLM_RUNTIME_ENV)
  .filter((name) => VLLM_RUNTIME_ENV[name].startsWith('/'));

/** Environment of the download Job and the fallback's download step: a home and the Hub cache, no telemetry. */
export const DOWNLOADER_ENV: Readonly<Record<string, string>> = {
  HOME: `${WRITABLE_ROOT}/home`,
  USER: 'vllm',
  XDG_CACHE_HOME: `${WRITABLE_ROOT}/.cache`,
  HF_HOME: `${WRITABLE_ROOT}/.cache/huggingface`,
  // The Xet transfer backend keeps a chunk cache of up to 10 GB under HF_HOME; the files go to
  // --local-dir anyway, and /tmp is a small emptyDir.
  HF_XET_CHUNK_CACHE_SIZE_BYTES: '0',
  HF_HUB_DISABLE_TELEMETRY: '1',
  DO_NOT_TRACK: '1',
};
