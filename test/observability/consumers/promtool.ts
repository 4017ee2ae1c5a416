/**
 * promtool as the tests use it: rule unit tests (`promtool test rules`) written as YAML files in
 * a temporary folder, and the checks (`check config`, `check rules`).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'yaml';
import { makeTempDir, removeTempDir, runProgram } from '../../helpers/programs';
import { type RuleFile } from './fixtures';
import { MINUTES, type Series, seriesText } from './series';

/** An alert expected at the evaluation time, with its labels (the alert name aside) and rendered annotations. */
export interface ExpectedAlert {
  readonly exp_labels: Readonly<Record<string, string>>;
  readonly exp_annotations: Readonly<Record<string, string>>;
}

export interface AlertCase {
  readonly alertname: string;
  readonly eval_time: string;
  readonly exp_alerts: readonly ExpectedAlert[];
}

export interface ExprCase {
  readonly expr: string;
  readonly eval_time: string;
  readonly exp_samples: readonly { readonly labels: string; readonly value: number }[];
}

/** One test group of a unit-test file: its own input series. */
export interface UnitTest {
  /** Shown in promtool's failure output. */
  readonly name: string;
  readonly series: readonly Series[];
  readonly alerts?: readonly AlertCase[];
  readonly exprs?: readonly ExprCase[];
}

export interface PromtoolResult {
  readonly status: number | null;
  readonly output: string;
}

/** `promtool test rules` on a unit-test file over `rules` (no rules: expressions only). */
export function testRules(rules: RuleFile | undefined, tests: readonly UnitTest[]): PromtoolResult {
  const dir = makeTempDir('promtool');
  try {
    const ruleFiles = rules ? ['rules.yaml'] : [];
    if (rules) {
      fs.writeFileSync(path.join(dir, 'rules.yaml'), yaml.stringify(rules));
    }
    const unit = {
      rule_files: ruleFiles,
      evaluation_interval: '1m',
      tests: tests.map((t) => ({
        name: t.name,
        interval: '1m',
        input_series: t.series.map((s) => ({ series: seriesText(s), values: s.values })),
        ...(t.alerts ? { alert_rule_test: t.alerts } : {}),
        ...(t.exprs ? { promql_expr_test: t.exprs } : {}),
      })),
    };
    fs.writeFileSync(path.join(dir, 'tests.yaml'), yaml.stringify(unit, { lineWidth: 0 }));
    const result = runProgram('promtool', ['test', 'rules', 'tests.yaml'], { cwd: dir, timeoutMs: 120_000 });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    removeTempDir(dir);
  }
}

/** `promtool check rules` with every lint, lint findings fatal. */
export function checkRules(rules: RuleFile): PromtoolResult {
  const dir = makeTempDir('promtool');
  try {
    fs.writeFileSync(path.join(dir, 'rules.yaml'), yaml.stringify(rules));
    const result = runProgram('promtool', ['check', 'rules', '--lint=all', '--lint-fatal', 'rules.yaml'], { cwd: dir });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    removeTempDir(dir);
  }
}

/** The last sample time of the synthetic series: where expressions are evaluated. */
export const END = `${MINUTES}m`;
