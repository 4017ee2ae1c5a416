import { type Construct } from 'constructs';
import { z } from 'zod';
import { type EnvValue } from './core/env-value';
import { brand, BrandKind, hasBrand } from './core/brand';
import { checkProps } from './core/props';
import { brandedReference, REFERENCES } from './core/references';
import { ResourcePreset } from './core/resources';
import { WorkloadComponent } from './core/labels';
import { OTEL_PROMETHEUS_PORT, ServiceWorkload, type ServiceWorkloadProps, serviceWorkloadSchema } from './core/service-workload';
import { OTEL_HTTP_SERVER_METRICS } from './core/signals';
import { envSegment, type IWireable, wire } from './core/wiring';
import { type IMcpTool } from './mcp-tool-service';
import { type IInferenceEndpoint } from './gpu-inference-pool';

/** How an agent receives work. */
export enum AgentMode {
  /** An HTTP API behind a Service. */
  API = 'api',
  /** A queue consumer: no Service, usually scaled by KEDA on the queue (`queueScaling`). */
  WORKER = 'worker',
}

/** Props of an `AgentMicroservice`. */
export interface AgentMicroserviceProps extends ServiceWorkloadProps {
  /**
   * HTTP API or queue worker. A worker has no Service and no Ingress, and other agents cannot call it;
   * its probes still use `healthCheck` (HTTP on `port`, or a `command`).
   * @default AgentMode.API
   */
  readonly mode?: AgentMode;
  /**
   * The LLM endpoint the agent uses (a `GpuInferencePool`): `OPENAI_BASE_URL`, `OPENAI_MODEL`
   * (and `OPENAI_API_KEY` from its Secret when it has one), plus the NetworkPolicy path.
   * Same as calling `useInference()`.
   * @default - none
   */
  readonly inference?: IInferenceEndpoint;
  /**
   * MCP tools the agent calls. Each adds `MCP_<TOOL>_URL` and `MCP_<TOOL>_TRANSPORT`, and the
   * NetworkPolicy path on both sides. Same as calling `addTool()`.
   * @default - none
   */
  readonly tools?: IMcpTool[];
  /**
   * Other agents this agent calls (planner to executors). Each adds `AGENT_<NAME>_URL` and the
   * NetworkPolicy path on both sides. Same as calling `callAgent()`.
   * @default - none
   */
  readonly calls?: AgentMicroservice[];
}

export const agentMicroserviceSchema = serviceWorkloadSchema.extend({
  mode: z.enum(AgentMode, { error: `must be one of ${Object.values(AgentMode).join(', ')}` }).optional(),
  inference: brandedReference<IWireable>(REFERENCES.INFERENCE).optional(),
  tools: z.array(brandedReference<IWireable>(REFERENCES.MCP_TOOL)).optional(),
  calls: z.array(brandedReference<IWireable>(REFERENCES.AGENT)).optional(),
}).strict();

/**
 * An agent HTTP API: a Deployment with its Service, ServiceAccount (no token), HPA on CPU and
 * memory, PodDisruptionBudget and topology spread when it can run more than one replica,
 * zero-downtime rolling updates, the restricted security context, probes whose startup budget
 * covers LLM warm-up, Prometheus scraping, and a deny-by-default NetworkPolicy.
 *
 * Defaults: port 8080, the `api-llm-agent` preset (256Mi / 0.5 CPU requested, 1Gi / 2 CPU limit),
 * a 300 s startup budget.
 */
export class AgentMicroservice extends ServiceWorkload implements IWireable {
  public readonly wireName: string;
  /** HTTP API or queue worker. */
  public readonly mode: AgentMode;
  private readonly tools: IMcpTool[] = [];
  private readonly called: AgentMicroservice[] = [];
  private inference?: IInferenceEndpoint;

  constructor(scope: Construct, id: string, props: AgentMicroserviceProps) {
    const parsed = checkProps(agentMicroserviceSchema, props);
    const worker = parsed.value?.mode === AgentMode.WORKER;
    super(scope, id, parsed, props?.name, {
      component: worker ? WorkloadComponent.WORKER : WorkloadComponent.AGENT,
      resourcePreset: ResourcePreset.API_LLM_AGENT,
      startupTimeoutSeconds: 300,
      service: !worker,
      metricsPort: OTEL_PROMETHEUS_PORT,
      // A queue worker serves no requests: no request panels or alerts unless its props declare them.
      requestMetrics: worker ? undefined : OTEL_HTTP_SERVER_METRICS,
    });
    brand(this, BrandKind.AGENT);
    this.mode = worker ? AgentMode.WORKER : AgentMode.API;
    this.wireName = `agent ${this.name}`;
    if (worker && parsed.value?.ingress) {
      this.issues.push({ field: 'ingress', message: 'a worker has no Service to route to; remove ingress or use mode: AgentMode.API' });
    }
    if (parsed.value?.inference) {
      this.useInference(parsed.value.inference as IInferenceEndpoint);
    }
    for (const tool of (parsed.value?.tools ?? []) as IMcpTool[]) {
      this.addTool(tool);
    }
    for (const agent of (parsed.value?.calls ?? []) as AgentMicroservice[]) {
      this.callAgent(agent);
    }
  }

  /**
   * Wires an MCP tool: `MCP_<TOOL>_URL` and `MCP_<TOOL>_TRANSPORT`, egress from this agent and
   * ingress to the tool on its port, and the tool synthesized first.
   * @returns the tool
   */
  public addTool(tool: IMcpTool): IMcpTool {
    if (this.tools.includes(tool)) {
      this.issues.push({ field: 'tools', message: `${tool.wireName} is wired twice; list each tool once` });
      return tool;
    }
    if (wire(this, tool, 'tools', REFERENCES.MCP_TOOL)) {
      this.tools.push(tool);
    }
    return tool;
  }

  /**
   * Lets this agent call another one (planner to executor): `AGENT_<NAME>_URL` here, and the
   * NetworkPolicy path on both sides.
   * @returns the agent called
   */
  public callAgent(agent: AgentMicroservice): AgentMicroservice {
    if (!hasBrand(agent, BrandKind.AGENT)) {
      wire(this, agent, 'calls', REFERENCES.AGENT);
      return agent;
    }
    if (agent === this) {
      this.issues.push({ field: 'calls', message: 'an agent cannot be wired to itself' });
      return agent;
    }
    if (agent.mode === AgentMode.WORKER) {
      this.issues.push({ field: 'calls', message: `${agent.wireName} is a queue worker without a Service; put work on its queue instead of calling it` });
      return agent;
    }
    if (this.called.includes(agent)) {
      this.issues.push({ field: 'calls', message: `${agent.wireName} is wired twice; list each agent once` });
      return agent;
    }
    if (wire(this, agent, 'calls', REFERENCES.AGENT)) {
      this.called.push(agent);
    }
    return agent;
  }

  /**
   * Wires the LLM endpoint: `OPENAI_BASE_URL`, `OPENAI_MODEL`, the NetworkPolicy path, and the
   * pool synthesized first.
   * @returns the endpoint
   */
  public useInference(endpoint: IInferenceEndpoint): IInferenceEndpoint {
    if (this.inference) {
      this.issues.push({ field: 'inference', message: `is already ${this.inference.wireName}; an agent uses one inference endpoint` });
      return endpoint;
    }
    if (wire(this, endpoint, 'inference', REFERENCES.INFERENCE)) {
      this.inference = endpoint;
    }
    return endpoint;
  }

  /** The inference endpoint, when wired. */
  public get wiredInference(): IInferenceEndpoint | undefined {
    return this.inference;
  }

  /** The agents this agent calls. */
  public get calledAgents(): readonly AgentMicroservice[] {
    return this.called;
  }

  /** The tools wired so far. */
  public get wiredTools(): readonly IMcpTool[] {
    return this.tools;
  }

  public bindingEnv(): Record<string, string | EnvValue> {
    return { [`AGENT_${envSegment(this.name)}_URL`]: this.url };
  }
}
