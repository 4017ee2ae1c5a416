/**
 * The flags of the pinned endpoint picker (EPP) image that the library passes, as data, and the
 * names of its scorer plugins. A test checks every generated argument against this table.
 *
 * Where it came from (looked up 2026-09 with the project's search tool, in
 * kubernetes-sigs/gateway-api-inference-extension; the v1.5.0 tag commit df9f8909 itself is not
 * in that index):
 * - `cmd/epp/runner/options.go` (stored version 9cdc2980): `Options.AddFlags` declares every flag
 *   and its default (`--grpc-port` 9002, `--grpc-health-port` 9003, `--metrics-port` 9090,
 *   `--secure-serving` true, `--metrics-endpoint-auth` true, `--tracing` true,
 *   `--ha-enable-leader-election` false, `--enable-pprof` true).
 * - `cmd/epp/runner/runner.go`: controller-runtime's zap options are bound too (`--zap-encoder`...),
 *   and the in-tree plugins are registered by type: `queue-scorer`,
 *   `kv-cache-utilization-scorer`, `prefix-cache-scorer`, `max-score-picker`,
 *   `single-profile-handler`.
 * - `apix/config/v1alpha1`: the `EndpointPickerConfig` kind of API group
 *   `inference.networking.x-k8s.io`, version `v1alpha1`, read from `--config-file`.
 * - `config/charts/inference-extension/templates/_deployment.yaml` (stored version 0a48a9c1): the
 *   chart passes `--pool-name`, `--pool-namespace`, `--config-file`, `--zap-encoder json`,
 *   `--tracing=<bool>` and `--metrics-endpoint-auth=false`, probes gRPC health on 9003 with service
 *   `inference-extension`, and sets `NAMESPACE` and `POD_NAME` from the downward API.
 * GAIE v1.6.0 (the version of the InferencePool CRD used here) moved the full endpoint picker to
 * llm-d and ships only a conformance "lwepp"; v1.5.0 is the last GAIE release of the full picker,
 * built for the same InferencePool v1 API.
 */

export const ENDPOINT_PICKER_VERSION = 'v1.5.0';

/** Flags of the pinned picker: name to whether it takes a value (`--flag value` or `--flag=bool`). */
export const ENDPOINT_PICKER_FLAGS: Readonly<Record<string, 'value' | 'boolean'>> = {
  '--grpc-port': 'value',
  '--grpc-health-port': 'value',
  '--metrics-port': 'value',
  '--pool-name': 'value',
  '--pool-namespace': 'value',
  '--pool-group': 'value',
  '--config-file': 'value',
  '--config-text': 'value',
  '--secure-serving': 'boolean',
  '--cert-path': 'value',
  '--metrics-endpoint-auth': 'boolean',
  '--ha-enable-leader-election': 'boolean',
  '--health-checking': 'boolean',
  '--enable-pprof': 'boolean',
  '--tracing': 'boolean',
  '--refresh-metrics-interval': 'value',
  '--total-queued-requests-metric': 'value',
  '--kv-cache-usage-percentage-metric': 'value',
  '--model-server-metrics-path': 'value',
  '--model-server-metrics-scheme': 'value',
  '--v': 'value',
  '--zap-encoder': 'value',
  '--zap-log-level': 'value',
};

/** The config kind the picker reads from `--config-file`. */
export const ENDPOINT_PICKER_CONFIG_API = { apiVersion: 'inference.networking.x-k8s.io/v1alpha1', kind: 'EndpointPickerConfig' } as const;

/** The in-tree scorer plugins of the pinned picker. */
export const ENDPOINT_PICKER_SCORERS = {
  queue: 'queue-scorer',
  kvCache: 'kv-cache-utilization-scorer',
  prefixCache: 'prefix-cache-scorer',
} as const;

/** gRPC health service names the picker answers on its health port. */
export const ENDPOINT_PICKER_HEALTH_SERVICE = 'inference-extension';

/** Problems with a picker argument list, one line each: unknown flags and missing values. */
export function endpointPickerArgumentProblems(args: readonly string[]): string[] {
  const problems: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i].split('=', 2);
    const kind = ENDPOINT_PICKER_FLAGS[name];
    if (kind === undefined) {
      problems.push(`${args[i]} is not a flag of the endpoint picker ${ENDPOINT_PICKER_VERSION}`);
    } else if (kind === 'boolean' && inline !== undefined && inline !== 'true' && inline !== 'false') {
      problems.push(`${name} takes true or false, not ${inline}`);
    } else if (kind === 'value' && inline === undefined) {
      if (args[i + 1] === undefined || args[i + 1].startsWith('--')) {
        problems.push(`${name} needs a value`);
      }
      i++;
    }
  }
  return problems;
}
