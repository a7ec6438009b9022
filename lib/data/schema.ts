// The input schema saved with a model: feature names in order. Data scored later must have the
// same columns in the same order; anything else is an error that names the columns.
import { SchemaError, shown } from './errors';
import type { Series } from './series';

export interface Schema {
  /** Feature column names, in the order the model sees them. */
  columns: string[];
}

export function schemaOf(series: Series): Schema {
  return { columns: [...series.columns] };
}

export interface SchemaDiff {
  /** In the schema, absent from the data. */
  missing: string[];
  /** In the data, absent from the schema. */
  unexpected: string[];
  /** In both, but not in the schema's relative order. */
  reordered: string[];
}

export function diffSchema(expected: Schema | readonly string[], columns: readonly string[]): SchemaDiff {
  const want = Array.isArray(expected) ? (expected as readonly string[]) : (expected as Schema).columns;
  const have = new Set(columns);
  const known = new Set(want);
  const missing = want.filter((c) => !have.has(c));
  const unexpected = columns.filter((c) => !known.has(c));
  const a = want.filter((c) => have.has(c));
  const b = columns.filter((c) => known.has(c));
  const reordered = a.filter((c, i) => b[i] !== c);
  return { missing, unexpected, reordered };
}

const list = (names: string[]) => names.map((n) => `"${shown(n)}"`).join(', ');

/**
 * Throws a SchemaError unless `series` has exactly the schema's columns in its order. The
 * message lists missing, unexpected and reordered columns (with positions for the latter).
 */
export function checkSchema(expected: Schema | readonly string[], series: Series): void {
  const want = Array.isArray(expected) ? (expected as readonly string[]) : (expected as Schema).columns;
  const diff = diffSchema(want, series.columns);
  if (!diff.missing.length && !diff.unexpected.length && !diff.reordered.length) return;
  const parts: string[] = [];
  if (diff.missing.length) parts.push(`missing ${list(diff.missing)}`);
  if (diff.unexpected.length) parts.push(`unexpected ${list(diff.unexpected)}`);
  if (diff.reordered.length) {
    const pos = diff.reordered.map((c) => `"${shown(c)}" (expected position ${want.indexOf(c) + 1}, found ${series.columns.indexOf(c) + 1})`);
    parts.push(`reordered ${pos.join(', ')}`);
  }
  // Without missing columns, reading with `include` fixes the rest.
  const hint = diff.missing.length ? '' : " (read the data with `include` set to the schema's columns to select and order them)";
  throw new SchemaError(`columns do not match the model's schema: ${parts.join('; ')}${hint}`, series.source, diff);
}
