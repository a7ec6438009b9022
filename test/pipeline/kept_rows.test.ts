// The rows evaluate and calibrate read (lib/pipeline/kept_rows.ts), by hand.
import { strict as assert } from 'node:assert';

import { keptRows, scoredRows, windowRows } from '../../lib/pipeline/kept_rows';
import type { Series } from '../../lib/data/series';

const series = (rows: number, runs?: [number, number][]): Series => ({
  columns: ['a'], data: new Float32Array(rows), rows,
  ...(runs ? { runs: runs.map(([start, n], k) => ({ name: `r${k}`, start, rows: n })) } : {}),
});

describe('kept rows', () => {
  it('one series: from the first full window on, as a view', () => {
    const k = keptRows(windowRows(series(10), 4), 10);
    assert.equal(k.first, 3);
    assert.equal(k.count, 7);
    const a = Float32Array.from({ length: 10 }, (_, i) => i);
    const v = k.rows(a);
    assert.deepEqual(Array.from(v), [3, 4, 5, 6, 7, 8, 9]);
    assert.equal(v.buffer, a.buffer, 'a view, not a copy');
    assert.deepEqual([0, 3, 5, 10].map((r) => k.position(r)), [0, 0, 2, 7]);
  });

  it('pooled runs: each run loses its first window - 1 rows; the rest end to end', () => {
    // runs [0, 5) and [5, 12) with windows of 3: kept rows 2..4 and 7..11
    const k = keptRows(windowRows(series(12, [[0, 5], [5, 7]]), 3), 12);
    assert.equal(k.first, 2);
    assert.equal(k.count, 8);
    const a = Float32Array.from({ length: 12 }, (_, i) => i);
    assert.deepEqual(Array.from(k.rows(a)), [2, 3, 4, 7, 8, 9, 10, 11]);
    const wide = Float32Array.from({ length: 24 }, (_, i) => i); // 2 values a row
    assert.deepEqual(Array.from(k.rows(wide, 2)).slice(0, 8), [4, 5, 6, 7, 8, 9, 14, 15]);
    assert.deepEqual([0, 2, 5, 6, 7, 11, 12].map((r) => k.position(r)), [0, 0, 3, 3, 3, 7, 8]);
    assert.deepEqual(Array.from(k.rows(Uint8Array.from({ length: 12 }, (_, i) => i % 2))), [0, 1, 0, 1, 0, 1, 0, 1]);
  });

  it('scored rows are the rows without NaN, wherever they are', () => {
    assert.deepEqual(scoredRows([NaN, NaN, 1, 2, NaN, 3]), [2, 3, 5]);
    const k = keptRows(scoredRows([NaN, NaN, 1, 2, NaN, 3]), 6);
    assert.deepEqual(Array.from(k.rows(Float64Array.from([9, 9, 1, 2, 9, 3]))), [1, 2, 3]);
  });
});
