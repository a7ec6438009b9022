// Correlation matrices (lib/data/correlation*.ts) computed directly: against numpy
// (tools/fixtures/correlation.py), the robust fit's properties, constant channels, padding,
// causality and the option errors.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { MatrixSeries, windowMatrix, type MatrixSeriesSpec } from '../../lib/data/correlation';
import { fitStudentT, STUDENT_T_DEFAULTS } from '../../lib/data/correlation_student_t';
import { CONSTANT_REL_STD } from '../../lib/data/correlation_window';
import type { Series } from '../../lib/data/series';
import { decodeSafetensors } from '../../lib/io/safetensors';
import { assertClose } from '../helpers/fixtures';
import { philoxUniform } from '../helpers/philox';

interface NumpyFixture {
  meta: { windows: number[]; ends: Record<string, number[]>; student_t: number[]; nu: number; ridge: number };
  rows: number;
  C: number;
  x: Float64Array;
  get(key: string): Float64Array;
}

function numpyFixture(name: string): NumpyFixture {
  const path = join(__dirname, '..', 'fixtures', `${name}.safetensors`);
  const file = decodeSafetensors(readFileSync(path), path);
  const get = (key: string) => {
    const t = file.tensors.get(key);
    if (!t) throw new Error(`${name}: no ${key}`);
    return Float64Array.from(t.data);
  };
  const shape = file.tensors.get('x')!.shape;
  return { meta: JSON.parse(file.metadata.meta), rows: shape[0], C: shape[1], x: get('x'), get };
}

function seriesOf(x: ArrayLike<number>, C: number): Series {
  return { columns: Array.from({ length: C }, (_, i) => `c${i}`), data: Float32Array.from(x), rows: x.length / C };
}

/** n seeded uniforms in [-1, 1). */
function uniforms(n: number, seed: number): Float64Array {
  return philoxUniform(n, seed).map((v) => 2 * v - 1);
}

/** The matrix of the w rows ending at `end`, C x C in float64. */
function matrix(x: ArrayLike<number>, C: number, end: number, w: number, spec: Partial<MatrixSeriesSpec>): Float64Array {
  const out = new Float64Array(C * C);
  windowMatrix(x, C, end, w, spec, out, 0);
  return out;
}

function maxOffDiagonalError(a: ArrayLike<number>, b: ArrayLike<number>, C: number): number {
  let worst = 0;
  for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) if (i !== j) worst = Math.max(worst, Math.abs(a[i * C + j] - b[i * C + j]));
  return worst;
}

describe('data: correlation matrices', () => {
  describe('against numpy', () => {
    for (const name of ['correlation_gauss', 'correlation_outliers']) {
      const f = numpyFixture(name);
      const { C } = f;
      for (const w of f.meta.windows) {
        const ends = f.meta.ends[String(w)];
        it(`${name}: Pearson and inner product over w = ${w} (float64 within 1e-12; the float32 samples within 1e-6)`, () => {
          for (const [measure, key] of [['pearson', 'pearson'], ['inner-product', 'inner_product']] as const) {
            const want = f.get(`out.${key}_w${w}`);
            ends.forEach((end, e) => {
              const ref = want.subarray(e * C * C, (e + 1) * C * C);
              assertClose(matrix(f.x, C, end, w, { measure }), ref, { rtol: 1e-12, atol: 1e-12 }, `${measure} ending at ${end}`);
            });
            // The samples of a float32 series: one step per sample, so sample i ends at ends[i].
            const m = new MatrixSeries(seriesOf(f.x, C), { steps: 1, gap: 1, scales: [w], measure }, 1);
            const idx = ends.map((end) => end - (w - 1));
            idx.forEach((i, e) => assert.equal(m.endRow(i), ends[e]));
            assertClose(m.batch(idx), want, { rtol: 1e-6, atol: 1e-6 }, `${measure} samples`);
          }
        });
        if (!f.meta.student_t.includes(w)) continue;
        for (const [key, ridge] of [['student_t', 0], ['student_t_ridge', f.meta.ridge]] as const)
          it(`${name}: Student-t (nu ${f.meta.nu}, ridge ${ridge}) against the textbook EM over w = ${w}, within 1e-8`, () => {
            const want = f.get(`out.${key}_w${w}`);
            ends.forEach((end, e) => {
              const got = matrix(f.x, C, end, w, { measure: 'student-t', studentT: { nu: f.meta.nu, ridge, tol: 1e-12, maxIter: 2000 } });
              assertClose(got, want.subarray(e * C * C, (e + 1) * C * C), { rtol: 0, atol: 1e-8 }, `student-t ending at ${end}`);
            });
          });
      }
    }

    it('with 5% gross outliers, the Student-t correlation stays near the true one and Pearson does not', () => {
      const f = numpyFixture('correlation_outliers');
      const R = f.get('true_correlation'), C = f.C, w = 120;
      let tErr = 0, pErr = 0;
      for (const end of f.meta.ends[String(w)]) {
        tErr = Math.max(tErr, maxOffDiagonalError(matrix(f.x, C, end, w, { measure: 'student-t' }), R, C));
        pErr = Math.max(pErr, maxOffDiagonalError(matrix(f.x, C, end, w, { measure: 'pearson' }), R, C));
      }
      assert.ok(tErr < 0.2, `student-t is ${tErr} from the true correlation`);
      assert.ok(pErr > 2 * tErr, `pearson (${pErr}) should be much further than student-t (${tErr})`);
    });
  });

  it('on Gaussian rows without outliers the Student-t correlation approaches Pearson as the window grows', () => {
    // Two correlated channels (rho 0.6) plus a third independent one.
    const C = 3, rows = 4000, u = uniforms(rows * 6, 7), x = new Float64Array(rows * C);
    const gauss = (k: number) => Math.sqrt(-2 * Math.log((u[2 * k] + 1) / 2 + 1e-300)) * Math.cos(Math.PI * (u[2 * k + 1] + 1));
    for (let r = 0; r < rows; r++) {
      const a = gauss(3 * r), b = gauss(3 * r + 1), c = gauss(3 * r + 2);
      x[r * C] = a;
      x[r * C + 1] = 0.6 * a + 0.8 * b;
      x[r * C + 2] = c;
    }
    const gapAt = (w: number) => maxOffDiagonalError(matrix(x, C, rows - 1, w, { measure: 'student-t' }), matrix(x, C, rows - 1, w, { measure: 'pearson' }), C);
    const small = gapAt(100), large = gapAt(4000);
    assert.ok(large < 0.03, `w 4000: student-t is ${large} from pearson`);
    assert.ok(large < small, `the gap shrinks with the window (${small} at w 100, ${large} at w 4000)`);
  });

  describe('constant channels', () => {
    // Channel 1 is constant over rows 10..29, channel 2 within float32 rounding of 3.
    const C = 3, rows = 30, x = new Float64Array(rows * C), noise = uniforms(rows * C, 11);
    for (let r = 0; r < rows; r++) {
      x[r * C] = noise[r * C];
      x[r * C + 1] = r < 10 ? noise[r * C + 1] : 0.25;
      x[r * C + 2] = 3 + (r % 2) * 2.4e-7;
    }
    for (const measure of ['pearson', 'student-t'] as const) {
      it(`${measure}: a constant channel has correlation 0 with the others and 1 with itself`, () => {
        const m = matrix(x, C, rows - 1, 20, { measure });
        assert.deepEqual(Array.from(m), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
        // Over a window where channel 1 still moves, its correlation with channel 0 is not 0.
        const before = matrix(x, C, 12, 8, { measure });
        assert.notEqual(before[1], 0);
        assert.ok(Number.isFinite(before[1]) && Math.abs(before[1]) <= 1);
      });
    }

    it('the threshold is a standard deviation of CONSTANT_REL_STD * (1 + |mean|)', () => {
      const std = (s: number) => {
        const y = new Float64Array(40 * 2), n = uniforms(80, 5);
        for (let r = 0; r < 40; r++) {
          y[r * 2] = n[r];
          y[r * 2 + 1] = 2 + s * (r % 2 ? 1 : -1); // mean 2, standard deviation s
        }
        return matrix(y, 2, 39, 40, { measure: 'pearson' })[1];
      };
      assert.equal(std(0.9 * CONSTANT_REL_STD * 3), 0);
      assert.notEqual(std(1.1 * CONSTANT_REL_STD * 3), 0);
    });

    it('the inner product has no constant rule', () => {
      const m = matrix(x, C, rows - 1, 20, { measure: 'inner-product' });
      assert.equal(m[1 * C + 1], 0.0625);
    });
  });

  it('pads each matrix with zero rows on top and zero columns on the left (the seed: 51 -> 52)', () => {
    const C = 3, s = seriesOf(uniforms(20 * C, 3), C);
    for (const measure of ['inner-product', 'pearson', 'student-t'] as const) {
      const plain = new MatrixSeries(s, { steps: 2, gap: 2, scales: [4, 6], measure }).batch([3]);
      const padded = new MatrixSeries(s, { steps: 2, gap: 2, scales: [4, 6], measure, padTo: 5 });
      assert.deepEqual(padded.sampleShape, [2, 2, 5, 5]);
      const p = padded.batch([3]);
      for (let m = 0; m < 4; m++)
        for (let i = 0; i < 5; i++)
          for (let j = 0; j < 5; j++) {
            const v = p[m * 25 + i * 5 + j];
            if (i < 2 || j < 2) assert.equal(v, 0, `${measure} matrix ${m} (${i}, ${j})`);
            else assert.equal(v, plain[m * 9 + (i - 2) * 3 + (j - 2)], `${measure} matrix ${m} (${i}, ${j})`);
          }
    }
  });

  it('a matrix never reads a row after its end row: changing the future leaves it as it was', () => {
    const C = 4, rows = 60, x = uniforms(rows * C, 21);
    for (const measure of ['inner-product', 'pearson', 'student-t'] as const) {
      const spec: MatrixSeriesSpec = { steps: 3, gap: 2, scales: [5, 9], measure };
      const before = new MatrixSeries(seriesOf(x, C), spec);
      const future = Float64Array.from(x);
      const last = before.endRow(10);
      for (let i = (last + 1) * C; i < future.length; i++) future[i] = 100 * future[i] + 7;
      const after = new MatrixSeries(seriesOf(future, C), spec);
      const idx = Array.from({ length: 11 }, (_, i) => i);
      assert.deepEqual(after.batch(idx), before.batch(idx), `${measure}: samples ending at or before row ${last}`);
      // ... while the sample ending at the next row does see the change (the check can fail).
      assert.notDeepEqual(after.batch([11]), before.batch([11]), `${measure}: the sample ending at row ${last + 1}`);
    }
  });

  it('the default measure is the MSCRED inner product, as before', () => {
    const C = 3, s = seriesOf(uniforms(30 * C, 9), C);
    const a = new MatrixSeries(s, { steps: 2, gap: 3, scales: [2, 5] }).batch([4]);
    const b = new MatrixSeries(s, { steps: 2, gap: 3, scales: [2, 5], measure: 'inner-product' }).batch([4]);
    assert.deepEqual(a, b);
    // Sample 4 ends at row 11; its first step ends at row 8, scale 2: mean of x0 * x1 over rows 7, 8.
    const want = (s.data[7 * C] * s.data[7 * C + 1] + s.data[8 * C] * s.data[8 * C + 1]) / 2;
    assert.ok(Math.abs(a[1] - want) < 1e-7);
  });

  it('the Student-t fit converges within its cap and reports it', () => {
    const C = 4, x = uniforms(50 * C, 4);
    const fit = fitStudentT(x, C, 49, 50, { ...STUDENT_T_DEFAULTS });
    assert.ok(fit.converged && fit.iterations > 1 && fit.iterations < 200, `${fit.iterations} iterations`);
    const capped = fitStudentT(x, C, 49, 50, { ...STUDENT_T_DEFAULTS, maxIter: 2 });
    assert.equal(capped.iterations, 2);
    assert.equal(capped.converged, false);
  });

  it('a window whose channel is stuck on most rows converges in tens of EM steps (SQUAREM; plain EM needs hundreds), to the tight fit', () => {
    // Channel 1 holds 1.5 on 35 of the 40 rows: the MLE collapses its scale; the ridge stops that.
    const C = 4, x = new Float64Array(40 * C), u = uniforms(40 * C, 5);
    for (let r = 0; r < 40; r++)
      for (let i = 0; i < C; i++) x[r * C + i] = i === 1 && r >= 5 ? 1.5 : 10 * i + (1 + i) * u[r * C + i] + 0.5 * u[r * C];
    const fit = fitStudentT(x, C, 39, 40, { ...STUDENT_T_DEFAULTS });
    assert.ok(fit.converged && fit.iterations < 100, `${fit.iterations} EM steps`);
    assert.equal(fit.active.length, 4, 'channel 1 still moves on 5 rows: not constant');
    const loose = matrix(x, C, 39, 40, { measure: 'student-t' });
    const tight = matrix(x, C, 39, 40, { measure: 'student-t', studentT: { tol: 1e-13, maxIter: 5000 } });
    assertClose(loose, tight, { rtol: 0, atol: 1e-6 }, 'tol 1e-8 against tol 1e-13');
  });

  it('a window with fewer rows than channels (or collinear ones) still has a Student-t matrix, thanks to the ridge', () => {
    const C = 6, x = uniforms(5 * C, 13);
    const m = matrix(x, C, 4, 5, { measure: 'student-t' });
    assert.ok(m.every((v) => Number.isFinite(v) && Math.abs(v) <= 1));
    assert.throws(() => matrix(x, C, 4, 5, { measure: 'student-t', studentT: { ridge: 0 } }),
      /the Student-t scatter of the 5 rows ending at row 4 is singular \(6 non-constant channels\); use studentT.ridge > 0/);
  });

  it('bad options are errors that name the option and the value', () => {
    const s = seriesOf(uniforms(40 * 3, 1), 3);
    const bad = (spec: Partial<MatrixSeriesSpec>, re: RegExp) =>
      assert.throws(() => new MatrixSeries(s, { steps: 2, gap: 1, scales: [4], ...spec } as MatrixSeriesSpec), re);
    bad({ measure: 'spearman' as never }, /measure must be one of 'inner-product', 'pearson', 'student-t', got 'spearman'/);
    bad({ padTo: 2 }, /padTo 2 is smaller than the 3 channels/);
    bad({ padTo: 4.5 }, /padTo must be a positive integer, got 4.5/);
    bad({ measure: 'pearson', scales: [1, 4] }, /scale 1 is too short for measure 'pearson'/);
    bad({ measure: 'pearson', studentT: { nu: 3 } }, /studentT options apply to measure 'student-t' only, and the measure is 'pearson'/);
    bad({ measure: 'student-t', studentT: { nu: -1 } }, /studentT.nu must be a positive finite number, got -1/);
    bad({ measure: 'student-t', studentT: { tol: 0 } }, /studentT.tol must be a positive finite number, got 0/);
    bad({ measure: 'student-t', studentT: { maxIter: 2.5 } }, /studentT.maxIter must be a positive integer, got 2.5/);
    bad({ measure: 'student-t', studentT: { ridge: -1e-3 } }, /studentT.ridge must be a finite number >= 0, got -0.001/);
    bad({ measure: 'student-t', studentT: { df: 3 } as never }, /studentT has no option 'df' \(it has nu, tol, maxIter, ridge\)/);
    bad({ gap: 0 }, /steps, gap and every scale must be positive integers, got steps 2, gap 0/);
  });
});
