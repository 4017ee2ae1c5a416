/**
 * Label selectors: matching (metav1.LabelSelector and plain map selectors) and validation.
 */
import { labelValue, qualifiedName } from './names';
import { isRecord, join, joinAll, list, rec, str, stringMap, type Issue } from './util';

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** True when a value looks like a metav1.LabelSelector (only matchLabels/matchExpressions). */
export function isLabelSelector(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k === 'matchLabels' || k === 'matchExpressions');
}

/** A LabelSelector with no requirement at all (matches everything where that is allowed). */
export function isEmptySelector(selector: unknown): boolean {
  return Object.keys(stringMap(rec(selector)?.matchLabels)).length === 0 && list(rec(selector)?.matchExpressions).length === 0;
}

/** Whether a metav1.LabelSelector selects the given labels. An empty selector matches everything. */
export function selectorMatches(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  if (!isRecord(selector)) return false;
  if (!mapSelectorMatches(stringMap(selector.matchLabels), labels)) return false;
  return list(selector.matchExpressions).every((e) => expressionMatches(e, labels));
}

/** Whether a plain map selector (Service spec.selector) selects the given labels. */
export function mapSelectorMatches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function expressionMatches(expression: unknown, labels: Readonly<Record<string, string>>): boolean {
  const key = str(rec(expression)?.key) ?? '';
  const values = list(rec(expression)?.values).filter((v): v is string => typeof v === 'string');
  const has = Object.prototype.hasOwnProperty.call(labels, key);
  switch (rec(expression)?.operator) {
    case 'In': return has && values.includes(labels[key]);
    case 'NotIn': return !has || !values.includes(labels[key]);
    case 'Exists': return has;
    case 'DoesNotExist': return !has;
    default: return false;
  }
}

/** Label keys and values of a map (labels, matchLabels, Service selector). */
export function checkLabelMap(value: unknown, path: string, issues: Issue[]): void {
  if (!isRecord(value)) return;
  for (const [key, v] of Object.entries(value)) {
    const keyProblem = qualifiedName(key);
    if (keyProblem !== undefined) issues.push({ path: join(path, key), message: `invalid label key ${JSON.stringify(key)}: ${keyProblem}` });
    const valueProblem = typeof v === 'string' ? labelValue(v) : undefined;
    if (valueProblem !== undefined) issues.push({ path: join(path, key), message: `invalid label value ${JSON.stringify(v)}: ${valueProblem}` });
  }
}

/** matchLabels plus matchExpressions (keys, operators, values) of a LabelSelector. */
export function checkLabelSelector(selector: unknown, path: string, issues: Issue[]): void {
  const sel = rec(selector);
  if (sel === undefined) return;
  checkLabelMap(sel.matchLabels, join(path, 'matchLabels'), issues);
  list(sel.matchExpressions).forEach((e, i) => checkExpression(e, joinAll(path, 'matchExpressions', i), issues));
}

function checkExpression(expression: unknown, path: string, issues: Issue[]): void {
  const key = str(rec(expression)?.key);
  const operator = str(rec(expression)?.operator) ?? '';
  const values = list(rec(expression)?.values);
  const keyProblem = key === undefined ? undefined : qualifiedName(key);
  if (keyProblem !== undefined) issues.push({ path: join(path, 'key'), message: `invalid label key ${JSON.stringify(key)}: ${keyProblem}` });
  if (!OPERATORS.has(operator)) {
    issues.push({ path: join(path, 'operator'), message: `operator ${JSON.stringify(operator)} is not one of In, NotIn, Exists, DoesNotExist` });
  } else if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
    issues.push({ path: join(path, 'values'), message: `operator ${operator} requires at least one value` });
  } else if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
    issues.push({ path: join(path, 'values'), message: `operator ${operator} must not have values` });
  }
  values.forEach((v, i) => {
    const problem = typeof v === 'string' ? labelValue(v) : undefined;
    if (problem !== undefined) issues.push({ path: joinAll(path, 'values', i), message: `invalid label value ${JSON.stringify(v)}: ${problem}` });
  });
}
