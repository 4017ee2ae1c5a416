/**
 * Cron schedules as the Kubernetes CronJob controller parses them (five fields, or a
 * descriptor such as `@daily`), checked field by field so that `99 2 * * *` fails before deploy.
 */

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly question?: boolean;
}

const FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], question: true },
];

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

function value(text: string, field: CronField): number | undefined {
  if (/^[0-9]+$/.test(text)) {
    return Number(text);
  }
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  return index < 0 ? undefined : index + field.min;
}

function partProblem(part: string, field: CronField): string | undefined {
  const [range, step, extra] = part.split('/');
  if (extra !== undefined || (step !== undefined && !/^[1-9][0-9]*$/.test(step))) {
    return `"${part}": a step must be a positive whole number (e.g. "*/15")`;
  }
  if (range === '*' || (range === '?' && field.question)) {
    return undefined;
  }
  const bounds = range.split('-');
  if (bounds.length > 2) {
    return `"${part}" is not a value or a range`;
  }
  const numbers = bounds.map((b) => value(b, field));
  if (numbers.some((n) => n === undefined || n < field.min || n > field.max)) {
    return `"${part}" is out of range: the ${field.name} goes from ${field.min} to ${field.max}${field.names ? ` (or ${field.names[0]}..${field.names[field.names.length - 1]})` : ''}`;
  }
  if (numbers.length === 2 && (numbers[0] as number) > (numbers[1] as number)) {
    return `"${part}": a range must go upwards`;
  }
  return undefined;
}

/** Why the schedule is invalid, or undefined when it is valid. */
export function cronProblem(schedule: string): string | undefined {
  const trimmed = schedule.trim();
  if (trimmed.startsWith('@')) {
    return DESCRIPTORS.has(trimmed) || /^@every [0-9]+(ns|us|ms|s|m|h)([0-9]+(ns|us|ms|s|m|h))*$/.test(trimmed)
      ? undefined
      : `"${trimmed}" is not a descriptor; use one of ${[...DESCRIPTORS].join(', ')}`;
  }
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 5) {
    return `has ${parts.length} fields; a schedule has five: minute hour day-of-month month day-of-week (e.g. "0 2 * * *"), or is a descriptor such as "@daily"`;
  }
  for (let i = 0; i < FIELDS.length; i++) {
    for (const part of parts[i].split(',')) {
      const problem = partProblem(part, FIELDS[i]);
      if (problem) {
        return `${FIELDS[i].name} ${problem}`;
      }
    }
  }
  return undefined;
}

/** Whether the IANA time zone exists (as far as this Node.js's ICU data knows). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
