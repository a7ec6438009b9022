// Tabular files: rows that are independent records (network connections, patients), not a time
// series, with numeric and categorical (text) columns and a text label. A file (plain or .gz)
// is read into a Table: numbers in one row-major Float32Array, each categorical column as
// integer codes into its own list of levels (so 494k rows of `service` are 494k ints, not
// strings). Turning a Table into model inputs is the encoder's job (categorical.ts).
//
// Rules (each violation is a DataError naming file, 1-based line and column):
// - Columns come from a names file (`columns`, header-less files such as KDD Cup 99) or from
//   the file's first line (`header`, e.g. ODDS arrhythmia.csv). A header file's columns are
//   numeric except those named in `symbolic` and the label.
// - Every line has one field per column; blank lines are skipped.
// - Numeric cells are finite float32 numbers; categorical cells and the label are trimmed text
//   and must not be empty. There is no forward fill: rows are unrelated records, so the
//   previous row's value is no estimate of a missing one.
import { statSync } from 'node:fs';

import { DataError } from './errors';
import { detectSeparator, fieldBounds, splitFields, splitQuoted, type Separator } from './fields';
import { lineBatches } from './lines';
import type { ColumnSpec } from './names';
import { badValueProblem, parseDecimal, parseFeature } from './values';

export interface TableOptions {
  /** The columns of a file without a header, in file order (e.g. `readNames(path).columns`). */
  columns?: ColumnSpec[];
  /** Columns read as categories (text), beyond those `columns` marks symbolic. */
  symbolic?: string[];
  /** The label column, read as text and kept out of the features. */
  label?: string;
  /** Columns to leave out of the features. */
  exclude?: string[];
  /** Field separator; detected from the first line when absent. */
  separator?: Separator;
  /** Name used in errors and Table.source (default: the path). */
  source?: string;
}

/** One categorical column: row r has the category levels[codes[r]]. */
export interface Categories {
  name: string;
  codes: Int32Array;
  /** The distinct values, in order of first appearance in the file. */
  levels: string[];
}

export interface Table {
  rows: number;
  /** Every feature column in file order with its kind (the label and excluded columns left out). */
  features: ColumnSpec[];
  /** The continuous features' names (file order) and values, row-major [rows, numeric.length]. */
  numeric: string[];
  values: Float32Array;
  /** The symbolic features, file order. */
  categorical: Categories[];
  label?: Categories;
  source: string;
  /** The 1-based line of each row in the file (header and blank lines counted), for errors found after reading. */
  lines?: Int32Array;
}

/** Reads a tabular file. With `columns` it has no header; otherwise its first line is one. */
export async function readTable(path: string, opts: TableOptions = {}): Promise<Table> {
  const file = opts.source ?? path;
  const bytes = statSync(path).size;
  let reader: TableReader | undefined;
  let lineNo = 0;
  for await (const batch of lineBatches(path)) {
    for (const line of batch) {
      lineNo++;
      if (line.trim() === '') continue;
      if (reader) {
        reader.row(line, lineNo);
        continue;
      }
      const separator = opts.separator ?? detectSeparator(line);
      if (opts.columns) {
        reader = new TableReader(opts.columns, separator, opts, file, bytes);
        reader.row(line, lineNo);
      } else {
        reader = new TableReader(headerColumns(line, separator, opts, file, lineNo), separator, opts, file, bytes);
      }
    }
  }
  if (!reader) throw new DataError('the file is empty', { file });
  return reader.finish();
}

/** Rows [begin, end) of a table, sharing its buffers (a row slice taken before any split). */
export function sliceTable(t: Table, begin: number, end: number): Table {
  if (!(begin >= 0 && end <= t.rows && begin < end)) throw new DataError(`rows ${begin}:${end} are not inside the ${t.rows} rows`, { file: t.source });
  const N = t.numeric.length;
  const cut = (c: Categories): Categories => ({ ...c, codes: c.codes.subarray(begin, end) });
  return {
    ...t, rows: end - begin, values: t.values.subarray(begin * N, end * N),
    categorical: t.categorical.map(cut), ...(t.label ? { label: cut(t.label) } : {}), ...(t.lines ? { lines: t.lines.subarray(begin, end) } : {}),
  };
}

function headerColumns(line: string, separator: Separator, opts: TableOptions, file: string, lineNo: number): ColumnSpec[] {
  const symbolic = new Set(opts.symbolic ?? []);
  const seen = new Set<string>();
  return splitFields(line, separator, file, lineNo).map((f, k) => {
    const name = f.trim() || `c${k}`;
    if (seen.has(name)) throw new DataError(`duplicate column name "${name}"`, { file, row: lineNo, column: name });
    seen.add(name);
    return { name, kind: symbolic.has(name) ? 'symbolic' : 'continuous' };
  });
}

/** Where each field of a line goes. */
const enum Slot {
  Skip = 0,
  Numeric = 1,
  Category = 2,
  Label = 3,
}

/** A growing Int32Array. */
class Codes {
  data = new Int32Array(1024);
  push(r: number, v: number): void {
    if (r === this.data.length) {
      const bigger = new Int32Array(r * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[r] = v;
  }
}

/** One categorical column while reading: its level dictionary and codes. */
class Dictionary {
  readonly codes = new Codes();
  readonly levels: string[] = [];
  private readonly index = new Map<string, number>();
  constructor(readonly name: string) {}

  add(r: number, text: string): void {
    let code = this.index.get(text);
    if (code === undefined) {
      code = this.levels.length;
      this.levels.push(text);
      this.index.set(text, code);
    }
    this.codes.push(r, code);
  }

  finish(rows: number): Categories {
    return { name: this.name, codes: this.codes.data.slice(0, rows), levels: this.levels };
  }
}

class TableReader {
  private readonly slot: Uint8Array;
  /** Per field: its index among the numeric columns or the dictionaries. */
  private readonly target: Int32Array;
  private readonly bounds: Int32Array;
  private readonly features: ColumnSpec[];
  private readonly numeric: string[];
  private readonly dictionaries: Dictionary[];
  private label: Dictionary | undefined;
  private values: Float32Array;
  private rows = 0;
  private lineNo = 0;
  private readonly lines = new Codes();

  constructor(
    private readonly columns: ColumnSpec[],
    private readonly separator: Separator,
    opts: TableOptions,
    private readonly file: string,
    bytes: number,
  ) {
    const names = columns.map((c) => c.name);
    const known = (name: string, role: string) => {
      if (!names.includes(name)) throw new DataError(`no ${role} column "${name}" (the columns are: ${shown(names)})`, { file, column: name });
    };
    if (opts.label !== undefined) known(opts.label, 'label');
    for (const n of opts.exclude ?? []) known(n, 'excluded');
    for (const n of opts.symbolic ?? []) known(n, 'symbolic');
    const exclude = new Set(opts.exclude ?? []);
    const symbolic = new Set(opts.symbolic ?? []);
    this.slot = new Uint8Array(columns.length);
    this.target = new Int32Array(columns.length);
    this.bounds = new Int32Array(columns.length + 1);
    this.features = [];
    this.numeric = [];
    this.dictionaries = [];
    columns.forEach((c, k) => {
      if (c.name === opts.label) {
        this.slot[k] = Slot.Label;
        this.label = new Dictionary(c.name);
      } else if (exclude.has(c.name)) {
        this.slot[k] = Slot.Skip;
      } else if (c.kind === 'symbolic' || symbolic.has(c.name)) {
        this.slot[k] = Slot.Category;
        this.target[k] = this.dictionaries.length;
        this.dictionaries.push(new Dictionary(c.name));
        this.features.push({ name: c.name, kind: 'symbolic' });
      } else {
        this.slot[k] = Slot.Numeric;
        this.target[k] = this.numeric.length;
        this.numeric.push(c.name);
        this.features.push({ name: c.name, kind: 'continuous' });
      }
    });
    // About 8 bytes a cell in these files: a first guess that avoids most regrowth.
    this.values = new Float32Array(Math.max(1024, Math.ceil(bytes / (8 * columns.length))) * this.numeric.length);
  }

  row(line: string, lineNo: number): void {
    this.lineNo = lineNo;
    const { slot, target, bounds, columns } = this;
    const fields = line.indexOf('"') < 0 ? undefined : splitQuoted(line, this.separator, { file: this.file, row: lineNo });
    const n = fields ? fields.length : fieldBounds(line, this.separator, bounds);
    if (n !== columns.length) throw new DataError(`expected ${columns.length} fields, found ${n}`, { file: this.file, row: lineNo });
    const r = this.rows;
    const width = this.numeric.length;
    if ((r + 1) * width > this.values.length) this.grow();
    for (let k = 0; k < n; k++) {
      const s = slot[k];
      if (s === Slot.Skip) continue;
      if (s === Slot.Numeric) {
        let v = fields ? NaN : parseDecimal(line, bounds[k], bounds[k + 1] - 1);
        if (v !== v) {
          const raw = this.text(line, fields, k);
          v = parseFeature(raw);
          if (v !== v) throw new DataError(badValueProblem(raw), this.where(k, raw));
        }
        this.values[r * width + target[k]] = v;
        continue;
      }
      const raw = this.text(line, fields, k);
      const text = raw.trim();
      if (text === '') throw new DataError(s === Slot.Label ? 'empty label cell' : 'empty category cell', this.where(k, raw));
      (s === Slot.Label ? this.label! : this.dictionaries[target[k]]).add(r, text);
    }
    this.lines.push(r, lineNo);
    this.rows++;
  }

  finish(): Table {
    if (this.rows === 0) throw new DataError('no data rows', { file: this.file });
    return {
      rows: this.rows,
      features: this.features,
      numeric: this.numeric,
      values: this.values.slice(0, this.rows * this.numeric.length),
      categorical: this.dictionaries.map((d) => d.finish(this.rows)),
      label: this.label?.finish(this.rows),
      source: this.file,
      lines: this.lines.data.slice(0, this.rows),
    };
  }

  private grow(): void {
    const bigger = new Float32Array(Math.max(this.values.length * 2, this.numeric.length * 1024));
    bigger.set(this.values);
    this.values = bigger;
  }

  private text(line: string, fields: string[] | undefined, k: number): string {
    return fields ? fields[k] : line.slice(this.bounds[k], this.bounds[k + 1] - 1);
  }

  private where(k: number, found: string) {
    return { file: this.file, row: this.lineNo, column: this.columns[k].name, found };
  }
}

function shown(names: string[]): string {
  return names.length > 20 ? `${names.slice(0, 20).join(', ')}, ...` : names.join(', ');
}
