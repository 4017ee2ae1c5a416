import * as path from 'path';
import { describeValue, formatIssue, type PropIssue } from '../core/errors';
import { type RenderedEnvironment } from '../synth/rendered';
import { type CostEstimate, estimateCost } from './estimate';
import { costMarkdown } from './markdown';
import { type PriceTable, priceTableIssues } from './price-table';

/** How `synthesize()` estimates the monthly cost of every app and environment. */
export interface CostOptions {
  /** The price table of every environment without its own entry in `environmentPrices`. */
  readonly prices: PriceTable;
  /**
   * Price tables by environment name (e.g. a smaller node type, or no load balancer, in `dev`).
   * @default - `prices` in every environment
   */
  readonly environmentPrices?: Readonly<Record<string, PriceTable>>;
}

/** The name of the estimate written next to each environment's manifests. */
export const COST_FILE_NAME = 'COST.md';

/**
 * Every problem with the cost options, one line each, prefixed `[cost]`: invalid price tables
 * and environment names no app has.
 */
export function costOptionProblems(options: unknown, environmentNames: readonly string[]): string[] {
  const issues: PropIssue[] = [];
  const given = options !== null && typeof options === 'object' ? options as Record<string, unknown> : undefined;
  if (!given) {
    issues.push({ field: 'cost', value: options, message: 'must be an object { prices, environmentPrices? }' });
  } else {
    for (const key of Object.keys(given).filter((k) => k !== 'prices' && k !== 'environmentPrices')) {
      issues.push({ field: `cost.${key}`, message: 'unknown field; allowed fields here: prices, environmentPrices' });
    }
    issues.push(...priceTableIssues(given.prices, 'cost.prices'));
    const perEnvironment = given.environmentPrices;
    if (perEnvironment !== undefined && (perEnvironment === null || typeof perEnvironment !== 'object' || Array.isArray(perEnvironment))) {
      issues.push({ field: 'cost.environmentPrices', value: perEnvironment, message: 'must be an object of price tables by environment name' });
    } else {
      for (const [name, table] of Object.entries(perEnvironment ?? {})) {
        if (!environmentNames.includes(name)) {
          issues.push({
            field: `cost.environmentPrices.${name}`,
            message: `no app has an environment named ${describeValue(name)} (there are: ${environmentNames.join(', ')}); use one of those names`,
          });
        }
        issues.push(...priceTableIssues(table, `cost.environmentPrices.${name}`));
      }
    }
  }
  return issues.map((issue) => `[cost] ${formatIssue(issue)}`);
}

/** The estimate of every rendered environment (options already checked with `costOptionProblems`). */
export function estimateEnvironments(environments: readonly RenderedEnvironment[], options: CostOptions): CostEstimate[] {
  return environments.map((env) => estimateCost(env.objects, options.environmentPrices?.[env.environment] ?? options.prices, { app: env.app, environment: env.environment }));
}

/** `manifests/<app>/<env>/COST.md` of every estimate. */
export function costFiles(estimates: readonly CostEstimate[]): Map<string, string> {
  return new Map(estimates.map((estimate) => [path.posix.join('manifests', estimate.app, estimate.environment, COST_FILE_NAME), costMarkdown(estimate)]));
}
