/**
 * The CronJob schedule grammar the API server accepts (robfig/cron's standard parser): five
 * fields (minute, hour, day of month, month, day of week) of lists of `*`, `?`, values, ranges
 * and steps, month and weekday names, or a descriptor such as `@daily` or `@every 1h30m`.
 * Written independently of lib/core/cron.ts, so that a bug there is caught here.
 */

interface FieldBounds {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly FieldBounds[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

function valueOf(text: string, field: FieldBounds): number | undefined {
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + field.min;
  return /^[0-9]+$/.test(text) ? Number(text) : undefined;
}

function rangeProblem(expression: string, field: FieldBounds): string | undefined {
  const [range, step, extra] = expression.split('/');
  if (extra !== undefined) return `too many slashes in ${JSON.stringify(expression)} (${field.name})`;
  if (step !== undefined && (!/^[0-9]+$/.test(step) || Number(step) === 0)) return `step of ${JSON.stringify(expression)} must be a positive number (${field.name})`;
  if (range === '*' || range === '?') return undefined;
  const [startText, endText, more] = range.split('-');
  if (more !== undefined) return `too many hyphens in ${JSON.stringify(expression)} (${field.name})`;
  const start = valueOf(startText, field);
  const end = endText === undefined ? start : valueOf(endText, field);
  if (start === undefined || end === undefined) return `${JSON.stringify(range)} is not a number or name (${field.name})`;
  if (start < field.min || end > field.max) return `${JSON.stringify(range)} is outside ${field.min}-${field.max} (${field.name})`;
  if (start > end) return `beginning of range ${start} is beyond its end ${end} (${field.name})`;
  return undefined;
}

/** Why a schedule would be refused, or undefined when it is valid. */
export function cronScheduleProblem(schedule: string): string | undefined {
  const text = schedule.trim().replace(/^(CRON_)?TZ=\S+\s+/, '');
  if (text.startsWith('@')) {
    if (DESCRIPTORS.has(text)) return undefined;
    const every = /^@every (.+)$/.exec(text);
    if (every) return GO_DURATION.test(every[1]) ? undefined : `${JSON.stringify(every[1])} is not a duration such as "1h30m"`;
    return `unrecognized descriptor ${JSON.stringify(text)}`;
  }
  const fields = text.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== FIELDS.length) return `expected exactly 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`;
  for (let i = 0; i < FIELDS.length; i++) {
    for (const part of fields[i].split(',')) {
      const problem = part === '' ? `empty list item (${FIELDS[i].name})` : rangeProblem(part, FIELDS[i]);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}
