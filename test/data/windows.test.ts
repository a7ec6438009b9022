import { strict as assert } from 'node:assert';

import type { Series } from '../../lib/data/series';
import { timeSplit, Windows } from '../../lib/data/windows';

/** rows x F series whose value at (r, c) is r * 100 + c, labelled 1 on rows divisible by 5. */
function ramp(rows: number, F = 3): Series {
  const data = new Float32Array(rows * F);
  for (let r = 0; r < rows; r++) for (let c = 0; c < F; c++) data[r * F + c] = r * 100 + c;
  const labels = Uint8Array.from({ length: rows }, (_, r) => (r % 5 === 0 ? 1 : 0));
  return { columns: Array.from({ length: F }, (_, c) => `c${c}`), data, rows, labels };
}

describe('data: windows', () => {
  it('counts floor((rows - T) / stride) + 1 windows', () => {
    for (const [rows, T, stride, count] of [
      [10, 3, 1, 8],
      [10, 3, 2, 4],
      [10, 3, 3, 3],
      [10, 10, 1, 1],
      [9, 10, 1, 0],
      [100, 7, 5, 19],
    ]) {
      const w = new Windows(ramp(rows), { length: T, stride });
      assert.equal(w.count, count, `rows ${rows} T ${T} stride ${stride}`);
      w.starts.forEach((s, i) => assert.equal(s, i * stride));
    }
  });

  it('gives each window its end row and finds the window ending at a row', () => {
    const w = new Windows(ramp(20), { length: 4, stride: 3 });
    assert.deepEqual(Array.from(w.starts), [0, 3, 6, 9, 12, 15]);
    assert.deepEqual(Array.from(w.endRows()), [3, 6, 9, 12, 15, 18]);
    assert.equal(w.endRow(2), 9);
    assert.equal(w.startRow(2), 6);
    assert.equal(w.indexEndingAt(9), 2);
    for (const row of [0, 2, 4, 10, 19]) assert.equal(w.indexEndingAt(row), -1, `row ${row}`);
    const one = new Windows(ramp(20), { length: 4 });
    for (let row = 3; row < 20; row++) assert.equal(one.endRow(one.indexEndingAt(row)), row);
    assert.equal(one.indexEndingAt(2), -1, 'the first T - 1 rows end no window');
  });

  it('adds a window covering the tail when asked', () => {
    const w = new Windows(ramp(10), { length: 4, stride: 4, coverTail: true });
    assert.deepEqual(Array.from(w.starts), [0, 4, 6]);
    assert.equal(w.endRow(2), 9);
    const exact = new Windows(ramp(12), { length: 4, stride: 4, coverTail: true });
    assert.deepEqual(Array.from(exact.starts), [0, 4, 8], 'no duplicate when the tail is already covered');
  });

  it('batches exactly the rows of the windows asked for, as [n, T, F]', () => {
    const s = ramp(12);
    const w = new Windows(s, { length: 3, stride: 2 });
    const b = w.batch([4, 0, 4]);
    assert.equal(b.length, 3 * 3 * 3);
    const want: number[] = [];
    for (const start of [8, 0, 8]) for (let t = 0; t < 3; t++) for (let c = 0; c < 3; c++) want.push((start + t) * 100 + c);
    assert.deepEqual(b, Float32Array.from(want));
    const out = new Float32Array(2 * 9).fill(-1);
    assert.equal(w.batch(Int32Array.from([1]), out), out);
    assert.deepEqual(out.subarray(0, 9), Float32Array.from([200, 201, 202, 300, 301, 302, 400, 401, 402]));
    assert.equal(out[9], -1, 'nothing written past the batch');
    assert.throws(() => w.batch([5]), /window index 5 is out of range \[0, 5\)/);
    assert.throws(() => w.batch([0, 1], new Float32Array(10)), /out holds 10 values, 2 windows of \[3, 3\] need 18/);
  });

  it('is a view: holds the series itself and no copy of its rows', () => {
    const s = ramp(1000, 8);
    const w = new Windows(s, { length: 100 });
    assert.equal(w.series, s);
    assert.equal(w.starts.byteLength, w.count * 4);
    s.data[500 * 8] = -1;
    assert.equal(w.batch([450])[50 * 8], -1, 'a batch reads the current data');
  });

  it('keeps windows inside segments', () => {
    const w = new Windows(ramp(20), { length: 4, segments: [[0, 7], [7, 9], [9, 20]] });
    assert.deepEqual(Array.from(w.starts), [0, 1, 2, 3, 9, 10, 11, 12, 13, 14, 15, 16]);
    for (let i = 0; i < w.count; i++) {
      const [s, e] = [w.startRow(i), w.endRow(i)];
      assert.ok((e < 7) || (s >= 9), `window ${i} [${s}, ${e}] crosses a segment edge`);
    }
    assert.throws(() => new Windows(ramp(20), { length: 4, segments: [[5, 10], [8, 12]] }), /ascending, non-overlapping/);
    assert.throws(() => new Windows(ramp(20), { length: 0 }), /positive integer/);
  });

  it("labels each window by its end row's label", () => {
    const w = new Windows(ramp(12), { length: 3, stride: 2 });
    assert.deepEqual(w.endLabels(), Uint8Array.from([0, 0, 0, 0, 1]));
  });

  describe('timeSplit', () => {
    it('takes the validation tail in time order, as views', () => {
      const s = ramp(100);
      const { train, validation, boundary } = timeSplit(s, 0.25);
      assert.equal(boundary, 75);
      assert.equal(train.rows, 75);
      assert.equal(validation.rows, 25);
      assert.equal(validation.data[0], 7500);
      assert.equal(validation.data.buffer, s.data.buffer, 'no copy');
      assert.deepEqual(validation.labels, s.labels!.subarray(75));
    });

    it('gives windows that never cross the split', () => {
      const s = ramp(103);
      const { train, validation, boundary } = timeSplit(s, 0.1);
      const wt = new Windows(train, { length: 10 });
      const wv = new Windows(validation, { length: 10 });
      assert.equal(boundary, 93);
      assert.equal(wt.endRow(wt.count - 1), boundary - 1, 'the last training window ends just before the split');
      assert.equal(wv.batch([0])[0], boundary * 100, 'the first validation window starts at the split');
      assert.equal(wt.count + wv.count, 103 - 10 + 1 - 9, 'only the 9 windows straddling the split are lost');
    });

    it('refuses fractions outside [0, 1) and splits that leave no training rows', () => {
      assert.throws(() => timeSplit(ramp(10), 1), /must be in \[0, 1\), not 1/);
      assert.throws(() => timeSplit(ramp(10), -0.1), /must be in \[0, 1\)/);
      assert.throws(() => timeSplit(ramp(1), 0.9), /leaves no training rows out of 1/);
      assert.equal(timeSplit(ramp(10), 0).validation.rows, 0);
    });
  });
});
