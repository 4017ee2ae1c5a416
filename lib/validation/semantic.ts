/**
 * Cross-object rules: what the API server or the controllers would reject or silently break,
 * and that no schema can express. Each rule lives in its own small module.
 */
import { checkContainerFields, checkCronSchedules, checkPolicyTypes, checkReplicaCounts, checkRollingUpdates } from './api-server';
import { checkHorizontalPodAutoscalers, checkScaledObjects } from './autoscaling';
import { createContext, type Context } from './context';
import { checkHttpRoutes, checkInferencePools, checkRoleBindings } from './inference';
import { checkDataKeys, checkDuplicates, checkLabelsAndSelectors, checkNamespaces, checkObjectNames } from './metadata';
import { type Resource } from './model';
import { checkPodTemplates } from './podspec';
import { checkNetworkPolicies, checkPodDisruptionBudgets } from './policy';
import { type IndexedProblem } from './problem';
import { checkConfigMapReferences } from './references';
import { checkRollouts } from './rollouts';
import { checkIngresses, checkServices } from './services';
import { checkStatefulSetServices, checkWorkloadSelectors } from './workloads';

const CHECKS: readonly ((ctx: Context) => void)[] = [
  checkDuplicates,
  checkObjectNames,
  checkNamespaces,
  checkLabelsAndSelectors,
  checkDataKeys,
  checkPodTemplates,
  checkWorkloadSelectors,
  checkStatefulSetServices,
  checkServices,
  checkIngresses,
  checkHorizontalPodAutoscalers,
  checkScaledObjects,
  checkPodDisruptionBudgets,
  checkNetworkPolicies,
  checkConfigMapReferences,
  checkRollouts,
  checkInferencePools,
  checkHttpRoutes,
  checkRoleBindings,
  checkReplicaCounts,
  checkRollingUpdates,
  checkContainerFields,
  checkCronSchedules,
  checkPolicyTypes,
];

export function validateSemantics(resources: readonly Resource[]): IndexedProblem[] {
  const problems: IndexedProblem[] = [];
  const ctx = createContext(resources, problems);
  for (const check of CHECKS) check(ctx);
  return problems;
}
