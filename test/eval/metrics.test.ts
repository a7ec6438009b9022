import { strict as assert } from 'node:assert';

import { aucPr, aucRoc, confusionMatrix, pointMetrics, quantile } from '../../lib/eval/metrics';
import { philoxUniform } from '../helpers/philox';

const close = (a: number, b: number, tol: number, what: string): void =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

/** AUC-ROC by its definition: over all (anomaly, normal) pairs, 1 if ranked right, 1/2 if tied. */
function bruteAucRoc(s: number[], y: number[]): number {
  let sum = 0, pairs = 0;
  for (let i = 0; i < s.length; i++) {
    if (!y[i]) continue;
    for (let j = 0; j < s.length; j++) {
      if (y[j]) continue;
      pairs++;
      sum += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return sum / pairs;
}

/** Average precision by its definition: recompute P and R at every distinct threshold. */
function bruteAp(s: number[], y: number[]): number {
  const P = y.reduce((a, b) => a + b, 0);
  let ap = 0, prevR = 0;
  for (const v of [...new Set(s)].sort((a, b) => b - a)) {
    let tp = 0, flagged = 0;
    s.forEach((x, i) => x >= v && (flagged++, (tp += y[i])));
    ap += (tp / P - prevR) * (tp / flagged);
    prevR = tp / P;
  }
  return ap;
}

describe('detect: point metrics and AUCs', () => {
  it('confusion matrix and P/R/F1 by hand', () => {
    // flags  1 1 0 0 1 0
    // labels 1 0 1 0 1 0  -> TP at 0,4; FP at 1; FN at 2; TN at 3,5
    // P = 2/3, R = 2/3, F1 = 2/3
    const c = confusionMatrix([1, 1, 0, 0, 1, 0], [1, 0, 1, 0, 1, 0]);
    assert.deepEqual(c, { tp: 2, fp: 1, fn: 1, tn: 2 });
    const m = pointMetrics([1, 1, 0, 0, 1, 0], [1, 0, 1, 0, 1, 0]);
    close(m.precision, 2 / 3, 1e-15, 'P');
    close(m.recall, 2 / 3, 1e-15, 'R');
    close(m.f1, 2 / 3, 1e-15, 'F1');
    // No flag at all: precision and F1 are 0, not NaN.
    assert.deepEqual(pointMetrics([0, 0], [1, 0]), { tp: 0, fp: 0, fn: 1, tn: 1, precision: 0, recall: 0, f1: 0 });
    assert.throws(() => confusionMatrix([1], [1, 0]), /1 steps but labels have 2/);
  });

  it('AUC-ROC and AUC-PR by hand', () => {
    // scores 0.1 0.4 0.35 0.8, labels 0 0 1 1.
    // ROC pairs (anomaly, normal): (0.35,0.1) right, (0.35,0.4) wrong, (0.8,*) right twice -> 3/4.
    // AP: 0.8 -> R 1/2, P 1; 0.4 -> R 1/2, P 1/2; 0.35 -> R 1, P 2/3; 0.1 -> R 1.
    //     AP = 1/2 * 1 + 1/2 * 2/3 = 0.8333
    const s = [0.1, 0.4, 0.35, 0.8], y = [0, 0, 1, 1];
    close(aucRoc(s, y), 0.75, 1e-15, 'AUC-ROC');
    close(aucPr(s, y), 5 / 6, 1e-15, 'AUC-PR');
    // Ties: scores 1 1 0 0, labels 1 0 1 0. ROC: 1/2 + 1 + 0 + 1/2 over 4 pairs = 1/2.
    // AP: the tie group {0,1} enters together: R 1/2, P 1/2; then R 1, P 1/2 -> 1/2.
    close(aucRoc([1, 1, 0, 0], [1, 0, 1, 0]), 0.5, 1e-15, 'AUC-ROC ties');
    close(aucPr([1, 1, 0, 0], [1, 0, 1, 0]), 0.5, 1e-15, 'AUC-PR ties');
  });

  it('AUC-ROC and AUC-PR equal their brute-force definitions on random data (with ties)', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const n = 150;
      const u = philoxUniform(2 * n, seed);
      const y = Array.from(u.subarray(n), (v) => (v < 0.15 + 0.05 * seed ? 1 : 0));
      const s = Array.from(u.subarray(0, n), (v, i) => Math.round((v + 0.3 * y[i]) * (seed % 2 ? 10 : 1e6)));
      close(aucRoc(s, y), bruteAucRoc(s, y), 1e-12, `seed ${seed} ROC`);
      close(aucPr(s, y), bruteAp(s, y), 1e-12, `seed ${seed} AP`);
      close(aucRoc(Float32Array.from(s), Uint8Array.from(y)), bruteAucRoc(s, y), 1e-12, `seed ${seed} typed arrays`);
    }
  });

  it('without ties, AP is the mean precision at the rank of each anomaly', () => {
    const n = 80;
    const u = philoxUniform(2 * n, 42);
    const y = Array.from(u.subarray(n), (v) => (v < 0.25 ? 1 : 0));
    const s = Array.from(u.subarray(0, n), (v, i) => v + 0.2 * y[i]);
    const order = s.map((_, i) => i).sort((a, b) => s[b] - s[a]);
    let hits = 0, sum = 0;
    order.forEach((i, rank) => y[i] && (hits++, (sum += hits / (rank + 1))));
    close(aucPr(s, y), sum / hits, 1e-12, 'AP');
  });

  it('is NaN without both classes and refuses NaN scores', () => {
    assert.ok(Number.isNaN(aucRoc([0.1, 0.2], [0, 0])));
    assert.ok(Number.isNaN(aucPr([0.1, 0.2], [0, 0])));
    assert.ok(Number.isNaN(aucRoc([0.1, 0.2], [1, 1])));
    close(aucPr([0.1, 0.2], [1, 1]), 1, 0, 'all anomalous: AP 1');
    assert.throws(() => aucRoc([0.1, NaN, 0.3], [0, 1, 0]), /aucRoc: score at step 1 is NaN/);
  });

  it('quantile interpolates linearly (numpy default)', () => {
    close(quantile([4, 1, 3, 2], 0.5), 2.5, 0, 'median');
    close(quantile([0, 10], 0.25), 2.5, 0, 'q 0.25');
    assert.ok(Number.isNaN(quantile([], 0.5)));
  });
});
