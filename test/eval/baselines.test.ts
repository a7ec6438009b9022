import { strict as assert } from 'node:assert';

import { fitPca, pcaScores, randomScores } from '../../lib/eval/baselines';
import { symmetricEigen } from '../../lib/eval/eigen';
import { philoxUniform } from '../helpers/philox';

const close = (a: number, b: number, tol: number, what: string): void =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

const cols = (c: number): string[] => Array.from({ length: c }, (_, i) => `c${i}`);

/** Rows x = mu + A z + noise: A is 6x2 (rank 2), z ~ U(-1,1)^2, noise ~ U(-e, e). */
function planted(rows: number, seed: number, noise: number): { data: Float32Array; A: number[][]; mu: number[] } {
  const A = [[1, 0], [0.5, 1], [-1, 0.5], [0, -1], [2, 1], [0.3, 0.3]];
  const mu = [1, -2, 0.5, 3, 0, -1];
  const u = philoxUniform(rows * 8, seed);
  const data = new Float32Array(rows * 6);
  for (let r = 0; r < rows; r++) {
    const z0 = 2 * u[r * 8] - 1, z1 = 2 * u[r * 8 + 1] - 1;
    for (let c = 0; c < 6; c++) data[r * 6 + c] = mu[c] + A[c][0] * z0 + A[c][1] * z1 + noise * (2 * u[r * 8 + 2 + c] - 1);
  }
  return { data, A, mu };
}

describe('detect: baselines', () => {
  it('random score: seeded, deterministic, uniform in [0, 1)', () => {
    const a = randomScores({ rows: 5000 }, 7);
    const b = randomScores({ rows: 5000 }, 7);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, randomScores({ rows: 5000 }, 8));
    let sum = 0;
    for (const v of a) {
      assert.ok(v >= 0 && v < 1);
      sum += v;
    }
    close(sum / a.length, 0.5, 0.02, 'mean'); // sd of the mean: 0.29/sqrt(5000) = 0.004
  });

  it('the TypeScript Philox stream equals the native generator (vigil_random_fill UNIFORM)', function () {
    let Generator: typeof import('../../lib/random').Generator;
    try {
      ({ Generator } = require('../../lib/random'));
    } catch (e) {
      this.skip(); // no native addon built: nothing to compare with
      return;
    }
    for (const seed of [0, 1, 123456789, 2 ** 40 + 3]) {
      const g = new Generator(seed);
      g.take('uniform', 8); // start at block offset 2
      const t = g.uniform([37], 0, 1, { dtype: 'float64' });
      assert.deepEqual(Array.from(t.toArray()), Array.from(philoxUniform(37, seed, 2)), `seed ${seed}`);
      t.dispose();
    }
  });

  it('symmetric eigendecomposition (Jacobi): 2x2 by hand, and A v = lambda v on a random matrix', () => {
    // [[2,1],[1,2]]: eigenvalues 3 and 1, eigenvectors (1,1)/sqrt2 and (1,-1)/sqrt2.
    const e2 = symmetricEigen([2, 1, 1, 2], 2);
    close(e2.values[0], 3, 1e-14, 'l0');
    close(e2.values[1], 1, 1e-14, 'l1');
    close(Math.abs(e2.vectors[0] + e2.vectors[1]) / 2, Math.SQRT1_2, 1e-14, 'v0');
    const n = 12;
    const u = philoxUniform(n * n, 5);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = 2 * u[i * n + j] - 1;
    const { values, vectors } = symmetricEigen(a, n);
    for (let k = 0; k < n; k++) {
      if (k) assert.ok(values[k] <= values[k - 1], 'descending');
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[k * n + j];
        close(av, values[k] * vectors[k * n + i], 1e-12, `residual k=${k} i=${i}`);
      }
      for (let m = 0; m < n; m++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += vectors[k * n + i] * vectors[m * n + i];
        close(dot, k === m ? 1 : 0, 1e-12, `orthonormal ${k},${m}`);
      }
    }
    assert.throws(() => symmetricEigen([1, 2, 3, 4], 2), /not symmetric at \(1, 0\)/);
  });

  it('PCA recovers a planted rank-2 structure: tiny error on normal rows, large off the subspace', () => {
    const train = planted(500, 1, 1e-3);
    const model = fitPca({ data: train.data, rows: 500, columns: cols(6) });
    assert.equal(model.k, 2, 'two components explain > 90 % of the variance');
    assert.ok(model.explained > 0.999, `explained ${model.explained}`);
    const test = planted(50, 2, 1e-3);
    // Row 10 moved by 2 along a unit vector orthogonal to both columns of A:
    // d = (1, 0, 1, 0.5, 0, 0): A[:,0].d = 1 - 1 + 0 = 0, A[:,1].d = 0 + 0.5 - 0.5 = 0.
    const d = [1, 0, 1, 0.5, 0, 0];
    for (let k = 0; k < 2; k++) assert.equal(d.reduce((s, v, c) => s + v * train.A[c][k], 0), 0);
    const norm = Math.hypot(...d);
    for (let c = 0; c < 6; c++) test.data[10 * 6 + c] += (2 * d[c]) / norm; // distance 2 -> error ~4
    const { scores, channelErrors } = pcaScores(model, { data: test.data, rows: 50, columns: cols(6) });
    for (let r = 0; r < 50; r++) {
      if (r === 10) continue;
      // What is left is noise: |noise|^2 <= 6 * (1e-3)^2 = 6e-6, plus the fitted subspace's tiny
      // tilt; 3e-5 allows for both.
      assert.ok(scores[r] < 3e-5, `normal row ${r} error ${scores[r]}`);
    }
    close(scores[10], 4, 0.01, 'off-subspace row error');
    // Per-channel errors sum to the row score, and blame the channels d moves most.
    let sum = 0;
    for (let c = 0; c < 6; c++) sum += channelErrors[10 * 6 + c];
    close(sum, scores[10], 1e-5, 'channel errors sum');
    assert.ok(channelErrors[10 * 6 + 5] < channelErrors[10 * 6 + 0], 'channel 5 (d = 0) blamed less than channel 0');
  });

  it('PCA with a given k, on windows, and its errors', () => {
    const train = planted(300, 3, 1e-2);
    const s = { data: train.data, rows: 300, columns: cols(6) };
    const all = fitPca(s, { k: 6 });
    const full = pcaScores(all, s).scores;
    assert.ok(Math.max(...full) < 1e-9, 'k = all channels reconstructs exactly');
    const none = fitPca(s, { k: 0 });
    const sq = pcaScores(none, s).scores;
    let want = 0; // k = 0: the error is the squared distance to the mean
    for (let c = 0; c < 6; c++) want += (train.data[c] - none.mean[c]) ** 2;
    close(sq[0], want, 1e-5, 'k = 0');
    // Windows of 3 rows: a step is scored by the window ending at it; the first 2 repeat step 2.
    const w = fitPca(s, { window: 3 });
    assert.equal(w.dim, 18);
    const ws = pcaScores(w, s);
    assert.equal(ws.scores.length, 300);
    assert.equal(ws.scores[0], ws.scores[2]);
    assert.equal(ws.scores[1], ws.scores[2]);
    assert.throws(() => pcaScores(all, { data: new Float32Array(10), rows: 2, columns: cols(5) }), /model has 6 channels, the series 5/);
    assert.throws(() => fitPca({ data: new Float32Array(5), rows: 1, columns: cols(5) }), /at least 2 training vectors/);
    assert.throws(() => fitPca({ data: new Float32Array(6), rows: 2, columns: cols(4) }), /data holds 6 values, expected rows 2 \* columns 4/);
  });
});
