// Streaming CSV reader: a file (plain or .gz) -> Series. Lines are parsed as they arrive, straight
// into a growing Float32Array (features), Uint8Array (labels) and Float64Array (timestamps); the
// file is never held whole as JS strings or row objects.
//
// Rules (each violation is a DataError naming file, 1-based line and column):
// - Header: trimmed names (quotes removed); an empty name becomes c<k> (0-based position);
//   duplicate names are refused. Without a header, columns are `names` or c0, c1, ...
// - Separator: ',', ';' or tab, whichever occurs most in the first line, unless given.
// - Every row has as many fields as the header. Empty lines are skipped.
// - Features: `include` (in that order) or every column except `exclude`, the timestamp and
//   the label columns (in file order). Values are trimmed numbers; empty cells, NaN, text and
//   infinities (or values beyond float32) are bad values, handled by `onBadValue`.
// - Labels: one or more label columns, kept out of the features. A row is anomalous (1) when
//   any of its label cells is: a non-zero number, "Attack" (case and spaces ignored, so SWaT's
//   "A ttack" counts), "anomaly" or "true". 0, "Normal", "false" are normal. -999 (BATADAL's
//   "unknown", see values.ts UNKNOWN_LABELS, overridable with `unknownLabels`) counts as
//   normal: an unknown label is not evidence of an attack; use the dataset's full labels.
//   An unreadable label is always an error (no policy invents ground truth).
// - Timestamp: parsed as in timestamps.ts; `timestampOrder` 'increasing' (default: each row
//   strictly after the previous one; a repeated time is an error too, it usually means
//   duplicated rows), 'nondecreasing' (repeats allowed) or 'any' (not checked).
import { statSync } from 'node:fs';
import { DataError, shown } from './errors';
import { detectSeparator, fieldBounds, splitFields, splitQuoted, type Separator } from './fields';
import { lineBatches } from './lines';
import type { Series } from './series';
import { parseTimestamp, TIMESTAMP_FORMATS_HELP, type TimestampFormat } from './timestamps';
import { badValueProblem, parseDecimal, parseFeature, parseLabel, UNKNOWN_LABELS } from './values';

export type { Separator } from './fields';

export interface CsvOptions {
  /** The first line (after `skipLines`) names the columns. Default true. */
  header?: boolean;
  /** Column names of a file without a header (default c0, c1, ...). */
  names?: string[];
  /** Field separator; detected from the first line when absent. */
  separator?: Separator;
  /** Lines to skip before the header (or the first row). Default 0. */
  skipLines?: number;
  /** Name of the timestamp column (parsed, checked for order, kept out of the features). */
  timestamp?: string;
  /** Default 'increasing' (strictly). */
  timestampOrder?: 'increasing' | 'nondecreasing' | 'any';
  /** Label columns: kept out of the features; a row is anomalous when any is. */
  labels?: string[];
  /** Numeric label values meaning "unknown", read as normal. Default [-999]. */
  unknownLabels?: readonly number[];
  /** Feature columns to keep, in this order. Exclusive with `exclude`. */
  include?: string[];
  /** Columns to drop from the features. */
  exclude?: string[];
  /**
   * Bad feature values (empty, NaN, text, infinite): 'error' (default) throws; 'ffill' copies
   * the previous row's value of that column. A bad value in the first data row is an error
   * even under 'ffill', since there is nothing to copy.
   */
  onBadValue?: 'error' | 'ffill';
  /** Name used in errors and Series.source (default: the path). */
  source?: string;
}

export interface CsvHeader {
  /** All column names, in file order. */
  columns: string[];
  separator: Separator;
  /** 1-based line number of the header (0 when the file has none). */
  line: number;
}

/** Where each output comes from: indices into a row's fields. */
interface Plan {
  header: CsvHeader;
  features: string[];
  featureSrc: Int32Array;
  labelSrc: Int32Array;
  labelNames: string[];
  timestampSrc: number;
}

/** Reads the header (or, without one, the column count) of a file: cheap, reads one chunk. */
export async function peekHeader(path: string, opts: Pick<CsvOptions, 'header' | 'names' | 'separator' | 'skipLines' | 'source'> = {}): Promise<CsvHeader> {
  const file = opts.source ?? path;
  const skip = opts.skipLines ?? 0;
  let lineNo = 0;
  for await (const batch of lineBatches(path)) {
    for (const line of batch) {
      lineNo++;
      if (lineNo <= skip || line.length === 0) continue;
      return headerOf(line, lineNo, opts, file);
    }
  }
  throw new DataError('the file is empty', { file });
}

function headerOf(line: string, lineNo: number, opts: CsvOptions, file: string): CsvHeader {
  const separator = opts.separator ?? detectSeparator(line);
  const fields = splitFields(line, separator, file, lineNo);
  const hasHeader = opts.header ?? true;
  if (hasHeader && opts.names) throw new DataError('`names` is for files without a header (set header: false)', { file });
  if (hasHeader) {
    const columns = fields.map((f, k) => f.trim() || `c${k}`);
    const seen = new Map<string, number>();
    columns.forEach((c, k) => {
      if (seen.has(c)) throw new DataError(`duplicate column name "${shown(c)}" (fields ${seen.get(c)! + 1} and ${k + 1})`, { file, row: lineNo, column: c });
      seen.set(c, k);
    });
    return { columns, separator, line: lineNo };
  }
  if (opts.names && opts.names.length !== fields.length) {
    throw new DataError(`${opts.names.length} names given but the first row has ${fields.length} fields`, { file, row: lineNo });
  }
  return { columns: opts.names ? [...opts.names] : fields.map((_, k) => `c${k}`), separator, line: 0 };
}

function makePlan(header: CsvHeader, opts: CsvOptions, file: string): Plan {
  const { columns } = header;
  const row = header.line || undefined;
  const index = (name: string, role: string): number => {
    const k = columns.indexOf(name);
    if (k < 0) {
      // the names as errors quote input: a binary file's "header" must not reach the terminal raw
      const names = (columns.length > 20 ? `${columns.slice(0, 20).join(', ')}, ...` : columns.join(', '));
      throw new DataError(`no ${role} column "${shown(name)}" (the file has: ${shown(names, 200)})`, { file, row, column: name });
    }
    return k;
  };
  const timestampSrc = opts.timestamp !== undefined ? index(opts.timestamp, 'timestamp') : -1;
  const labelNames = opts.labels ?? [];
  const labelSrc = labelNames.map((n) => index(n, 'label'));
  if (opts.include && opts.exclude) throw new DataError('give `include` or `exclude`, not both', { file });
  const reserved = (k: number) => k === timestampSrc || labelSrc.includes(k);
  let featureSrc: number[];
  if (opts.include) {
    featureSrc = opts.include.map((n) => index(n, 'included'));
    for (const k of featureSrc) {
      if (reserved(k)) throw new DataError('an included column cannot also be the timestamp or a label', { file, row, column: columns[k] });
    }
    if (new Set(featureSrc).size !== featureSrc.length) throw new DataError('`include` names a column twice', { file });
  } else {
    const dropped = new Set((opts.exclude ?? []).map((n) => index(n, 'excluded')));
    featureSrc = columns.map((_, k) => k).filter((k) => !reserved(k) && !dropped.has(k));
  }
  return {
    header,
    features: featureSrc.map((k) => columns[k]),
    featureSrc: Int32Array.from(featureSrc),
    labelSrc: Int32Array.from(labelSrc),
    labelNames,
    timestampSrc,
  };
}

/** Growing typed arrays of the rows parsed so far. */
class Rows {
  rows = 0;
  capacity = 0;
  data = new Float32Array(0);
  labels: Uint8Array | undefined;
  timestamps: Float64Array | undefined;

  constructor(readonly width: number, hasLabels: boolean, hasTime: boolean) {
    if (hasLabels) this.labels = new Uint8Array(0);
    if (hasTime) this.timestamps = new Float64Array(0);
  }

  /** Makes room for row `this.rows`; `estimate` sizes the first allocation. */
  reserve(estimate: number): void {
    const cap = this.capacity === 0 ? Math.max(64, estimate) : Math.ceil(this.capacity * 1.5);
    const grow = <A extends Float32Array | Uint8Array | Float64Array>(a: A, make: (n: number) => A, per: number): A => {
      const b = make(cap * per);
      b.set(a.subarray(0, this.rows * per));
      return b;
    };
    this.data = grow(this.data, (n) => new Float32Array(n), this.width);
    if (this.labels) this.labels = grow(this.labels, (n) => new Uint8Array(n), 1);
    if (this.timestamps) this.timestamps = grow(this.timestamps, (n) => new Float64Array(n), 1);
    this.capacity = cap;
  }

  /** The arrays cut to `rows` (a copy only when much capacity is unused). */
  finish<A extends Float32Array | Uint8Array | Float64Array>(a: A, per: number): A {
    const n = this.rows * per;
    return (a.length > n + (n >> 3) ? a.slice(0, n) : a.subarray(0, n)) as A;
  }
}

/** Parses data lines into Rows by a Plan; holds what one row needs from the previous one. */
class RowParser {
  readonly out: Rows;
  private readonly bounds: Int32Array;
  private readonly width: number;
  private readonly ncols: number;
  private readonly ffill: boolean;
  private readonly order: NonNullable<CsvOptions['timestampOrder']>;
  private readonly unknown: readonly number[];
  private format: TimestampFormat | undefined;
  private prevTime = -Infinity;
  private prevTimeText = '';
  private lineNo = 0;
  // Local bindings: module imports compiled to CommonJS are property reads (getters under
  // some loaders) on every call, which shows in a loop run once per cell.
  private readonly decimal = parseDecimal;
  private readonly split = fieldBounds;

  get columns(): string[] {
    return this.plan.features;
  }

  constructor(
    private readonly plan: Plan,
    opts: CsvOptions,
    private readonly file: string,
    private readonly bytes: number,
  ) {
    this.width = plan.features.length;
    this.ncols = plan.header.columns.length;
    this.bounds = new Int32Array(this.ncols + 1);
    this.out = new Rows(this.width, plan.labelSrc.length > 0, plan.timestampSrc >= 0);
    this.ffill = opts.onBadValue === 'ffill';
    this.order = opts.timestampOrder ?? 'increasing';
    this.unknown = opts.unknownLabels ?? UNKNOWN_LABELS;
  }

  private where(column?: string, found?: string) {
    return { file: this.file, row: this.lineNo, column, found };
  }

  /** Field k of the current line, as text. */
  private text(line: string, fields: string[] | undefined, k: number): string {
    return fields ? fields[k] : line.slice(this.bounds[k], this.bounds[k + 1] - 1);
  }

  /** Appends one data line (line number `lineNo`, 1-based). */
  parse(line: string, lineNo: number): void {
    this.lineNo = lineNo;
    const { plan, out } = this;
    // Unquoted lines (all of them in the supported datasets) are parsed in place from field
    // boundaries; quoted lines are split into strings first.
    const fields = line.indexOf('"') < 0 ? undefined : splitQuoted(line, plan.header.separator, this.where());
    const n = fields ? fields.length : this.split(line, plan.header.separator, this.bounds);
    if (n !== this.ncols) {
      if (line.trim() === '') return;
      const first = plan.header.line ? 'header' : 'first row';
      // The column where the row departs from the others: the first one it lacks, or the
      // first field past the last column (c<k>, its position, as for a header-less file).
      const column = n < this.ncols ? plan.header.columns[n] : `c${this.ncols}`;
      const how = n < this.ncols ? `it ends before this column` : `this field is past the last column`;
      throw new DataError(`expected ${this.ncols} fields (as in the ${first}), found ${n}: ${how}`, this.where(column));
    }
    if (out.rows === out.capacity) out.reserve(Math.ceil((this.bytes / (line.length + 1)) * 1.1) + 16);
    this.features(line, fields);
    if (out.labels) out.labels[out.rows] = this.label(line, fields);
    if (out.timestamps) out.timestamps[out.rows] = this.time(line, fields);
    out.rows++;
  }

  private features(line: string, fields: string[] | undefined): void {
    const { width, bounds, plan } = this;
    const r = this.out.rows;
    const data = this.out.data;
    const o = r * width;
    const src = plan.featureSrc;
    for (let k = 0; k < width; k++) {
      const s = src[k];
      let v = fields ? NaN : this.decimal(line, bounds[s], bounds[s + 1] - 1);
      if (v !== v) {
        const raw = this.text(line, fields, s);
        v = parseFeature(raw);
        if (v !== v) v = this.badValue(raw, k, r, data[o + k - width]);
      }
      data[o + k] = v;
    }
  }

  /** The value replacing a bad one under 'ffill' (`previous`), or the error. */
  private badValue(raw: string, k: number, r: number, previous: number): number {
    const problem = badValueProblem(raw);
    const where = this.where(this.plan.features[k], raw);
    if (!this.ffill) throw new DataError(`${problem} (onBadValue is 'error'; 'ffill' would copy the previous row's value)`, where);
    if (r === 0) throw new DataError(`${problem} in the first data row: onBadValue 'ffill' has no previous value to copy`, where);
    return previous;
  }

  private label(line: string, fields: string[] | undefined): number {
    const { plan } = this;
    let any = 0;
    for (let j = 0; j < plan.labelSrc.length; j++) {
      const raw = this.text(line, fields, plan.labelSrc[j]);
      const l = parseLabel(raw, this.unknown);
      if (l < 0) {
        const problem = raw.trim() === '' ? 'empty label cell' : `label "${shown(raw.trim())}" is neither a number nor Normal/Attack`;
        throw new DataError(problem, this.where(plan.labelNames[j], raw));
      }
      any |= l;
    }
    return any;
  }

  private time(line: string, fields: string[] | undefined): number {
    const k = this.plan.timestampSrc;
    const raw = this.text(line, fields, k);
    const column = this.plan.header.columns[k];
    const t = parseTimestamp(raw, this.format);
    if (!t) throw new DataError(`timestamp "${shown(raw.trim())}" is not in a known format (${TIMESTAMP_FORMATS_HELP})`, this.where(column, raw));
    this.format = t.format;
    const { order } = this;
    if (order !== 'any' && (t.ms < this.prevTime || (t.ms === this.prevTime && order === 'increasing'))) {
      const rule = order === 'increasing' ? "strictly increasing; timestampOrder 'nondecreasing' allows repeats" : 'non-decreasing';
      throw new DataError(`timestamp "${shown(raw.trim())}" is not after the previous row's "${shown(this.prevTimeText)}" (timestamps must be ${rule})`, this.where(column, raw));
    }
    this.prevTime = t.ms;
    this.prevTimeText = raw.trim();
    return t.ms;
  }
}

/** Reads a CSV file into a Series (see the rules at the top of this file). */
export async function readCsv(path: string, opts: CsvOptions = {}): Promise<Series> {
  const file = opts.source ?? path;
  const skip = opts.skipLines ?? 0;
  if (opts.onBadValue !== undefined && opts.onBadValue !== 'error' && opts.onBadValue !== 'ffill') {
    throw new DataError(`onBadValue must be 'error' or 'ffill', not '${opts.onBadValue}'`, { file });
  }
  let bytes = 0;
  try {
    bytes = statSync(path).size * (path.endsWith('.gz') ? 6 : 1); // sizes the first allocation
  } catch {
    // the stream reports a missing file with its own message
  }
  let parser: RowParser | undefined;
  let lineNo = 0;
  for await (const batch of lineBatches(path)) {
    for (let b = 0; b < batch.length; b++) {
      const line = batch[b];
      lineNo++;
      if (lineNo <= skip || line.length === 0) continue;
      if (parser) {
        parser.parse(line, lineNo);
        continue;
      }
      const header = headerOf(line, lineNo, opts, file);
      parser = new RowParser(makePlan(header, opts, file), opts, file, bytes);
      if (!header.line) parser.parse(line, lineNo); // no header: the first line is a row
    }
  }
  if (!parser) throw new DataError('the file is empty', { file });
  const { out } = parser;
  if (out.rows === 0) throw new DataError('no data rows', { file });
  return {
    columns: parser.columns,
    data: out.finish(out.data, out.width),
    rows: out.rows,
    timestamps: out.timestamps && out.finish(out.timestamps, 1),
    labels: out.labels && out.finish(out.labels, 1),
    source: file,
  };
}
