/**
 * One test per refusal rule, pinning its exact message: the construct path, the field, what is
 * wrong and allowed, and the value given (NaN, undefined and constructs shown as themselves).
 */
import { CASES } from './cases';

const EXPECTED: Record<string, readonly string[]> = {
  "env var name in props": [
    "[test/agent] env[\"A=B\"]: must be a valid environment variable name: letters, digits, \"_\", \"-\" and \".\", not starting with a digit (e.g. \"OPENAI_BASE_URL\") (got \"A=B\")",
    "[test/agent] env[\"1X\"]: must be a valid environment variable name: letters, digits, \"_\", \"-\" and \".\", not starting with a digit (e.g. \"OPENAI_BASE_URL\") (got \"1X\")",
  ],
  "env var name in addEnv": [
    "[test/agent] env[\"\"]: must be a valid environment variable name: letters, digits, \"_\", \"-\" and \".\", not starting with a digit (e.g. \"OPENAI_BASE_URL\") (got \"\")",
  ],
  "quantity beyond 2^63-1": [
    "[test/agent] resources.limits.memory: is larger than Kubernetes can represent (at most 9223372036854775807 in the base unit): use a positive Kubernetes memory quantity such as \"256Mi\", \"1Gi\" or \"512M\" (got \"10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000...)",
  ],
  "CPU finer than 1m": [
    "[test/agent] resources.requests.cpu: is below the smallest CPU step Kubernetes keeps (1m); it would be rounded up: use a positive Kubernetes CPU quantity such as \"250m\", \"0.5\" or \"2\" (got \"0.0001\")",
  ],
  "quota Kubernetes cannot represent": [
    "[test] ResourceQuota \"workloads\" requests.memory: the workloads need 211655988348480Mi at full scale (replicas, surge and 1.25x headroom), more than Kubernetes can represent (9223372036854775807); lower the resources or the replicas of the largest workloads",
    "[test] ResourceQuota \"workloads\" limits.memory: the workloads need 211655988353280Mi at full scale (replicas, surge and 1.25x headroom), more than Kubernetes can represent (9223372036854775807); lower the resources or the replicas of the largest workloads",
  ],
  "malformed CIDR": [
    "[test/agent] externalEndpoints[0].cidr: must be a CIDR block such as \"10.0.0.0/16\" or \"0.0.0.0/0\": an IPv4 or IPv6 address without leading zeros, \"/\" and a prefix length (at most 32 or 128) (got \"010.0.0.0/8\")",
  ],
  "except outside the block": [
    "[test/agent] externalEndpoints[0].except[0]: must lie strictly inside the block \"10.20.0.0/16\" (same address family, longer prefix): Kubernetes refuses a NetworkPolicy whose except range is not (got \"10.30.0.0/24\")",
  ],
  "https host with a port": [
    "[test/agent] externalEndpoints[0].hosts[0]: must be a host name such as \"api.openai.com\", without scheme, port or path (for another port than 443 use ExternalEndpoint.internet({ ports: [8443], hosts: [\"...\"] })) (got \"api.acme.io:8443\")",
  ],
  "endpoint port above 65535": [
    "[test/agent] externalEndpoints[0].ports[0]: must be an integer port number between 1 and 65535 (got 70000)",
  ],
  "metrics port 0": [
    "[test/agent] metrics.port: must be an integer port number between 1 and 65535 (got 0)",
  ],
  "otlpEndpoint port 0": [
    "[test/observability] otlpEndpoint: must name a port between 1 and 65535 (or none, for the scheme's 80 or 443) (got \"http://otel-collector.monitoring.svc:0\")",
  ],
  "external fallback URL port 0": [
    "[test/llm] fallback.baseUrl: must name a port between 1 and 65535 (or none, for the scheme's 80 or 443) (got \"https://api.acme.io:0/v1\")",
  ],
  "hostPath with ..": [
    "[test/vault] hostPath: must be an absolute path without \"..\" segments, e.g. \"/mnt/data/vault\" (got \"/mnt/../etc\")",
  ],
  "duplicate mount path": [
    "[test/agent] sharedVolumes.mountPath: is already the mount path of volume \"tmp\"; Kubernetes refuses two mounts at one path: choose another mountPath (got \"/tmp\")",
  ],
  "Secret key ..": [
    "[test/creds] keys[0]: must be a Secret or ConfigMap key: letters, digits, \"-\", \"_\" and \".\", at most 253 characters, not \".\" or \"..\" and not starting with \"..\" (e.g. \"password\") (got \"..\")",
  ],
  "ConfigMap reference without a key": [
    "[test/agent] env.X: the key of the ConfigMap must be a Secret or ConfigMap key: letters, digits, \"-\", \"_\" and \".\", at most 253 characters, not \".\" or \"..\" and not starting with \"..\" (e.g. \"password\") (got undefined)",
  ],
  "Secret reference that is not a SecretSource": [
    "[test/agent] env.DB_PASSWORD: must reference a SecretSource (new SecretSource() or SecretSource.fromSecretName()), not a name or a plain object (got {\"secretName\":\"db\",\"keys\":[\"password\"]})",
  ],
  "pod field the downward API does not give": [
    "[test/agent] env.PHASE: must be a pod field the downward API gives to environment variables: metadata.name, metadata.namespace, metadata.uid, spec.nodeName, spec.serviceAccountName, status.hostIP, status.hostIPs, status.podIP, status.podIPs, metadata.labels['<key>'] or metadata.annotations['<key>'] (got \"status.phase\")",
  ],
  "health command and path on one probe": [
    "[test/agent] healthCheck.path: cannot be combined with command: a probe runs one handler, so the path would be ignored; remove it, or remove command to probe over HTTP (got \"/health\")",
  ],
  "health command on a stdio bridge": [
    "[test/tool] healthCheck.command: cannot be set with stdioBridge: the probes are written for it (an MCP initialize through the relay, and the bridge's /healthz); remove it (the timing options still apply) (got [\"/bin/check\"])",
  ],
  "annotations over 256 KiB": [
    "[test/agent] podAnnotations: take 262147 bytes in total; Kubernetes refuses an object whose annotations (keys and values) exceed 262144 bytes (256 KiB): move large data into a ConfigMap (got {\"big\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...)",
  ],
  "tool of another platform": [
    "[test/agent] tools: MCP tool tool belongs to platform \"other\", not to this workload's platform \"test\": wiring across platforms (environments or apps) would change the other one's NetworkPolicies and point at another namespace; create MCP tool tool in this platform (build each environment from its own constructs) (got McpToolService \"other/tool\")",
  ],
  "secret of another platform": [
    "[test/agent] env.DB_PASSWORD: secret \"db\" belongs to platform \"other\", not to this workload's platform \"test\": wiring across platforms (environments or apps) would change the other one's NetworkPolicies and point at another namespace; create secret \"db\" in this platform (build each environment from its own constructs) (got SecretSource \"other/db\")",
  ],
  "queue of another platform": [
    "[test/agent] queueScaling.triggers[0]: other/queue belongs to platform \"other\", not to this workload's platform \"test\": wiring across platforms (environments or apps) would change the other one's NetworkPolicies and point at another namespace; create other/queue in this platform (build each environment from its own constructs) (got RedisCacheStatefulSet \"other/queue\")",
  ],
  "duck-typed tool": [
    "[test/agent] tools[0]: must be an McpToolService or McpToolService.fromServiceName() (a typed reference to the construct, not a name or a plain object) (got {\"bindingEnv\":[function bindingEnv],\"connections\":{},\"node\":{},\"wireName\":\"x\"})",
  ],
  "callAgent with a plain object": [
    "[test/agent] calls: must be an AgentMicroservice (a typed reference to the construct, not a name or a plain object) (got {\"mode\":\"api\"})",
  ],
  "multi-replica environment without PDB": [
    "[test] environment.replicas.max: must be 1: this environment renders no PodDisruptionBudgets (availability.podDisruptionBudgets is false), and a workload running several replicas needs both to survive node drains; set replicas.max: 1 (as dev does), or turn on availability.podDisruptionBudgets and a spread",
  ],
  "environment override that is not an object": [
    "[test] environment (Environments.prod() argument 1): must be an object of overrides, e.g. { namespace: \"agents\", ingress: { domain: \"agents.acme.io\" } } (got \"agents\")",
  ],
  "worker without a port or a command": [
    "[test/agent] healthCheck: a worker without a port has no HTTP endpoint to probe: give healthCheck.command (a command whose exit code 0 means healthy), or set port to the port of its health server",
  ],
  "Kafka broker without a port": [
    "[test/agent] queueScaling.triggers[0].bootstrapServers: must list brokers as \"host:port\" separated by commas, e.g. \"kafka-0.kafka:9092,kafka-1.kafka:9092\", each port between 1 and 65535 (got \"kafka\")",
  ],
  "metric name with a slash": [
    "[test/agent] autoscaling.metrics[0].metric: must be a metric name such as \"http_requests_in_flight\": a non-empty string without \"/\" or \"%\", not \".\" or \"..\" (got \"a/b\")",
  ],
  "a number where a string is expected, NaN shown as NaN": [
    "[test/agent] port: must be an integer port number between 1 and 65535 (got NaN)",
  ],
  "workload named global (Helm values key)": [
    "[helm-prod/x] name: its Helm values key \"global\" is already used by (chart globals); rename one of the workloads (the names \"global\" and \"resource-quota\" are taken by the chart)",
  ],
  "duplicate app names": [
    "[twice] name: is also the name of definitions[0]; each app needs its own name, or their manifests/twice/ folders and charts would overwrite each other",
  ],
  "duplicate environment names": [
    "[envs] environments[1].name: \"prod\" is also the name of environments[0]; each environment of an app needs its own name, or one would overwrite the other's output",
  ],
  "non-string environment name": [
    "[odd-environment-1] environment.name: must be a string (got {\"x\":1})",
  ],
  "definitions that are not a list": [
    "[synthesize] definitions: must be a list of AgentAppDefinition ({ name, environments, build }) (got \"evaluation\")",
  ],
  "id that is not a string": [
    "[AgentMicroservice in test] id: must be a non-empty string (got 42)",
  ],
  "id used twice": [
    "[AgentMicroservice in test] id: \"agent\" is already used by test/agent; each construct needs an id of its own within its scope",
  ],
};

test('every case has its expected problems, and every expectation its case', () => {
  expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(CASES).sort());
});

test.each(Object.keys(CASES))('%s', (name) => {
  expect(CASES[name]()).toEqual(EXPECTED[name]);
});
