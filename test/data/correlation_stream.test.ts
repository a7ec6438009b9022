// The correlation stream (lib/data/correlation_stream.ts): rows one at a time give the batch's
// matrices, from running sums that do not drift, and the Student-t stream's warm start reaches
// the batch's cold-start fit.
import { strict as assert } from 'node:assert';

import { MatrixSeries, windowMatrix, type CorrelationMeasure, type MatrixSeriesSpec } from '../../lib/data/correlation';
import { CorrelationStream, MatrixSeriesStream } from '../../lib/data/correlation_stream';
import type { Series } from '../../lib/data/series';
import { assertClose } from '../helpers/fixtures';
import { philoxUniform } from '../helpers/philox';

/** n seeded uniforms in [-1, 1). */
function uniforms(n: number, seed: number): Float64Array {
  return philoxUniform(n, seed).map((v) => 2 * v - 1);
}

const MEASURES: CorrelationMeasure[] = ['inner-product', 'pearson', 'student-t'];

/** The batch's matrices of every scale ending at `end`, float64, [scales, P, P]. */
function direct(x: ArrayLike<number>, C: number, end: number, spec: Pick<MatrixSeriesSpec, 'scales' | 'measure' | 'padTo' | 'studentT'>): Float64Array {
  const P = spec.padTo ?? C, out = new Float64Array(spec.scales.length * P * P);
  spec.scales.forEach((w, k) => windowMatrix(x, C, end, w, spec, out, k * P * P, P));
  return out;
}

/** rows x C values: a channel-specific offset (up to 40) and spread, with runs where channel 1 is stuck. */
function rowsOf(rows: number, C: number, seed: number): Float64Array {
  const u = uniforms(rows * C, seed), x = new Float64Array(rows * C);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < C; i++) {
      const stuck = i === 1 && r % 97 >= 60;
      x[r * C + i] = stuck ? 1.5 : 10 * i + (1 + i) * u[r * C + i] + 0.5 * u[r * C];
    }
  return x;
}

describe('data: correlation stream', () => {
  for (const measure of MEASURES) {
    it(`${measure}: stream = batch, to 1e-9, at every row, two scales, padded`, () => {
      const C = 4, rows = measure === 'student-t' ? 120 : 400, x = rowsOf(rows, C, 3);
      const spec = { scales: [7, 30], measure, padTo: 5, studentT: measure === 'student-t' ? { tol: 1e-12 } : undefined };
      const s = new CorrelationStream(C, spec, { refreshEvery: 50 });
      for (let t = 0; t < rows; t++) {
        const got = s.push(x.subarray(t * C, (t + 1) * C));
        if (t < 29) {
          assert.equal(got, null, `row ${t}: the 30-row window is not full`);
          continue;
        }
        assertClose(got!, direct(x, C, t, spec), { rtol: 0, atol: 1e-9 }, `row ${t}`);
      }
    });
  }

  for (const measure of ['inner-product', 'pearson'] as const) {
    // Pearson's centred sums hold 1e-9 absolute (about 4e-12 seen); the inner product's raw sums of
    // values near 100 hold 1e-12 relative to the product (about 2e-14 seen).
    it(`${measure}: running sums over 100,000 rows stay within ${measure === 'pearson' ? '1e-9' : '1e-12 relative'} of the direct formula (no refresh), and the refresh brings them back to it`, () => {
      const C = 3, w = 50, rows = 100_000, x = rowsOf(rows, C, 17);
      for (let i = 0; i < x.length; i++) x[i] += 100; // a large mean: the centred sums must not care
      const never = new CorrelationStream(C, { scales: [w], measure }, { refreshEvery: Infinity });
      const often = new CorrelationStream(C, { scales: [w], measure }, { refreshEvery: 1000 });
      let worst = 0;
      for (let t = 0; t < rows; t++) {
        const row = x.subarray(t * C, (t + 1) * C), check = t % 9973 === 0 || t === rows - 1;
        const a = never.push(row, check), b = often.push(row, check);
        if (!a || !b) continue;
        const want = direct(x, C, t, { scales: [w], measure });
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - want[i]) / (measure === 'pearson' ? 1 : Math.abs(want[i])));
        if ((t + 1) % 1000 === 0) assert.deepEqual(b, want, `row ${t}: just refreshed, the stream is the batch to the bit`);
      }
      assert.ok(worst < (measure === 'pearson' ? 1e-9 : 1e-12), `drift ${worst}`);
    });
  }

  it('a channel stuck for a whole window is constant in the stream exactly as in the batch', () => {
    // Channel 1 swings by 10^4 (the running sums' rounding with it) for 2,000 rows, is stuck at 1.5
    // for 100, then moves again.
    const C = 3, w = 20, rows = 2200, x = rowsOf(rows, C, 8);
    for (let r = 0; r < rows; r++) x[r * C + 1] = r < 2000 ? 1e4 * x[r * C] : r < 2100 ? 1.5 : x[r * C] + x[r * C + 2];
    const s = new CorrelationStream(C, { scales: [w], measure: 'pearson' }, { refreshEvery: Infinity });
    for (let t = 0; t < rows; t++) {
      const m = s.push(x.subarray(t * C, (t + 1) * C));
      if (t >= 2019 && t < 2100) assert.deepEqual([m![1], m![3], m![5], m![7]], [0, 0, 0, 0], `row ${t}`);
      if (t >= 2100) assertClose(m!, direct(x, C, t, { scales: [w], measure: 'pearson' }), { rtol: 0, atol: 1e-12 }, `row ${t}, moving again`);
    }
  });

  it('student-t: the warm-started stream reaches the cold-start fixed point, in fewer iterations', () => {
    const C = 4, w = 40, rows = 100, x = rowsOf(rows, C, 5);
    const spec = { scales: [w], measure: 'student-t' as const, studentT: { tol: 1e-11 } };
    const warm = new CorrelationStream(C, spec);
    let cold = 0;
    for (let t = 0; t < rows; t++) {
      const got = warm.push(x.subarray(t * C, (t + 1) * C));
      if (!got) continue;
      // A fresh stream fits this one window from a cold start.
      const fresh = new CorrelationStream(C, spec);
      let want: Float64Array | null = null;
      for (let r = t - w + 1; r <= t; r++) want = fresh.push(x.subarray(r * C, (r + 1) * C));
      cold += fresh.iterations;
      assertClose(got, want!, { rtol: 0, atol: 1e-9 }, `row ${t}`);
    }
    // EM converges linearly, so starting 1/w closer saves only a few iterations per window (were the
    // warm start ignored, the two counts would be equal).
    assert.ok(warm.iterations < cold, `warm ${warm.iterations} iterations, cold ${cold}`);
  });

  for (const measure of MEASURES) {
    it(`${measure}: MatrixSeriesStream gives MatrixSeries' samples at the same end rows`, () => {
      const C = 3, rows = 90, x = rowsOf(rows, C, 12);
      const series: Series = { columns: ['a', 'b', 'c'], data: Float32Array.from(x), rows };
      const spec: MatrixSeriesSpec = { steps: 3, gap: 4, scales: [5, 11], measure, padTo: 4 };
      const batch = new MatrixSeries(series, spec, 3);
      const stream = new MatrixSeriesStream(C, spec, 3);
      assert.deepEqual(stream.sampleShape, batch.sampleShape);
      let i = 0;
      for (let t = 0; t < rows; t++) {
        const got = stream.push(series.data.subarray(t * C, (t + 1) * C));
        if (!got) continue;
        assert.equal(batch.endRow(i), t, `sample ${i}`);
        assertClose(got, batch.batch([i]), { rtol: 0, atol: 1e-6 }, `sample ${i} ending at ${t}`);
        i++;
      }
      assert.equal(i, batch.count);
      assert.ok(i > 10);
    });
  }

  it('stream options and rows are checked', () => {
    assert.throws(() => new CorrelationStream(3, { scales: [4] }, { refreshEvery: 0 }), /refreshEvery must be a positive integer or Infinity, got 0/);
    assert.throws(() => new CorrelationStream(3, { scales: [4], padTo: 2 }), /padTo 2 is smaller than the 3 channels/);
    assert.throws(() => new MatrixSeriesStream(3, { steps: 2, gap: 1, scales: [4] }, 0), /sample stride must be a positive integer, not 0/);
    const s = new CorrelationStream(3, { scales: [4] });
    s.push([1, 2, 3]);
    assert.throws(() => s.push([1, 2]), /row 1 has 2 values, expected 3 channels/);
  });
});
