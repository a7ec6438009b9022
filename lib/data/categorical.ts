// One-hot encoding of a Table's categorical columns, numeric columns passed through: the
// vocabulary is fitted on training rows only and saved as JSON (a detector bundle keeps it), so
// scoring data is encoded with exactly the columns the model was trained on.
//
// Output columns keep the table's column order, each categorical column expanded in place into
// one column per category, named `column=category`, categories sorted (by UTF-16 code units):
// the order depends on neither the row order nor which training rows a seed picked.
//
// A category seen at scoring time but not at fitting time ("unseen") is, by default ('zeros'),
// encoded as an all-zero block for that column and counted in the result (per column and value,
// plus the number of rows with at least one); with unseen: 'error' it is a DataError naming
// the file, line (when the table was read from one; else the table row), column and value. Never a crash, never a silently invented category.
import { DataError } from './errors';
import type { Series } from './series';
import type { Table } from './tabular';

export type EncoderColumn = { name: string; kind: 'numeric' } | { name: string; kind: 'one-hot'; categories: string[] };

export interface CategoricalEncoderJSON {
  format: 'vigil-categorical-encoder';
  version: 1;
  columns: EncoderColumn[];
}

export type UnseenPolicy = 'zeros' | 'error';

export interface UnseenCount {
  column: string;
  value: string;
  /** Rows (of those encoded) with this value. */
  rows: number;
}

export interface Encoded {
  /** The encoded rows, without labels; source is the table's. */
  series: Series;
  /** Unseen categories met, most frequent first (empty when none). */
  unseen: UnseenCount[];
  /** Rows with at least one unseen category. */
  unseenRows: number;
}

export interface TransformOptions {
  /** The table rows to encode, in this order (default: all, in order). */
  rows?: ArrayLike<number>;
  /** Default 'zeros'. */
  unseen?: UnseenPolicy;
}

const FORMAT = 'vigil-categorical-encoder';

export class CategoricalEncoder {
  /** The output column names, in order. */
  readonly outputColumns: string[];

  private constructor(readonly columns: readonly EncoderColumn[]) {
    const names = new Set<string>();
    for (const c of columns) {
      if (names.has(c.name)) throw new DataError(`categorical encoder: column "${c.name}" appears twice`);
      names.add(c.name);
    }
    this.outputColumns = columns.flatMap((c) => (c.kind === 'numeric' ? [c.name] : c.categories.map((v) => `${c.name}=${v}`)));
    const out = new Set<string>();
    for (const n of this.outputColumns) {
      if (out.has(n)) throw new DataError(`categorical encoder: two output columns would be named "${n}"`);
      out.add(n);
    }
  }

  /** Inputs per row after encoding. */
  get width(): number {
    return this.outputColumns.length;
  }

  /** The vocabulary of `table`'s categorical columns over `rows` (default: every row). */
  static fit(table: Table, rows?: ArrayLike<number>): CategoricalEncoder {
    const byName = new Map(table.categorical.map((c) => [c.name, c]));
    const columns = table.features.map((f): EncoderColumn => {
      const cat = byName.get(f.name);
      if (!cat) return { name: f.name, kind: 'numeric' };
      const present = new Uint8Array(cat.levels.length);
      if (rows) for (let i = 0; i < rows.length; i++) present[cat.codes[rows[i]]] = 1;
      else for (let r = 0; r < table.rows; r++) present[cat.codes[r]] = 1;
      return { name: f.name, kind: 'one-hot', categories: cat.levels.filter((_, k) => present[k]).sort() };
    });
    return new CategoricalEncoder(columns);
  }

  /** An encoder saved by toJSON, checked. */
  static fromJSON(json: unknown): CategoricalEncoder {
    const bad = (why: string) => new DataError(`categorical encoder JSON: ${why}`);
    const j = json as Partial<CategoricalEncoderJSON> | null;
    if (!j || typeof j !== 'object' || j.format !== FORMAT) throw bad(`not a ${FORMAT} object`);
    if (j.version !== 1) throw bad(`version ${String(j.version)} is not supported (this reader knows 1)`);
    if (!Array.isArray(j.columns)) throw bad('columns is not an array');
    const columns = j.columns.map((c: any, k): EncoderColumn => {
      if (!c || typeof c.name !== 'string' || c.name === '') throw bad(`column ${k} has no name`);
      if (c.kind === 'numeric') return { name: c.name, kind: 'numeric' };
      if (c.kind !== 'one-hot') throw bad(`column "${c.name}": kind must be numeric or one-hot`);
      const cats = c.categories;
      if (!Array.isArray(cats) || cats.some((v: unknown) => typeof v !== 'string' || v === '')) throw bad(`column "${c.name}": categories must be non-empty strings`);
      if (new Set(cats).size !== cats.length) throw bad(`column "${c.name}": a category is listed twice`);
      return { name: c.name, kind: 'one-hot', categories: [...cats] };
    });
    return new CategoricalEncoder(columns);
  }

  toJSON(): CategoricalEncoderJSON {
    return { format: FORMAT, version: 1, columns: this.columns.map((c) => (c.kind === 'numeric' ? { ...c } : { ...c, categories: [...c.categories] })) };
  }

  /** Encodes rows of `table`, whose feature columns must be the encoder's (same names and kinds). */
  transform(table: Table, opts: TransformOptions = {}): Encoded {
    const plan = this.planFor(table);
    const rows = opts.rows;
    const n = rows ? rows.length : table.rows;
    const W = this.width;
    const N = table.numeric.length;
    const data = new Float32Array(n * W);
    const unseen = new Map<string, UnseenCount>();
    let unseenRows = 0;
    for (let i = 0; i < n; i++) {
      const r = rows ? rows[i] : i;
      const o = i * W;
      for (let k = 0; k < plan.numericAt.length; k++) data[o + plan.numericAt[k]] = table.values[r * N + plan.numericSrc[k]];
      let missed = false;
      for (const c of plan.oneHot) {
        const code = c.codes[r];
        const at = c.offsetOf[code];
        if (at >= 0) {
          data[o + at] = 1;
          continue;
        }
        const value = c.levels[code];
        if (opts.unseen === 'error') {
          // The file line when the table knows it (read from a file), else the table row.
          const line = table.lines?.[r];
          throw new DataError(`category "${value}" was not seen when the encoder was fitted (${line === undefined ? `data row ${r + 1}; ` : ''}known: ${c.known})`, {
            file: table.source, ...(line === undefined ? {} : { row: line }), column: c.name, found: value,
          });
        }
        missed = true;
        const key = `${c.name}\u0000${value}`;
        const u = unseen.get(key);
        if (u) u.rows++;
        else unseen.set(key, { column: c.name, value, rows: 1 });
      }
      if (missed) unseenRows++;
    }
    const counts = [...unseen.values()].sort((a, b) => b.rows - a.rows || a.column.localeCompare(b.column) || a.value.localeCompare(b.value));
    return { series: { columns: [...this.outputColumns], data, rows: n, source: table.source }, unseen: counts, unseenRows };
  }

  /** Where each input column goes; refuses a table whose columns differ from the encoder's. */
  private planFor(table: Table) {
    const file = table.source;
    const kinds = new Map(table.features.map((f) => [f.name, f.kind]));
    for (const f of table.features) {
      if (!this.columns.some((c) => c.name === f.name)) throw new DataError('the encoder was not fitted with this column (exclude it, or refit)', { file, column: f.name });
    }
    const numericAt: number[] = [];
    const numericSrc: number[] = [];
    const oneHot: { name: string; codes: Int32Array; levels: string[]; offsetOf: Int32Array; known: string }[] = [];
    let offset = 0;
    for (const c of this.columns) {
      const kind = kinds.get(c.name);
      if (kind === undefined) throw new DataError('the data lacks a column the encoder was fitted with', { file, column: c.name });
      const want = c.kind === 'numeric' ? 'continuous' : 'symbolic';
      if (kind !== want) throw new DataError(`the column was ${want} when the encoder was fitted, ${kind} here`, { file, column: c.name });
      if (c.kind === 'numeric') {
        numericAt.push(offset++);
        numericSrc.push(table.numeric.indexOf(c.name));
        continue;
      }
      const cat = table.categorical.find((t) => t.name === c.name)!;
      const position = new Map(c.categories.map((v, k) => [v, k]));
      const base = offset;
      const offsetOf = Int32Array.from(cat.levels, (v) => (position.has(v) ? base + position.get(v)! : -1));
      const known = c.categories.length > 12 ? `${c.categories.slice(0, 12).join(', ')}, ...` : c.categories.join(', ');
      oneHot.push({ name: c.name, codes: cat.codes, levels: cat.levels, offsetOf, known });
      offset += c.categories.length;
    }
    return { numericAt, numericSrc, oneHot };
  }
}
