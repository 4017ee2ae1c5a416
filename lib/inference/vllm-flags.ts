/**
 * The `vllm serve` flags of the pinned vLLM version that this library generates or refuses in
 * `extraEngineArgs`, as data. A test checks every generated argument against this table.
 *
 * Where it came from (looked up 2026-09 with the project's search tool; the v0.11.2 tag commit
 * itself is not in that index, so each entry names the sources it was read from):
 * - `docs.vllm.ai/en/v0.11.2/api/vllm/config/*`: vLLM's versioned API reference, which renders
 *   the source of the config dataclasses at the tag. Every engine flag is generated from a field
 *   of one of them (`EngineArgs.add_cli_args` calls `get_kwargs(<Config>)`): ObservabilityConfig
 *   (`otlp_traces_endpoint`), ParallelConfig (`DistributedExecutorBackend = Literal["ray", "mp",
 *   "uni", "external_launcher"]`), CacheConfig, ModelConfig.
 * - `vllm/engine/arg_utils.py` of vllm-project/vllm (stored version read by id 143850341): the
 *   spelling of each flag and its short alias (`--tensor-parallel-size, -tp`,
 *   `--pipeline-parallel-size, -pp`), and that optional booleans are `BooleanOptionalAction`s.
 * - `docs.vllm.ai/en/v0.12.0/cli/serve/`: the frontend flags (`--host`, `--port`, default 8000).
 * - `vllm/entrypoints/cli/serve.py`: `vllm serve` takes the model as its positional `model_tag`
 *   and raises a ValueError when `--model` is given instead (the image's entrypoint is `vllm serve`).
 */

/** How a flag takes its value. */
export enum VllmFlagKind {
  /** `--flag value`. */
  VALUE = 'value',
  /** `--flag` or `--no-flag` (argparse BooleanOptionalAction). */
  BOOLEAN = 'boolean',
  /** `--flag` alone (store_true). */
  SWITCH = 'switch',
}

export interface VllmFlag {
  /** Long form, e.g. `--tensor-parallel-size`. */
  readonly name: string;
  readonly kind: VllmFlagKind;
  /** Short aliases, e.g. `-tp`. */
  readonly aliases?: readonly string[];
  /** Allowed values, when argparse restricts them. */
  readonly choices?: readonly string[];
  /** The config class (or parser group) that defines it. */
  readonly group: string;
}

export const VLLM_FLAGS_VERSION = 'v0.11.2';

const flag = (name: string, group: string, kind = VllmFlagKind.VALUE, extra: Partial<VllmFlag> = {}): VllmFlag => ({ name, group, kind, ...extra });

/** `vllm serve` flags at `VLLM_FLAGS_VERSION` (the ones the library uses, refuses or documents). */
export const VLLM_FLAGS: readonly VllmFlag[] = [
  flag('--host', 'Frontend'),
  flag('--port', 'Frontend'),
  flag('--api-key', 'Frontend'),
  flag('--uvicorn-log-level', 'Frontend', VllmFlagKind.VALUE, { choices: ['critical', 'debug', 'error', 'info', 'trace', 'warning'] }),
  flag('--disable-fastapi-docs', 'Frontend', VllmFlagKind.SWITCH),
  flag('--headless', 'serve', VllmFlagKind.SWITCH),
  flag('--disable-log-stats', 'serve', VllmFlagKind.SWITCH),
  flag('--enable-log-requests', 'serve', VllmFlagKind.BOOLEAN),
  flag('--model', 'ModelConfig'),
  flag('--served-model-name', 'ModelConfig'),
  flag('--tokenizer', 'ModelConfig'),
  flag('--revision', 'ModelConfig'),
  flag('--trust-remote-code', 'ModelConfig', VllmFlagKind.BOOLEAN),
  flag('--dtype', 'ModelConfig', VllmFlagKind.VALUE, { choices: ['auto', 'bfloat16', 'float', 'float16', 'float32', 'half'] }),
  flag('--max-model-len', 'ModelConfig'),
  flag('--quantization', 'ModelConfig', VllmFlagKind.VALUE, { aliases: ['-q'] }),
  flag('--enforce-eager', 'ModelConfig', VllmFlagKind.BOOLEAN),
  flag('--seed', 'ModelConfig'),
  flag('--download-dir', 'LoadConfig'),
  flag('--load-format', 'LoadConfig'),
  flag('--distributed-executor-backend', 'ParallelConfig', VllmFlagKind.VALUE, { choices: ['external_launcher', 'mp', 'ray', 'uni'] }),
  flag('--pipeline-parallel-size', 'ParallelConfig', VllmFlagKind.VALUE, { aliases: ['-pp'] }),
  flag('--tensor-parallel-size', 'ParallelConfig', VllmFlagKind.VALUE, { aliases: ['-tp'] }),
  flag('--data-parallel-size', 'ParallelConfig', VllmFlagKind.VALUE, { aliases: ['-dp'] }),
  flag('--enable-expert-parallel', 'ParallelConfig', VllmFlagKind.BOOLEAN),
  flag('--disable-custom-all-reduce', 'ParallelConfig', VllmFlagKind.BOOLEAN),
  flag('--block-size', 'CacheConfig'),
  flag('--gpu-memory-utilization', 'CacheConfig'),
  flag('--swap-space', 'CacheConfig'),
  flag('--kv-cache-dtype', 'CacheConfig'),
  flag('--enable-prefix-caching', 'CacheConfig', VllmFlagKind.BOOLEAN),
  flag('--cpu-offload-gb', 'CacheConfig'),
  flag('--max-num-batched-tokens', 'SchedulerConfig'),
  flag('--max-num-seqs', 'SchedulerConfig'),
  flag('--enable-chunked-prefill', 'SchedulerConfig', VllmFlagKind.BOOLEAN),
  flag('--otlp-traces-endpoint', 'ObservabilityConfig'),
  flag('--collect-detailed-traces', 'ObservabilityConfig', VllmFlagKind.VALUE, { choices: ['all', 'model', 'worker'] }),
];

/** A flag of the table by its long name or alias (`--no-<flag>` finds a boolean). */
export function vllmFlag(name: string): VllmFlag | undefined {
  const bare = name.split('=')[0];
  return VLLM_FLAGS.find((f) => f.name === bare || (f.aliases ?? []).includes(bare)
    || (f.kind === VllmFlagKind.BOOLEAN && bare === `--no-${f.name.slice(2)}`));
}

/**
 * Problems with an argument list for `vllm serve` (model first, then flags), each one line:
 * unknown flags, a missing or extra value, a value outside the choices.
 */
export function vllmArgumentProblems(args: readonly string[]): string[] {
  const problems: string[] = [];
  const positional = args.length > 0 && !args[0].startsWith('-');
  if (!positional) {
    problems.push('the model must come first, as the positional model_tag of `vllm serve`');
  }
  for (let i = positional ? 1 : 0; i < args.length; i++) {
    const arg = args[i];
    const known = vllmFlag(arg);
    if (!known) {
      problems.push(`${arg} is not a flag of vllm serve ${VLLM_FLAGS_VERSION} in the table`);
      continue;
    }
    if (known.name === '--model') {
      problems.push('--model is refused by `vllm serve` (the model is positional)');
    }
    if (known.kind !== VllmFlagKind.VALUE) {
      continue;
    }
    const inline = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : undefined;
    const next = args[i + 1];
    const value = inline ?? (next !== undefined && !next.startsWith('--') ? next : undefined);
    if (inline === undefined && value !== undefined) {
      i++;
    }
    if (value === undefined) {
      problems.push(`${known.name} needs a value`);
    } else if (known.choices && !known.choices.includes(value)) {
      problems.push(`${known.name} ${value} is not one of ${known.choices.join(', ')}`);
    }
  }
  return problems;
}
