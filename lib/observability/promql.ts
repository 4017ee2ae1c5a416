/**
 * Small typed builders for the PromQL the dashboards and alerts use, so that every expression
 * is assembled the same way: a selector scoped to the app's namespace and workload, a rate over
 * a fixed window, an aggregation keeping the labels a panel or an alert needs.
 */

/** Label matching operators. */
export type MatchOp = '=' | '!=' | '=~' | '!~';

/** The window of every rate and increase. */
export const RATE_WINDOW = '5m';

/** `name="value"`, with the value escaped as a PromQL string. */
export function matcher(name: string, op: MatchOp, value: string): string {
  return `${name}${op}${JSON.stringify(value)}`;
}

/** `metric{m1, m2}`; matchers are complete `name op "value"` strings. */
export function selector(metric: string, matchers: readonly string[]): string {
  return matchers.length === 0 ? metric : `${metric}{${matchers.join(', ')}}`;
}

export function rate(series: string, window = RATE_WINDOW): string {
  return `rate(${series}[${window}])`;
}

export function increase(series: string, window = RATE_WINDOW): string {
  return `increase(${series}[${window}])`;
}

/** `sum by (a, b) (expr)`; an empty label list aggregates everything. */
export function aggregate(op: 'sum' | 'avg' | 'max' | 'min', labels: readonly string[], expr: string): string {
  return labels.length === 0 ? `${op}(${expr})` : `${op} by (${labels.join(', ')}) (${expr})`;
}

export function sumBy(labels: readonly string[], expr: string): string {
  return aggregate('sum', labels, expr);
}

/** The q-quantile of a histogram's `_bucket` rate, per the given labels. */
export function quantile(q: number, bucketSelector: string, labels: readonly string[]): string {
  return `histogram_quantile(${q}, ${sumBy([...labels, 'le'], rate(bucketSelector))})`;
}

/** A regular expression matching exactly the given names (Kubernetes names need no escaping beyond dots). */
export function anyOf(names: readonly string[]): string {
  return names.map((n) => n.replace(/[.]/g, '\\.')).join('|');
}

/** The matcher selecting failed requests of a request signal, e.g. `http_response_status_code=~"5.."`. */
export function errorMatcher(requests: { readonly outcomeLabel: string; readonly errorPattern: string }): string {
  return matcher(requests.outcomeLabel, '=~', requests.errorPattern);
}

/** `(a) or (b)`: one expression for several families of series; a single one stays bare. */
export function anyOfExprs(exprs: readonly string[]): string {
  return exprs.length === 1 ? exprs[0] : exprs.map((e) => `(${e})`).join(' or ');
}

/** An expression of a utilization read on `fullScale` (100 or 1), in percent. */
export function percentOf(expr: string, fullScale: number): string {
  return fullScale === 100 ? expr : `${expr} * ${100 / fullScale}`;
}
