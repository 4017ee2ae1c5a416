/**
 * A small PromQL checker for the expressions the stack generates: a tokenizer and a
 * recursive-descent parser with operator precedence and value types (scalar, instant vector,
 * range vector, string). It reports unbalanced brackets, malformed label matchers (`name op
 * "value"`, op in = != =~ !~, regexes that do not compile), unknown functions and wrong argument
 * types (rate() of an instant vector), range selectors without a valid duration, and misplaced
 * keywords, and it lists every metric name the expression reads.
 */

type ValueType = 'scalar' | 'instant' | 'range' | 'string';

interface Token {
  readonly kind: 'number' | 'duration' | 'string' | 'ident' | 'punct' | 'op' | 'end';
  readonly text: string;
  readonly at: number;
}

export interface PromqlCheck {
  readonly errors: string[];
  readonly metrics: string[];
}

const DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MATCH_OPS = ['=', '!=', '=~', '!~'];

const AGGREGATIONS: Readonly<Record<string, readonly ValueType[]>> = {
  sum: ['instant'], avg: ['instant'], min: ['instant'], max: ['instant'], count: ['instant'], group: ['instant'],
  stddev: ['instant'], stdvar: ['instant'], topk: ['scalar', 'instant'], bottomk: ['scalar', 'instant'],
  quantile: ['scalar', 'instant'], count_values: ['string', 'instant'],
};

const FUNCTIONS: Readonly<Record<string, { readonly args: readonly ValueType[]; readonly optional?: number; readonly returns: ValueType }>> = {
  rate: { args: ['range'], returns: 'instant' },
  irate: { args: ['range'], returns: 'instant' },
  increase: { args: ['range'], returns: 'instant' },
  delta: { args: ['range'], returns: 'instant' },
  idelta: { args: ['range'], returns: 'instant' },
  deriv: { args: ['range'], returns: 'instant' },
  changes: { args: ['range'], returns: 'instant' },
  resets: { args: ['range'], returns: 'instant' },
  avg_over_time: { args: ['range'], returns: 'instant' },
  max_over_time: { args: ['range'], returns: 'instant' },
  min_over_time: { args: ['range'], returns: 'instant' },
  sum_over_time: { args: ['range'], returns: 'instant' },
  count_over_time: { args: ['range'], returns: 'instant' },
  last_over_time: { args: ['range'], returns: 'instant' },
  quantile_over_time: { args: ['scalar', 'range'], returns: 'instant' },
  absent_over_time: { args: ['range'], returns: 'instant' },
  histogram_quantile: { args: ['scalar', 'instant'], returns: 'instant' },
  abs: { args: ['instant'], returns: 'instant' },
  ceil: { args: ['instant'], returns: 'instant' },
  floor: { args: ['instant'], returns: 'instant' },
  round: { args: ['instant', 'scalar'], optional: 1, returns: 'instant' },
  sqrt: { args: ['instant'], returns: 'instant' },
  exp: { args: ['instant'], returns: 'instant' },
  ln: { args: ['instant'], returns: 'instant' },
  log2: { args: ['instant'], returns: 'instant' },
  log10: { args: ['instant'], returns: 'instant' },
  clamp: { args: ['instant', 'scalar', 'scalar'], returns: 'instant' },
  clamp_min: { args: ['instant', 'scalar'], returns: 'instant' },
  clamp_max: { args: ['instant', 'scalar'], returns: 'instant' },
  absent: { args: ['instant'], returns: 'instant' },
  sort: { args: ['instant'], returns: 'instant' },
  sort_desc: { args: ['instant'], returns: 'instant' },
  timestamp: { args: ['instant'], returns: 'instant' },
  label_replace: { args: ['instant', 'string', 'string', 'string', 'string'], returns: 'instant' },
  vector: { args: ['scalar'], returns: 'instant' },
  scalar: { args: ['instant'], returns: 'scalar' },
  time: { args: [], returns: 'scalar' },
};

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless']);

/** Binary operators by precedence, lowest first. */
const PRECEDENCE: readonly (readonly string[])[] = [
  ['or'],
  ['and', 'unless'],
  ['==', '!=', '<=', '<', '>=', '>'],
  ['+', '-'],
  ['*', '/', '%'],
  ['^'],
];
const COMPARISONS = new Set(PRECEDENCE[2]);
const SET_OPERATORS = new Set(['and', 'or', 'unless']);

function tokenize(expr: string, errors: string[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const stack: { char: string; at: number }[] = [];
  const closing: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  while (i < expr.length) {
    const c = expr[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = expr.slice(i);
    const duration = /^(([0-9]+(ms|s|m|h|d|w|y))+)(?![a-zA-Z0-9_])/.exec(rest);
    // PromQL reads NaN and Inf, in any case, as numbers (vector(NaN) is a scalar argument).
    const number = /^([0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?)(?![a-zA-Z_])/.exec(rest) ?? /^(nan|inf)(?![a-zA-Z0-9_:])/i.exec(rest);
    const ident = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rest);
    if (duration) {
      tokens.push({ kind: 'duration', text: duration[1], at: i });
      i += duration[1].length;
    } else if (c === ':' && tokens[tokens.length - 1]?.kind === 'duration') {
      tokens.push({ kind: 'op', text: ':', at: i });
      i++;
    } else if (number) {
      tokens.push({ kind: 'number', text: number[1], at: i });
      i += number[1].length;
    } else if (c === '"' || c === '\'') {
      let j = i + 1;
      while (j < expr.length && expr[j] !== c) {
        j += expr[j] === '\\' ? 2 : 1;
      }
      if (j >= expr.length) {
        errors.push(`unterminated string at ${i}`);
        return tokens;
      }
      tokens.push({ kind: 'string', text: expr.slice(i, j + 1), at: i });
      i = j + 1;
    } else if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], at: i });
      i += ident[0].length;
    } else if ('(){}[],'.includes(c)) {
      if ('({['.includes(c)) {
        stack.push({ char: c, at: i });
      } else if (',' !== c) {
        const open = stack.pop();
        if (!open || open.char !== closing[c]) {
          errors.push(`unbalanced "${c}" at ${i}`);
        }
      }
      tokens.push({ kind: 'punct', text: c, at: i });
      i++;
    } else {
      const op = ['==', '!=', '<=', '>=', '=~', '!~', '=', '<', '>', '+', '-', '*', '/', '%', '^', ':'].find((o) => rest.startsWith(o));
      if (!op) {
        errors.push(`unexpected character "${c}" at ${i}`);
        return tokens;
      }
      tokens.push({ kind: 'op', text: op, at: i });
      i += op.length;
    }
  }
  for (const open of stack) {
    errors.push(`unclosed "${open.char}" at ${open.at}`);
  }
  tokens.push({ kind: 'end', text: '', at: expr.length });
  return tokens;
}

function unquote(text: string): string {
  return text.slice(1, -1).replace(/\\(.)/g, '$1');
}

class Parser {
  private pos = 0;
  public readonly metrics = new Set<string>();

  constructor(private readonly tokens: readonly Token[]) {}

  private get token(): Token {
    return this.tokens[this.pos];
  }

  private fail(message: string): never {
    throw new Error(`${message} at ${this.token.at} (near "${this.token.text}")`);
  }

  private accept(text: string): boolean {
    if ((this.token.kind === 'punct' || this.token.kind === 'op' || this.token.kind === 'ident') && this.token.text === text) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expect(text: string): void {
    if (!this.accept(text)) {
      this.fail(`expected "${text}"`);
    }
  }

  public parseAll(): ValueType {
    const type = this.expression(0);
    if (this.token.kind !== 'end') {
      this.fail('unexpected trailing input');
    }
    return type;
  }

  private expression(level: number): ValueType {
    if (level >= PRECEDENCE.length) {
      return this.unary();
    }
    let left = this.expression(level + 1);
    for (;;) {
      const op = this.token.text;
      if (!PRECEDENCE[level].includes(op) || (this.token.kind !== 'op' && this.token.kind !== 'ident')) {
        return left;
      }
      this.pos++;
      const bool = this.accept('bool');
      if (bool && !COMPARISONS.has(op)) {
        this.fail('"bool" only follows a comparison');
      }
      this.vectorMatching();
      // "^" is right associative: its right side is parsed at the same level.
      const right = this.expression(op === '^' ? level : level + 1);
      left = this.binaryType(op, left, right, bool);
    }
  }

  private vectorMatching(): void {
    if (this.accept('on') || this.accept('ignoring')) {
      this.labelList();
      if (this.accept('group_left') || this.accept('group_right')) {
        if (this.token.text === '(') {
          this.labelList();
        }
      }
    }
  }

  private binaryType(op: string, left: ValueType, right: ValueType, bool: boolean): ValueType {
    if (left === 'range' || right === 'range' || left === 'string' || right === 'string') {
      this.fail(`"${op}" needs scalars or instant vectors, got ${left} and ${right}`);
    }
    if (SET_OPERATORS.has(op) && (left !== 'instant' || right !== 'instant')) {
      this.fail(`"${op}" needs two instant vectors`);
    }
    if (COMPARISONS.has(op) && left === 'scalar' && right === 'scalar' && !bool) {
      this.fail('a comparison of two scalars needs "bool"');
    }
    return left === 'scalar' && right === 'scalar' ? 'scalar' : 'instant';
  }

  private unary(): ValueType {
    if (this.accept('-') || this.accept('+')) {
      const type = this.unary();
      if (type !== 'scalar' && type !== 'instant') {
        this.fail('unary minus needs a scalar or an instant vector');
      }
      return type;
    }
    return this.postfix();
  }

  private postfix(): ValueType {
    let type = this.primary();
    if (this.accept('[')) {
      const text = this.rangeText();
      const [range, step] = text.split(':');
      if (!DURATION.test(range)) {
        this.fail(`range "${range}" is not a duration such as 5m`);
      }
      if (text.includes(':')) {
        if (type !== 'instant') {
          this.fail('a subquery needs an instant vector');
        }
        if (step !== '' && !DURATION.test(step)) {
          this.fail(`subquery step "${step}" is not a duration`);
        }
      } else if (!this.lastWasSelector) {
        this.fail('a range needs a vector selector (or a subquery with ":")');
      }
      type = 'range';
    }
    if (this.accept('offset')) {
      if (this.token.kind !== 'duration') {
        this.fail('offset needs a duration');
      }
      this.pos++;
    }
    return type;
  }

  private lastWasSelector = false;

  /** The raw text of a range, up to "]": numbers and units are separate tokens. */
  private rangeText(): string {
    let text = '';
    while (this.token.kind !== 'end' && this.token.text !== ']') {
      text += this.token.text;
      this.pos++;
    }
    this.expect(']');
    return text;
  }

  private primary(): ValueType {
    this.lastWasSelector = false;
    const token = this.token;
    if (token.kind === 'duration') {
      this.fail('a duration is only valid in a range, a subquery or after offset');
    }
    if (token.kind === 'number') {
      this.pos++;
      return 'scalar';
    }
    if (token.kind === 'string') {
      this.pos++;
      return 'string';
    }
    if (this.accept('(')) {
      const type = this.expression(0);
      this.expect(')');
      return type;
    }
    if (token.text === '{') {
      this.matchers();
      this.lastWasSelector = true;
      return 'instant';
    }
    if (token.kind !== 'ident') {
      this.fail('expected an expression');
    }
    if (KEYWORDS.has(token.text)) {
      this.fail(`keyword "${token.text}" out of place`);
    }
    this.pos++;
    if (token.text in AGGREGATIONS) {
      return this.aggregation(token.text);
    }
    if (this.token.text === '(') {
      return this.call(token.text);
    }
    this.metrics.add(token.text);
    if (this.token.text === '{') {
      this.matchers();
    }
    this.lastWasSelector = true;
    return 'instant';
  }

  private aggregation(name: string): ValueType {
    let grouped = false;
    if (this.accept('by') || this.accept('without')) {
      this.labelList();
      grouped = true;
    }
    this.expect('(');
    this.arguments(name, AGGREGATIONS[name], 0);
    if (!grouped && (this.accept('by') || this.accept('without'))) {
      this.labelList();
    }
    return 'instant';
  }

  private call(name: string): ValueType {
    const fn = FUNCTIONS[name];
    if (!fn) {
      this.fail(`unknown function "${name}"`);
    }
    this.expect('(');
    this.arguments(name, fn.args, fn.optional ?? 0);
    return fn.returns;
  }

  private arguments(name: string, expected: readonly ValueType[], optional: number): void {
    const types: ValueType[] = [];
    if (!this.accept(')')) {
      do {
        types.push(this.expression(0));
      } while (this.accept(','));
      this.expect(')');
    }
    if (types.length < expected.length - optional || types.length > expected.length) {
      this.fail(`${name}() takes ${expected.length} argument(s), got ${types.length}`);
    }
    types.forEach((type, i) => {
      if (type !== expected[i]) {
        this.fail(`argument ${i + 1} of ${name}() must be ${expected[i] === 'range' ? 'a range vector (add [5m])' : `a ${expected[i]}`}, got ${type}`);
      }
    });
  }

  private labelList(): void {
    this.expect('(');
    if (this.accept(')')) {
      return;
    }
    do {
      if (this.token.kind !== 'ident' || !LABEL_NAME.test(this.token.text)) {
        this.fail('expected a label name');
      }
      this.pos++;
    } while (this.accept(','));
    this.expect(')');
  }

  private matchers(): void {
    this.expect('{');
    while (!this.accept('}')) {
      const name = this.token;
      if (name.kind !== 'ident' || !LABEL_NAME.test(name.text)) {
        this.fail('expected a label name in a matcher');
      }
      this.pos++;
      const op = this.token;
      if (op.kind !== 'op' || !MATCH_OPS.includes(op.text)) {
        this.fail(`label matcher operator must be one of ${MATCH_OPS.join(' ')}`);
      }
      this.pos++;
      const value = this.token;
      if (value.kind !== 'string') {
        this.fail('label matcher value must be a quoted string');
      }
      this.pos++;
      if (op.text === '=~' || op.text === '!~') {
        try {
          new RegExp(`^(?:${unquote(value.text)})$`);
        } catch {
          this.fail(`invalid regular expression ${value.text}`);
        }
      }
      if (name.text === '__name__' && op.text === '=') {
        this.metrics.add(unquote(value.text));
      }
      if (!this.accept(',') && this.token.text !== '}') {
        this.fail('expected "," or "}" after a matcher');
      }
    }
  }
}

/** Checks one expression; it must evaluate to an instant vector or a scalar. */
export function checkPromql(expr: string): PromqlCheck {
  const errors: string[] = [];
  const tokens = tokenize(expr, errors);
  if (errors.length > 0) {
    return { errors, metrics: [] };
  }
  const parser = new Parser(tokens);
  try {
    const type = parser.parseAll();
    if (type === 'range' || type === 'string') {
      errors.push(`the expression is a ${type}; rules and panels need an instant vector or a scalar`);
    }
  } catch (error) {
    errors.push((error as Error).message);
  }
  return { errors, metrics: [...parser.metrics] };
}

/** Problems of one expression: syntax, and metrics outside `known`. */
export function promqlProblems(expr: string, known: ReadonlySet<string>): string[] {
  const { errors, metrics } = checkPromql(expr);
  return [...errors, ...metrics.filter((m) => !known.has(m)).map((m) => `unknown metric "${m}": no wired workload serves it and it is not in CLUSTER_METRICS`)];
}
