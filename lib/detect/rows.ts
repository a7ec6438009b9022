// Rows that arrive as JS values (a service's JSON, a stream's pushes) -> float32 feature rows, by
// the same policy as the CSV reader (lib/data/csv.ts), so batch files, batch calls and streams
// refuse or repair the same things:
// - A row is an array of values in schema order, or an object keyed by column name with exactly
//   the schema's columns. Any other count or name is an error naming what was expected.
// - A value is a number, a numeric string (parsed like a CSV cell), or null/undefined (missing).
//   NaN, missing, non-numeric text, infinities and values beyond float32 are bad values:
//   onBadValue 'error' (default) refuses the row; 'ffill' repeats the previous row's value of
//   that column (and refuses a bad value in the very first row: nothing to repeat).
// - A timestamp is ms since the epoch, a Date, or text in a format of lib/data/timestamps.ts.
//   timestampOrder 'increasing' (default: strictly after the previous timestamped row),
//   'nondecreasing' or 'any'. Rows without a timestamp are not checked.
// A refused row changes nothing (a stream keeps its window; a batch call scores nothing).
import { DataError } from '../data/errors';
import { diffSchema } from '../data/schema';
import { parseTimestamp, TIMESTAMP_FORMATS_HELP } from '../data/timestamps';
import { badValueProblem, F32_MAX, parseFeature } from '../data/values';

/** A row: values in schema order, or an object keyed by column name. */
export type RowInput = ArrayLike<number | string | null | undefined> | Record<string, number | string | null | undefined>;
/** ms since the epoch, a Date, or timestamp text. */
export type TimestampInput = number | string | Date;

export interface RowPolicy {
  /** Bad values: 'error' (default) or 'ffill', as CsvOptions.onBadValue. */
  onBadValue?: 'error' | 'ffill';
  /** As CsvOptions.timestampOrder; default 'increasing' (strictly). */
  timestampOrder?: 'increasing' | 'nondecreasing' | 'any';
}

/** A category a tabular model's vocabulary lacks, encoded as an all-zero block (tabular_rows.ts). */
export interface UnseenCategory {
  column: string;
  value: string;
}

const NONE: readonly UnseenCategory[] = Object.freeze([]);

/** A refused input row: `index` is its 0-based position (in the call, or in the stream). */
export class RowError extends DataError {
  readonly index: number;

  constructor(index: number, problem: string, where: { column?: string; found?: string } = {}) {
    super(`row ${index}${where.column !== undefined ? `, column "${where.column}"` : ''}: ${problem}`);
    this.name = 'RowError';
    this.index = index;
    Object.assign(this, { column: where.column, found: where.found });
  }
}

export function checkPolicy(p: RowPolicy): Required<RowPolicy> {
  const onBadValue = p.onBadValue ?? 'error';
  const timestampOrder = p.timestampOrder ?? 'increasing';
  if (onBadValue !== 'error' && onBadValue !== 'ffill') throw new Error(`onBadValue must be 'error' or 'ffill', not '${onBadValue}'`);
  if (!['increasing', 'nondecreasing', 'any'].includes(timestampOrder))
    throw new Error(`timestampOrder must be 'increasing', 'nondecreasing' or 'any', not '${timestampOrder}'`);
  return { onBadValue, timestampOrder };
}

/** A value as a float32-representable number, or NaN when bad. */
function cell(v: unknown): number {
  if (typeof v === 'number') return v >= -F32_MAX && v <= F32_MAX ? v : NaN;
  if (typeof v === 'string') return parseFeature(v);
  return NaN;
}

function problemOf(v: unknown): string {
  if (v === null || v === undefined) return `missing value (${v})`;
  if (typeof v === 'string') return badValueProblem(v);
  if (typeof v === 'number') {
    if (v !== v) return 'not a number (NaN)';
    if (!Number.isFinite(v)) return `infinite value (${v})`;
    return `value out of float32 range (${v})`;
  }
  return `a ${Array.isArray(v) ? 'array' : typeof v} is not a value`;
}

/** Reads rows of one schema into float32 feature rows and checks timestamps, by a RowPolicy. */
export class RowReader {
  readonly policy: Required<RowPolicy>;
  protected readonly F: number;
  private readonly expected: string;

  constructor(readonly columns: readonly string[], policy: RowPolicy = {}) {
    this.policy = checkPolicy(policy);
    this.F = columns.length;
    const shown = columns.length > 12 ? `${columns.slice(0, 12).join(', ')}, ...` : columns.join(', ');
    this.expected = `${this.F} values in schema order (${shown}) or an object with exactly those keys`;
  }

  /** The categories of the last row read that the model's vocabulary lacks (tabular rows only). */
  get unseen(): readonly UnseenCategory[] {
    return NONE;
  }

  /**
   * Writes row `index` into out[at, at + F). Bad values become `prev[prevAt + c]` under 'ffill'
   * (prev null: no previous row). Throws a RowError, leaving out partly written, when refused.
   */
  read(row: unknown, index: number, out: Float32Array, at: number, prev: Float32Array | null, prevAt: number): void {
    const cell = this.cells(row, index);
    for (let c = 0; c < this.F; c++) out[at + c] = this.value(cell(c), c, index, prev, prevAt);
  }

  /** Checks a row's shape (its count of values, or its keys); returns the value of column c. */
  protected cells(row: unknown, index: number): (c: number) => unknown {
    const F = this.F;
    if (row === null || typeof row !== 'object') throw new RowError(index, `expected ${this.expected}, got ${row === null ? 'null' : typeof row}`);
    if (Array.isArray(row) || ArrayBuffer.isView(row)) {
      const a = row as ArrayLike<unknown>;
      if (a.length !== F) throw new RowError(index, `expected ${this.expected}, got ${a.length} values`);
      return (c) => a[c];
    }
    const o = row as Record<string, unknown>;
    let n = 0;
    for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) n++;
    if (n !== F || this.columns.some((c) => !Object.prototype.hasOwnProperty.call(o, c))) {
      const d = diffSchema(this.columns, Object.keys(o));
      const parts = [d.missing.length && `missing ${d.missing.map((c) => `"${c}"`).join(', ')}`, d.unexpected.length && `unexpected ${d.unexpected.map((c) => `"${c}"`).join(', ')}`];
      throw new RowError(index, `the row's keys do not match the model's schema: ${parts.filter(Boolean).join('; ')} (expected ${this.expected})`);
    }
    return (c) => o[this.columns[c]];
  }

  /** Column c's value as a number, by the bad-value policy (ffill: from prev[prevAt + c]). */
  protected value(v: unknown, c: number, index: number, prev: Float32Array | null, prevAt: number): number {
    const x = cell(v);
    if (x === x) return x;
    const column = this.columns[c];
    const found = typeof v === 'string' ? v : String(v);
    if (this.policy.onBadValue === 'error') throw new RowError(index, `${problemOf(v)} (onBadValue is 'error'; 'ffill' would repeat the previous row's value)`, { column, found });
    if (!prev) throw new RowError(index, `${problemOf(v)} in the first row: onBadValue 'ffill' has no previous value to repeat`, { column, found });
    return prev[prevAt + c];
  }

  /** A timestamp as ms since the epoch (NaN for none). */
  time(t: unknown, index: number): number {
    if (t === undefined || t === null) return NaN;
    let ms = NaN;
    if (typeof t === 'number') ms = t;
    else if (t instanceof Date) ms = t.getTime();
    else if (typeof t === 'string') ms = parseTimestamp(t)?.ms ?? NaN;
    if (!Number.isFinite(ms)) throw new RowError(index, `timestamp ${JSON.stringify(t instanceof Date ? String(t) : t)} is not ms since the epoch, a Date or text in a known format (${TIMESTAMP_FORMATS_HELP})`);
    return ms;
  }

  /** Throws unless `ms` may follow `prevMs` (NaN: none yet) under the timestamp order. */
  checkOrder(ms: number, prevMs: number, index: number): void {
    const order = this.policy.timestampOrder;
    if (order === 'any' || ms !== ms || prevMs !== prevMs) return;
    if (ms < prevMs || (ms === prevMs && order === 'increasing')) {
      const rule = order === 'increasing' ? "strictly increasing; timestampOrder 'nondecreasing' allows repeats" : 'non-decreasing';
      throw new RowError(index, `timestamp ${iso(ms)} is not after the previous row's ${iso(prevMs)} (timestamps must be ${rule})`);
    }
  }
}

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}
