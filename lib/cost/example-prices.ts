import { NodeReservation, type PriceTable } from './price-table';

const ARTICLE = 'seed 001 ("Kubernetes Deployment for AI Agents: Real-World Experience with LangGraph", Igor Gorovyy';
/** The label of each price: the article, its date as far as it gives one, and the section quoted. */
const SEED = `${ARTICLE}; undated, August 2023 or later), section "Cost Analysis - What it costs"`;

/**
 * An example price table: the prices seed 001 uses for EMM's production cluster (about $117 a
 * month: 3 t3.medium workers, a Redis volume, EFS for the vault, a load balancer, data
 * transfer), quoted from the article with its wording. They are the article's figures, not
 * current cloud prices; the article gives no date (it targets Kubernetes 1.28+, released in
 * August 2023, so it is from then or later). Use your provider's current prices for a real
 * estimate.
 *
 * The node shape (2 vCPU, 4 GiB, 17 pods, the EKS reservation and the two per-node system pods)
 * is not in the article, which only says the 15 pods fit on 3 nodes; each figure says where it
 * comes from.
 */
export const EXAMPLE_PRICE_TABLE: PriceTable = {
  currency: 'USD',
  source: {
    name: `${ARTICLE}), section "Cost Analysis - What it costs"`,
    date: 'undated; written for Kubernetes 1.28+ (released August 2023), so August 2023 or later',
  },
  hoursPerMonth: 730,
  nodes: {
    name: 't3.medium',
    hourlyPrice: 0.0416,
    cpu: '2',
    memory: '4Gi',
    maxPods: 17,
    reserved: NodeReservation.EKS,
    evictionThreshold: '100Mi',
    systemPods: {
      pods: 2,
      cpu: '125m',
      memory: '0',
      description: 'aws-node, the VPC CNI, requests 25m CPU in its DaemonSet; kube-proxy 100m CPU as the EKS add-on',
    },
    minNodes: 3,
    source: `price: ${SEED}, "3 worker nodes (t3.medium): $0.0416/hour × 3 × 730 hours = ~$91/month"; minNodes: its 3 workers; `
      + 'shape: the t3.medium instance type (2 vCPU, 4 GiB), 17 pods per node with the EKS VPC CNI (3 network interfaces × 5 addresses + 2), '
      + 'EKS AMI reservation formula; t3 is burstable and the price excludes CPU credits above its baseline',
  },
  storageClasses: {
    'gp3': {
      pricePerGiBMonth: 0.10,
      source: `${SEED}, "Redis PVC: 10GB × $0.10/GB/month = $1/month"; the article names no class, applied here to the block storage class of the example apps`,
    },
    'efs-sc': {
      pricePerGiBMonth: 0.30,
      source: `${SEED}, "EFS for vault: 20GB × $0.30/GB/month = $6/month" (class efs-sc in its vault claim); EFS bills what is stored, priced here at the claim's size as the article does`,
    },
  },
  defaultStorageClass: 'gp3',
  loadBalancer: {
    monthlyPrice: 18,
    source: `${SEED}, "LoadBalancer: $18/month (AWS ELB)"`,
  },
  ingress: {
    monthlyPrice: 18,
    source: `the article's load balancer price ("LoadBalancer: $18/month (AWS ELB)"), assuming each Ingress gets its own load balancer; set 0 when a shared ingress controller is paid for elsewhere`,
  },
  gateway: {
    monthlyPrice: 18,
    source: `the article's load balancer price ("LoadBalancer: $18/month (AWS ELB)"), assuming each Gateway gets its own load balancer`,
  },
  extras: [
    { name: 'Data transfer', monthlyPrice: 1, source: `${SEED}, "Data transfer: ~$1/month (internal traffic free)"` },
  ],
};

/** The figure seed 001 arrives at for EMM's production cluster, and its single-VPS alternative. */
export const SEED_001_FIGURES = {
  /** "Total: ~$117/month for production-grade Kubernetes deployment." */
  kubernetesMonthly: 117,
  /** "t3.large instance: $0.0832/hour × 730 = ~$61/month" (Docker Compose on one VPS). */
  singleVpsMonthly: 61,
  singleVpsHourly: 0.0832,
} as const;
