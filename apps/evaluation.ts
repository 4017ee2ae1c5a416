import { AgentMicroservice, type AgentAppDefinition } from '../lib';
import { standardEnvironments } from './environments';

/**
 * The evaluation platform of seeds 000 and 003: an evaluation service that scores agent
 * responses (port 5002, 3 replicas, HPA 2..10 at 70% CPU) and the model-v1 inference service
 * (port 5000, HPA on memory at 70%: AI workloads run out of memory before CPU).
 */
export const evaluation: AgentAppDefinition = {
  name: 'evaluation',
  environments: standardEnvironments('evaluation'),
  build: (platform) => {
    new AgentMicroservice(platform, 'evaluation-service', {
      image: 'evaluation-service:v1.2',
      port: 5002,
      replicas: 3,
      resources: {
        requests: { memory: '256Mi', cpu: '250m' },
        limits: { memory: '512Mi', cpu: '500m' },
      },
      autoscaling: { minReplicas: 2, maxReplicas: 10, cpuUtilization: 70 },
      ingress: { path: '/evaluate' },
    });

    new AgentMicroservice(platform, 'model-v1', {
      image: 'model:v1',
      port: 5000,
      replicas: 3,
      resources: { requests: { memory: '512Mi', cpu: '500m' } },
      autoscaling: { minReplicas: 2, maxReplicas: 10, memoryUtilization: 70 },
    });
  },
};
