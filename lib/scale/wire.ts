// A row on a shard stream: the fields `e` (entity), `v` (JSON: values in schema order, or an
// object keyed by column) and `t` (optional: ms since the epoch, or timestamp text). Encoded by
// producers, decoded by workers; a row that cannot be decoded is refused with the reason (it goes
// to the dead-letter stream), never dropped. Values are checked further by the Detector stream.
import type { RowInput } from '../detect/rows';

export interface WireRow {
  entity: string;
  values: RowInput;
  timestamp?: number | string;
}

/** The stream fields of a row, as XADD takes them. */
export function encodeRow(entity: string, values: ArrayLike<number> | Record<string, number>, timestamp?: number | string): string[] {
  const v = ArrayBuffer.isView(values) || Array.isArray(values) ? Array.from(values as ArrayLike<number>) : values;
  const fields = ['e', entity, 'v', JSON.stringify(v)];
  if (timestamp !== undefined) fields.push('t', String(timestamp));
  return fields;
}

/** Field list -> object (the last value of a repeated field wins). */
export function fieldMap(fields: readonly string[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) m[fields[i]] = fields[i + 1];
  return m;
}

/** A stream entry's fields as a row, or the reason it is refused. */
export function decodeRow(fields: readonly string[]): WireRow | { refused: string; entity: string } {
  const f = fieldMap(fields);
  const entity = f.e ?? '';
  if (!entity) return { refused: 'no entity: a row needs the field "e"', entity };
  if (f.v === undefined) return { refused: 'no values: a row needs the field "v" (a JSON array or object)', entity };
  let values: unknown;
  try {
    values = JSON.parse(f.v);
  } catch (e) {
    return { refused: `the field "v" is not JSON (${(e as Error).message})`, entity };
  }
  if (values === null || typeof values !== 'object') return { refused: `the field "v" must be a JSON array or object, got ${JSON.stringify(values)}`, entity };
  if (f.t === undefined || f.t === '') return { entity, values: values as RowInput };
  const t = /^-?\d+(\.\d+)?$/.test(f.t) ? Number(f.t) : f.t;
  return { entity, values: values as RowInput, timestamp: t };
}
