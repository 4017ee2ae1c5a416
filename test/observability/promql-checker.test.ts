import { checkPromql, promqlProblems } from './promql-checker';

// The checker the generated rules and panels are held to: it must accept real PromQL and refuse
// the mistakes a generator makes.

describe('valid expressions', () => {
  test.each([
    'up',
    'up == 0',
    'up{namespace="agents", workload=~"a|b"} == 0',
    'sum by (namespace, workload) (rate(http_server_request_duration_seconds_count{namespace="agents", http_response_status_code=~"5.."}[5m])) / sum by (namespace, workload) (rate(http_server_request_duration_seconds_count{namespace="agents"}[5m])) > 0.05',
    'histogram_quantile(0.95, sum by (namespace, workload, le) (rate(mcp_request_duration_seconds_bucket{namespace="agents"}[5m]))) > 2',
    'max by (namespace, workload) (vllm:num_requests_waiting{workload="llm"}) > 10',
    '(sum by (namespace, pod, container) (kube_pod_container_status_last_terminated_reason{reason="OOMKilled"}) > 0) and on (namespace, pod, container) (sum by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total[15m])) > 0)',
    'sum(rate(x[5m])) by (pod)',
    'a / on (pod) group_left (node) b',
    '-sum(x) + 1 * 2 ^ 3 ^ 2',
    'rate(x[1h30m] offset 5m)',
    'max_over_time(rate(x[5m])[1h:1m])',
    'label_replace(up, "dst", "$1", "src", "(.*)")',
    'topk(3, up)',
    '1 > bool 0',
    '{__name__="up", job="x"}',
    '(sum(x) or vector(0)) / (sum(y) >= 20) or vector(NaN)',
    'x > Inf or x < -inf',
  ])('%s', (expr) => {
    expect(checkPromql(expr).errors).toEqual([]);
  });
});

describe('invalid expressions', () => {
  test.each([
    ['sum(rate(x[5m])', /unclosed "\("/],
    ['sum(rate(x[5m])))', /unbalanced "\)"/],
    ['x{a="b"', /unclosed "\{"/],
    ['x{a=="b"}', /label matcher operator must be one of = != =~ !~/],
    ['x{a=b}', /label matcher value must be a quoted string/],
    ['x{a="b" c="d"}', /expected "," or "}" after a matcher/],
    ['x{1a="b"}', /expected a label name in a matcher|unexpected/],
    ['x{a=~"(unclosed"}', /invalid regular expression/],
    ['rat(x[5m])', /unknown function "rat"/],
    ['rate(x)', /argument 1 of rate\(\) must be a range vector/],
    ['rate(x[5])', /range "5" is not a duration/],
    ['rate(x[])', /range "" is not a duration/],
    ['histogram_quantile(x[5m])', /histogram_quantile\(\) takes 2 argument/],
    ['x[5m]', /is a range/],
    ['sum by (a) x', /expected "\("/],
    ['x and 1', /"and" needs two instant vectors/],
    ['1 > 0', /needs "bool"/],
    ['x by (a)', /unexpected trailing input|keyword/],
    ['x{a="b"} offset', /offset needs a duration/],
    ['"s"', /is a string/],
  ])('%s', (expr, message) => {
    const { errors } = checkPromql(expr);
    expect(errors.join('\n')).toMatch(message);
  });
});

test('the metrics an expression reads, colons included', () => {
  // GIVEN an expression over two series and a label list
  const { metrics } = checkPromql('sum by (pod) (rate(vllm:generation_tokens_total{a="b"}[5m])) / on (pod) sum by (pod) (up)');
  // THEN the metric names, not the labels or functions
  expect(metrics.sort()).toEqual(['up', 'vllm:generation_tokens_total']);
  // NaN and Inf are numbers, not metrics
  expect(checkPromql('sum(x) or vector(NaN)').metrics).toEqual(['x']);
});

test('an unknown metric is a problem, a known one is not', () => {
  const known = new Set(['up']);
  expect(promqlProblems('up == 0', known)).toEqual([]);
  expect(promqlProblems('sum(rate(made_up_total[5m]))', known)).toEqual([expect.stringContaining('unknown metric "made_up_total"')]);
});
