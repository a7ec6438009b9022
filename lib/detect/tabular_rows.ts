// Rows of a detector trained on tabular data (a bundle with a `tabular` section) as JS values:
// keyed by the ORIGINAL table columns (or an array in their order), categorical values as
// strings, numeric ones as numbers (or numeric text). Each row is one-hot encoded with the
// bundle's vocabulary exactly as lib/data/categorical.ts encodes a table read from a file, so a
// service's row scores as the same line of a CSV under `vigil detect`:
// - a category is trimmed text (as the tabular CSV reader trims cells); empty, or not a string,
//   is a RowError naming the row and column;
// - a category the vocabulary lacks follows the bundle's unseen policy: 'zeros' encodes an
//   all-zero block and reports it (`unseen` of the row's decision), 'error' refuses the row;
// - numeric values follow rows.ts (a bad value is a RowError); there is no forward fill, as in
//   the tabular CSV reader: the rows are unrelated records, so the previous row's value is no
//   estimate of a missing one.
import { CategoricalEncoder, type UnseenPolicy } from '../data/categorical';
import type { TabularInput } from '../data/tabular_input';
import { RowError, RowReader, type RowPolicy, type UnseenCategory } from './rows';

type Slot = { kind: 'numeric'; at: number } | { kind: 'one-hot'; at: number; position: Map<string, number>; width: number; known: string };

export class TabularRowReader extends RowReader {
  /** The output width: the encoded (schema) columns. */
  readonly width: number;
  private readonly slots: Slot[];
  private readonly policyUnseen: UnseenPolicy;
  private found: UnseenCategory[] = [];

  constructor(tabular: TabularInput, policy: RowPolicy = {}) {
    const encoder = CategoricalEncoder.fromJSON(tabular.encoder);
    super(encoder.columns.map((c) => c.name), policy);
    if (this.policy.onBadValue === 'ffill')
      throw new Error("onBadValue 'ffill' does not apply to tabular rows: they are unrelated records, so the previous row's value is no estimate of a missing one");
    this.policyUnseen = tabular.unseen;
    let at = 0;
    this.slots = encoder.columns.map((c): Slot => {
      if (c.kind === 'numeric') return { kind: 'numeric', at: at++ };
      const known = c.categories.length > 12 ? `${c.categories.slice(0, 12).join(', ')}, ...` : c.categories.join(', ');
      const slot: Slot = { kind: 'one-hot', at, position: new Map(c.categories.map((v, k) => [v, k])), width: c.categories.length, known };
      at += c.categories.length;
      return slot;
    });
    this.width = at;
  }

  /** The categories of the last row read that the vocabulary lacks (policy 'zeros'). */
  override get unseen(): readonly UnseenCategory[] {
    return this.found;
  }

  /** Encodes row `index` into out[at, at + width) (prev is unused: no forward fill). */
  override read(row: unknown, index: number, out: Float32Array, at: number): void {
    const cell = this.cells(row, index);
    const found: UnseenCategory[] = [];
    for (let c = 0; c < this.F; c++) {
      const s = this.slots[c], v = cell(c);
      if (s.kind === 'numeric') {
        out[at + s.at] = this.value(v, c, index, null, 0);
        continue;
      }
      const column = this.columns[c];
      if (typeof v !== 'string')
        throw new RowError(index, `a categorical column takes its category as a string (known: ${s.known}), not ${v === null || v === undefined ? String(v) : `the ${typeof v} ${JSON.stringify(v)}`}`, { column, found: String(v) });
      const text = v.trim();
      if (text === '') throw new RowError(index, 'empty category', { column, found: v });
      out.fill(0, at + s.at, at + s.at + s.width);
      const k = s.position.get(text);
      if (k !== undefined) out[at + s.at + k] = 1;
      else if (this.policyUnseen === 'error')
        throw new RowError(index, `category "${text}" was not seen when the encoder was fitted (known: ${s.known}; the bundle's unseen policy is 'error')`, { column, found: text });
      else found.push({ column, value: text });
    }
    this.found = found;
  }
}
