import * as path from 'path';
import {
  AgentMicroservice, type AgentAppDefinition, type AgentPlatform, ConfigFile, ConfigFiles, EnvironmentTier, ExternalEndpoint, McpToolService,
  ObservabilityMode, ObservabilityStack, RedisCacheStatefulSet, RedisUsage, ResourcePreset, SecretSource, SharedVolume,
} from '../lib';
import { standardEnvironments } from './environments';

/** apps/ of the source tree, whether this runs as TypeScript (jest) or compiled (build/apps). */
const APPS_SOURCE = __filename.endsWith('.ts') ? __dirname : path.resolve(__dirname, '..', '..', 'apps');

/** An LLM provider's API: NetworkPolicies match addresses, so this is public HTTPS egress. */
const LLM_API = ExternalEndpoint.https('api.openai.com');

/**
 * EMM (Expert Memory Machine), the platform of seed 001: three agents, seven MCP tool servers,
 * a Redis cache and the LangGraph API in namespace `agentic-ai`, monitored by a self-hosted
 * Prometheus, Tempo and Grafana in every environment (alerts to Slack; Langfuse traces of the
 * LangGraph API in prod).
 */
export const emm: AgentAppDefinition = emmApp();

/** The emm app with its Johnny.Decimal structure read from `jdStructureFile` (apps/jd.yaml by default; tests pass an edited copy). */
export function emmApp(jdStructureFile = path.join(APPS_SOURCE, 'jd.yaml')): AgentAppDefinition {
  return {
    name: 'emm',
    environments: standardEnvironments('agentic-ai', { all: { observability: { mode: ObservabilityMode.SELF_HOSTED } } }),
    build: (platform) => buildEmm(platform, jdStructureFile),
  };
}

function buildEmm(platform: AgentPlatform, jdStructureFile: string): void {
  // The Johnny.Decimal structure (apps/jd.yaml) as the ConfigMap jd-structure, which the seed's
  // setup-from-env.sh made with `kubectl create configmap --from-file`. The classifier and the
  // agents that classify mount it; a change of jd.yaml rolls exactly their pods.
  const jdStructure = new ConfigFiles(platform, 'jd-structure', { files: [ConfigFile.fromFile(jdStructureFile)] });
  const jdFile = { files: jdStructure, mountPath: '/etc/emm/jd.yaml', file: 'jd.yaml' };

  // One pod in dev; in staging and prod 3 pods with Sentinels, failing over in about 11 s, and
  // HAProxy keeping REDIS_HOST on the primary (docs/redis.md).
  const cache = new RedisCacheStatefulSet(platform, 'redis-cache', { usage: RedisUsage.CACHE, storageSize: '10Gi' });

  // Obsidian vault and the UNSORTED inbox: hostPath on a single-node dev cluster, EFS elsewhere.
  const vault = new SharedVolume(platform, 'vault', { size: '20Gi', hostPath: '/mnt/data/vault' });
  const unsorted = new SharedVolume(platform, 'unsorted', { size: '5Gi', hostPath: '/mnt/data/unsorted' });

  const confluenceCredentials = new SecretSource(platform, 'confluence-credentials', {
    keys: ['base_url', 'username', 'password'],
    remoteKeys: { base_url: 'confluence/base_url', username: 'confluence/username', password: 'confluence/password' },
  });

  const tool = (name: string, props: Partial<ConstructorParameters<typeof McpToolService>[2]> = {}) =>
    new McpToolService(platform, name, { image: `${name}-service:1.0.0`, env: { K8S_MODE: 'true' }, cache, ...props });

  const jdClassifier = tool('jd-classifier', {
    resources: { requests: { memory: '128Mi', cpu: '100m' }, limits: { memory: '256Mi', cpu: '500m' } },
    configFiles: [{ files: jdStructure, mountPath: '/etc/emm/jd' }],
  });
  const contentClassifier = tool('content-classifier', {
    resources: { requests: { memory: '2Gi', cpu: '1' }, limits: { memory: '4Gi', cpu: '2' } },
    externalEndpoints: [LLM_API],
  });
  const bookmarkClassifier = tool('bookmark-classifier');
  const confluence = tool('confluence', {
    env: {
      K8S_MODE: 'true',
      CONFLUENCE_BASE_URL: confluenceCredentials.envValue('base_url'),
      CONFLUENCE_USERNAME: confluenceCredentials.envValue('username'),
      CONFLUENCE_PASSWORD: confluenceCredentials.envValue('password'),
    },
    externalEndpoints: [ExternalEndpoint.https('your-confluence.atlassian.net')],
  });
  const fileSystem = tool('file-system', {
    sharedVolumes: [{ volume: vault, mountPath: '/vault' }, { volume: unsorted, mountPath: '/unsorted' }],
  });
  const webScraper = tool('web-scraper', {
    externalEndpoints: [ExternalEndpoint.internet({ ports: [80, 443] })],
  });
  const notifications = tool('notifications', {
    externalEndpoints: [ExternalEndpoint.https('hooks.slack.com')],
  });

  const agent = (name: string, props: Partial<ConstructorParameters<typeof AgentMicroservice>[2]>) =>
    new AgentMicroservice(platform, name, {
      image: `${name}:1.0.0`,
      resources: { preset: ResourcePreset.API_LLM_AGENT },
      env: { K8S_MODE: 'true' },
      cache,
      externalEndpoints: [LLM_API],
      ...props,
    });

  // The three agents classify (through jd-classifier) and check the IDs against the structure.
  const confluenceAgent = agent('confluence-agent', { tools: [confluence, contentClassifier, jdClassifier, notifications], configFiles: [jdFile] });
  const bookmarkScraper = agent('bookmark-scraper', { tools: [webScraper, bookmarkClassifier, contentClassifier, jdClassifier], configFiles: [jdFile] });
  const fileSystemAgent = agent('file-system-agent', {
    tools: [fileSystem, contentClassifier, jdClassifier, notifications],
    sharedVolumes: [{ volume: unsorted, mountPath: '/unsorted', readOnly: true }],
    configFiles: [jdFile],
  });

  // The LangGraph API runs the graphs: it plans and calls the three agents.
  // In prod a release reaches users as a canary, promoted only while the canary's error rate,
  // p95 latency, restarts and OOMKills stay within the alert thresholds.
  const langgraphApi = agent('langgraph-api', {
    calls: [confluenceAgent, bookmarkScraper, fileSystemAgent],
    ingress: {},
    rollout: platform.environment.tier === EnvironmentTier.PRODUCTION ? {} : undefined,
  });

  // Monitoring, created last: it walks the app to scrape, trace and chart every workload. Alerts
  // go to Slack in staging and prod, whose webhook External Secrets syncs; a dev cluster has no
  // Secret store (backend "existing"), so there alerts stay in Alertmanager's UI rather than
  // leave its pod waiting for a Secret nobody creates. Grafana's admin password is generated in
  // dev for the same reason (see PREREQUISITES.md).
  const development = platform.environment.tier === EnvironmentTier.DEVELOPMENT;
  const slackWebhook = development ? undefined : new SecretSource(platform, 'alertmanager-slack', { keys: ['webhook-url'], remoteKeys: { 'webhook-url': 'slack/alerts-webhook-url' } });
  const langfuseCredentials = platform.environment.tier === EnvironmentTier.PRODUCTION
    ? new SecretSource(platform, 'langfuse-credentials', { keys: ['public-key', 'secret-key'], remoteKeys: { 'public-key': 'langfuse/public-key', 'secret-key': 'langfuse/secret-key' } })
    : undefined;
  new ObservabilityStack(platform, 'observability', {
    cadvisor: true,
    alertmanager: slackWebhook ? { slack: { webhook: slackWebhook, channel: '#emm-alerts' } } : {},
    langfuse: langfuseCredentials && { host: 'https://cloud.langfuse.com', credentials: langfuseCredentials, tracedAgents: [langgraphApi] },
  });
}
