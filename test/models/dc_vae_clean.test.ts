// Upstream's optional input cleaning (lib/data/outlier_mask.ts): values beyond maxStd training
// standard deviations are forward-filled, with statistics from the training rows only.
import { strict as assert } from 'node:assert';

import { applyOutlierMask, fitOutlierMask } from '../../lib/data/outlier_mask';
import type { Series } from '../../lib/data/series';

const series = (rows: number[][]): Series => ({ columns: ['a', 'b'], rows: rows.length, data: Float32Array.from(rows.flat()) });

describe('DC-VAE input cleaning', () => {
  it('fits mean and sample std on training rows, masks beyond maxStd and forward-fills', () => {
    const train = series([[0, 5], [2, 5], [0, 5], [2, 5]]); // a: mean 1, std (ddof 1) 2/sqrt(3); b constant
    const m = fitOutlierMask(train, 2);
    assert.deepEqual(m.mean, [1, 5]);
    assert.ok(Math.abs(m.std[0] - 2 / Math.sqrt(3)) < 1e-12);
    assert.equal(m.std[1], 0);
    // a: limit 1 +- 2.309; 4 and -2 are outliers; b is never masked (std 0)
    const test = series([[4, 100], [1.5, 5], [-2, 5], [3, -7]]);
    const { series: out, masked } = applyOutlierMask(test, m);
    assert.equal(masked, 2);
    // row 0's outlier has no previous value: back-filled from the next valid one (1.5)
    assert.deepEqual([...out.data], [1.5, 100, 1.5, 5, 1.5, 5, 3, -7]);
    assert.deepEqual([...test.data], [4, 100, 1.5, 5, -2, 5, 3, -7], 'the input is not changed');
  });

  it('uses the training statistics, not the data it cleans', () => {
    const m = fitOutlierMask(series([[0, 0], [1, 1], [0, 0], [1, 1]]), 3);
    // Far from the training range, although typical of this data: all masked (then a channel with
    // no valid value at all takes the training mean).
    const { series: out, masked } = applyOutlierMask(series([[50, 50], [51, 51]]), m);
    assert.equal(masked, 4);
    assert.deepEqual([...out.data], [0.5, 0.5, 0.5, 0.5]);
  });

  it('refuses other columns and bad settings', () => {
    const m = fitOutlierMask(series([[0, 0], [1, 1]]));
    assert.throws(() => applyOutlierMask({ columns: ['b', 'a'], rows: 1, data: new Float32Array(2) }, m), /fitted on columns \[a, b\]/);
    assert.throws(() => fitOutlierMask(series([[0, 0], [1, 1]]), 0), /maxStd must be > 0/);
    assert.throws(() => fitOutlierMask(series([[0, 0]])), /at least 2 rows/);
  });
});
