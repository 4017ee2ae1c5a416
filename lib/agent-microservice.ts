import { type Construct } from 'constructs';
import { z } from 'zod';
import { checkProps } from './core/props';
import { ResourcePreset } from './core/resources';
import { WorkloadComponent } from './core/labels';
import { ServiceWorkload, type ServiceWorkloadProps, serviceWorkloadSchema } from './core/service-workload';

/** Props of an `AgentMicroservice`. */
export interface AgentMicroserviceProps extends ServiceWorkloadProps {}

export const agentMicroserviceSchema = serviceWorkloadSchema.extend({});

/**
 * An agent HTTP API: a Deployment with its Service, ServiceAccount (no token), HPA on CPU and
 * memory, PodDisruptionBudget and topology spread when it can run more than one replica,
 * zero-downtime rolling updates, the restricted security context, probes whose startup budget
 * covers LLM warm-up, Prometheus scraping, and a deny-by-default NetworkPolicy.
 *
 * Defaults: port 8080, the `api-llm-agent` preset (256Mi / 0.5 CPU requested, 1Gi / 2 CPU limit),
 * a 300 s startup budget.
 */
export class AgentMicroservice extends ServiceWorkload {
  constructor(scope: Construct, id: string, props: AgentMicroserviceProps) {
    super(scope, id, checkProps(agentMicroserviceSchema, props), props?.name, {
      component: WorkloadComponent.AGENT,
      resourcePreset: ResourcePreset.API_LLM_AGENT,
      startupTimeoutSeconds: 300,
      service: true,
    });
  }
}

export type AgentMicroserviceConfig = z.output<typeof agentMicroserviceSchema>;
