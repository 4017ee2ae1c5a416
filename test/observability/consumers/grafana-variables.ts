/**
 * Template variables substituted into a Prometheus query the way Grafana does it, for one
 * selected value or for "All" (every option, since the generated variables set no custom "all
 * value"). Formats, from Grafana's documentation of advanced variable formatting:
 * - none given: the Prometheus data source's own formatting for a multi-value or include-All
 *   variable: each value regex-escaped, several joined as `(a|b)`;
 * - `:raw`: the values as they are, several joined with commas;
 * - `:pipe`: the values as they are, joined with `|`;
 * - `:regex`: regex-escaped, several joined as `(a|b)`;
 * - `:csv`: joined with commas; `:text`: the display texts joined with ` + `.
 */

/** A variable of a generated dashboard: its options as `text`/`value` pairs. */
export interface VariableOptions {
  readonly name: string;
  readonly options: readonly { readonly text: string; readonly value: string }[];
}

/** What is selected: one option's value, or All. */
export type Selection = { readonly kind: 'all' } | { readonly kind: 'one'; readonly value: string };

/** Grafana's Prometheus data source escaping of one value inside a regex matcher (a PromQL string, so backslashes are doubled). */
function prometheusRegexEscape(value: string): string {
  return value.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]'+?.()|]/g, '\\\\$&');
}

function format(values: readonly string[], texts: readonly string[], fmt: string | undefined): string {
  switch (fmt) {
    case undefined:
    case 'regex': {
      const escaped = values.map(prometheusRegexEscape);
      return escaped.length === 1 ? escaped[0] : `(${escaped.join('|')})`;
    }
    case 'raw':
    case 'csv':
      return values.join(',');
    case 'pipe':
      return values.join('|');
    case 'text':
      return texts.join(' + ');
    default:
      throw new Error(`variable format ":${fmt}" is not modelled here`);
  }
}

const REFERENCE = /\$\{([a-zA-Z0-9_]+)(?::([a-z]+))?\}|\[\[([a-zA-Z0-9_]+)(?::([a-z]+))?\]\]|\$([a-zA-Z0-9_]+)/g;

/** The names of the variables an expression references. */
export function referencedVariables(expr: string): string[] {
  return [...new Set([...expr.matchAll(REFERENCE)].map((m) => m[1] ?? m[3] ?? m[5]))];
}

/** `expr` with every variable replaced as Grafana replaces it for the given selections. */
export function interpolate(expr: string, variables: readonly VariableOptions[], selections: Readonly<Record<string, Selection>>): string {
  return expr.replace(REFERENCE, (whole, braced?: string, bracedFormat?: string, bracketed?: string, bracketedFormat?: string, bare?: string) => {
    const name = braced ?? bracketed ?? bare ?? '';
    const variable = variables.find((v) => v.name === name);
    const selection = selections[name];
    if (!variable || !selection) {
      return whole;
    }
    const options = variable.options.filter((o) => o.value !== '$__all');
    const chosen = selection.kind === 'all' ? options : options.filter((o) => o.value === selection.value);
    return format(chosen.map((o) => o.value), chosen.map((o) => o.text), bracedFormat ?? bracketedFormat);
  });
}
