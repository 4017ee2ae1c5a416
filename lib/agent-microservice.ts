import { type Construct } from 'constructs';
import { z } from 'zod';
import { type EnvValue } from './core/env-value';
import { checkProps } from './core/props';
import { ResourcePreset } from './core/resources';
import { WorkloadComponent } from './core/labels';
import { ServiceWorkload, type ServiceWorkloadProps, serviceWorkloadSchema } from './core/service-workload';
import { envSegment, type IWireable, wire } from './core/wiring';
import { type IMcpTool } from './mcp-tool-service';

/** Props of an `AgentMicroservice`. */
export interface AgentMicroserviceProps extends ServiceWorkloadProps {
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

const wireableSchema = (what: string) => z.custom<IWireable>((v) => typeof v === 'object' && v !== null && 'bindingEnv' in v && 'connections' in v, {
  error: `must be ${what} (a typed reference to the construct, not a name)`,
});

export const agentMicroserviceSchema = serviceWorkloadSchema.extend({
  tools: z.array(wireableSchema('an McpToolService or McpToolService.fromServiceName()')).optional(),
  calls: z.array(wireableSchema('an AgentMicroservice')).optional(),
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
  private readonly tools: IMcpTool[] = [];

  constructor(scope: Construct, id: string, props: AgentMicroserviceProps) {
    const parsed = checkProps(agentMicroserviceSchema, props);
    super(scope, id, parsed, props?.name, {
      component: WorkloadComponent.AGENT,
      resourcePreset: ResourcePreset.API_LLM_AGENT,
      startupTimeoutSeconds: 300,
      service: true,
    });
    this.wireName = `agent ${this.name}`;
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
    this.tools.push(tool);
    wire(this, tool);
    return tool;
  }

  /**
   * Lets this agent call another one (planner to executor): `AGENT_<NAME>_URL` here, and the
   * NetworkPolicy path on both sides.
   * @returns the agent called
   */
  public callAgent(agent: AgentMicroservice): AgentMicroservice {
    if (agent === this) {
      this.issues.push({ field: 'calls', message: 'an agent cannot be wired to itself' });
      return agent;
    }
    wire(this, agent);
    return agent;
  }

  /** The tools wired so far. */
  public get wiredTools(): readonly IMcpTool[] {
    return this.tools;
  }

  public bindingEnv(): Record<string, string | EnvValue> {
    return { [`AGENT_${envSegment(this.name)}_URL`]: this.url };
  }
}
