import { strict as assert } from 'node:assert';

import { SchemaError } from '../../lib/data/errors';
import { checkSchema, schemaOf } from '../../lib/data/schema';
import type { Series } from '../../lib/data/series';

const withColumns = (columns: string[]): Series => ({ columns, data: new Float32Array(columns.length), rows: 1, source: 'score.csv' });

function schemaError(expected: string[], columns: string[]): SchemaError {
  try {
    checkSchema({ columns: expected }, withColumns(columns));
  } catch (e) {
    assert.ok(e instanceof SchemaError);
    return e;
  }
  throw new Error('checkSchema accepted a mismatch');
}

describe('data: schema', () => {
  it('is the column names in order, as a copy', () => {
    const s = withColumns(['a', 'b']);
    const schema = schemaOf(s);
    assert.deepEqual(schema, { columns: ['a', 'b'] });
    s.columns.push('c');
    assert.deepEqual(schema.columns, ['a', 'b']);
    assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema, 'plain JSON for the bundle');
  });

  it('accepts the same columns in the same order (schema object or name list)', () => {
    checkSchema({ columns: ['a', 'b', 'c'] }, withColumns(['a', 'b', 'c']));
    checkSchema(['a', 'b', 'c'], withColumns(['a', 'b', 'c']));
  });

  it('names missing columns', () => {
    const e = schemaError(['a', 'b', 'c'], ['a', 'c']);
    assert.equal(e.message, `score.csv: columns do not match the model's schema: missing "b"`);
    assert.deepEqual([e.missing, e.unexpected, e.reordered], [['b'], [], []]);
    assert.equal(e.file, 'score.csv');
  });

  it('names unexpected columns', () => {
    const e = schemaError(['a', 'b'], ['a', 'x', 'b', 'y']);
    assert.equal(e.message, `score.csv: columns do not match the model's schema: unexpected "x", "y" (read the data with \`include\` set to the schema's columns to select and order them)`);
    assert.deepEqual(e.unexpected, ['x', 'y']);
  });

  it('names reordered columns with their expected and found positions', () => {
    const e = schemaError(['a', 'b', 'c', 'd'], ['a', 'c', 'b', 'd']);
    assert.equal(
      e.message,
      `score.csv: columns do not match the model's schema: reordered "b" (expected position 2, found 3), "c" (expected position 3, found 2) (read the data with \`include\` set to the schema's columns to select and order them)`,
    );
    assert.deepEqual(e.reordered, ['b', 'c']);
  });

  it('reports all three kinds at once', () => {
    const e = schemaError(['a', 'b', 'c', 'd'], ['c', 'a', 'z']);
    assert.deepEqual([e.missing, e.unexpected, e.reordered], [['b', 'd'], ['z'], ['a', 'c']]);
    assert.equal(
      e.message,
      `score.csv: columns do not match the model's schema: missing "b", "d"; unexpected "z"; reordered "a" (expected position 1, found 2), "c" (expected position 3, found 1)`,
    );
  });
});
