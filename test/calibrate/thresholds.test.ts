import { strict as assert } from 'node:assert';

import { fitGpd } from '../../lib/calibrate/gpd';
import { pointMetrics } from '../../lib/eval/metrics';
import { philoxUniform } from '../helpers/philox';
import {
  applyThreshold, bestF1, falseAlarmBudget, meanStd, pot, quantileThreshold, refitThreshold, rocGmean,
} from '../../lib/calibrate/thresholds';

const close = (a: number, b: number, tol: number, what: string): void =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

/** n draws of a GPD(shape g, scale 1) by inversion: Y = ((1-U)^(-g) - 1) / g, U uniform [0,1). */
function gpdSample(n: number, g: number, seed: number): Float64Array {
  return Float64Array.from(philoxUniform(n, seed), (u) => (g === 0 ? -Math.log1p(-u) : (Math.pow(1 - u, -g) - 1) / g));
}

describe('detect: thresholds', () => {
  it('mean + k std by hand', () => {
    // 1..5: mean 3, population variance (4+1+0+1+4)/5 = 2 -> 3 + 2*sqrt(2) = 5.8284
    const t = meanStd([1, 2, 3, 4, 5], 2);
    close(t.value, 3 + 2 * Math.SQRT2, 1e-12, 'value');
    assert.equal(t.method, 'mean-std');
    assert.deepEqual(t.params, { k: 2, mean: 3, std: Math.SQRT2, n: 5 });
  });

  it('quantile threshold, and the strict flag rule', () => {
    const t = quantileThreshold([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9); // position 9 -> 9
    close(t.value, 9, 0, 'q 0.9');
    assert.deepEqual([...applyThreshold([8.9, 9, 9.1], t)], [0, 0, 1]);
    assert.throws(() => quantileThreshold([1, 2], 1.5), /q must be in \[0, 1\]/);
    assert.throws(() => quantileThreshold([], 0.5), /no scores to fit on/);
  });

  it('false-alarm budget: at most the budgeted share of calibration steps above it', () => {
    // Scores 1..100 shuffled; fraction 0.05 -> m = 5 -> the 95th smallest = 95; 96..100 above.
    const s = Array.from(philoxUniform(100, 3)).map((u, i) => ({ u, v: i + 1 })).sort((a, b) => a.u - b.u).map((x) => x.v);
    const t = falseAlarmBudget(s, { fraction: 0.05 });
    close(t.value, 95, 0, 'value');
    close(t.params.flaggedFraction as number, 0.05, 0, 'achieved');
    // 72 alarms a day at one step a minute: 72 / 1440 = 0.05 of the steps -> the same threshold.
    const perDay = falseAlarmBudget(s, { alarmsPerDay: 72, stepSeconds: 60 });
    close(perDay.value, 95, 0, 'alarms per day');
    assert.equal(perDay.params.alarmsPerDay, 72);
    close(falseAlarmBudget(s, { fraction: 0 }).value, 100, 0, 'no alarm');
    assert.ok(falseAlarmBudget(s, { fraction: 1 }).value < 1, 'everything flagged');
    // Ties: with many equal scores the budget is never exceeded.
    const tied = falseAlarmBudget([1, 2, 2, 2, 2, 2, 2, 2, 2, 3], { fraction: 0.3 });
    assert.ok((tied.params.flaggedFraction as number) <= 0.3);
    assert.throws(() => falseAlarmBudget(s, { fraction: 2 }), /fraction in \[0, 1\]/);
  });

  it('GPD fit recovers known shapes (Grimshaw MLE)', () => {
    // 20,000 draws each; the MLE's standard error of the shape is about (1+g)/sqrt(n) ~ 0.01,
    // so 0.05 is a 4-5 sigma tolerance. Scale tolerance 5 %.
    for (const g of [-0.3, 0, 0.25, 0.6]) {
      const fit = fitGpd(gpdSample(20000, g, 100 + Math.round(g * 10)));
      close(fit.shape, g, 0.05, `shape ${g}`);
      close(fit.scale, 1, 0.05, `scale for shape ${g}`);
    }
  });

  it('GPD fit agrees with scipy.stats.genpareto.fit(y, floc=0) on the same draws', () => {
    // Reference numbers from scipy 1.17 on exactly these samples (scale 2.5 draws).
    const ref: [number, number, number, number, number, number][] = [
      // shape, n, seed, scipy shape, scipy scale, scipy log-likelihood
      [-0.3, 3000, 1, -0.279416, 2.409732, -4800.322],
      [0.25, 3000, 2, 0.231112, 2.582217, -6539.2653],
      [0.6, 500, 3, 0.556786, 2.760856, -1286.1515],
      [0, 1000, 4, 0.019372, 2.460271, -1919.6532],
      [-0.8, 2000, 5, -0.764516, 2.389166, -2212.8649],
    ];
    for (const [g, n, seed, shape, scale, ll] of ref) {
      const fit = fitGpd(gpdSample(n, g, seed).map((v) => v * 2.5));
      close(fit.shape, shape, 1e-4, `shape ${g}`);
      close(fit.scale, scale, 1e-4, `scale ${g}`);
      assert.ok(fit.logLikelihood >= ll - 1e-3, `log-likelihood ${fit.logLikelihood} vs scipy ${ll}`);
    }
  });

  it('POT on an exponential tail: the threshold at risk r is near the true (1-r) quantile', () => {
    // 200,000 Exp(1) draws (seed 7); risk 1e-4 -> true quantile -ln(1e-4) = 9.2103.
    // t = 98 % quantile (~3.91) leaves ~4000 excesses; extrapolating 200x in probability gives
    // a standard error of about 0.25 on the threshold, so we allow 8 % (0.74).
    const s = gpdSample(200000, 0, 7);
    const t = pot(s, { initialQuantile: 0.98, risk: 1e-4 });
    close(t.value, -Math.log(1e-4), 0.08 * 9.2103, 'threshold');
    close(t.params.shape as number, 0, 0.05, 'shape');
    close(t.params.initialThreshold as number, -Math.log(0.02), 0.1, 'initial threshold');
    assert.equal(t.params.excesses, 4000);
    assert.equal(t.method, 'pot');
    // Serialisable as is (the bundle stores it as JSON).
    assert.deepEqual(JSON.parse(JSON.stringify(t)), t);
    // Fresh draws from the same distribution exceed it at about the target rate:
    // 1e6 draws * 1e-4 = 100 expected; allow the +-8 % threshold error: exp(+-0.74) -> 48..210.
    const fresh = gpdSample(1000000, 0, 8);
    const above = applyThreshold(fresh, t).reduce((a, b) => a + b, 0);
    assert.ok(above >= 48 && above <= 210, `exceedances ${above}`);
  });

  it('POT on a heavy (shape 0.25) and a bounded (shape -0.3) tail', () => {
    // GPD(g, 1) draws: the excesses over any threshold are again GPD with the same shape, and the
    // true (1-r) quantile is ((r)^(-g) - 1) / g. r = 1e-3, t = 90 % quantile of 100,000 draws
    // (10,000 excesses, 100x extrapolation): 10 % tolerance.
    for (const g of [0.25, -0.3]) {
      const t = pot(gpdSample(100000, g, 21), { initialQuantile: 0.9, risk: 1e-3 });
      const truth = (Math.pow(1e-3, -g) - 1) / g;
      close(t.value, truth, 0.1 * truth, `threshold, shape ${g}`);
      close(t.params.shape as number, g, 0.06, `shape ${g}`);
    }
  });

  it('POT on a bounded tail without interior root (uniform scores) uses the g = -1 boundary', () => {
    // U(0,1): the excesses over t are uniform on (0, 1-t), a GPD with shape -1 where Grimshaw's
    // equations have no interior root. True (1 - 1e-3) quantile: 0.999. The fitted support end
    // max(excess) is within ~(1-t)/140 of the truth: 1e-3 tolerance.
    for (const seed of [1, 2, 3]) {
      const t = pot(philoxUniform(7000, seed), { initialQuantile: 0.98, risk: 1e-3 });
      assert.equal(t.params.shape, -1);
      close(t.value, 0.999, 1e-3, `uniform, seed ${seed}`);
    }
  });

  it('refitThreshold applies the same method and settings to other calibration scores', () => {
    const a = gpdSample(5000, 0, 31), b = gpdSample(5000, 0.2, 32);
    for (const t of [meanStd(a, 2.5), quantileThreshold(a, 0.99), falseAlarmBudget(a, { alarmsPerDay: 10, stepSeconds: 60 }),
      falseAlarmBudget(a, { fraction: 0.01 }), pot(a, { initialQuantile: 0.95, risk: 1e-3 })]) {
      const fresh = refitThreshold(t, b);
      assert.equal(fresh.method, t.method);
      const direct = {
        'mean-std': () => meanStd(b, 2.5), quantile: () => quantileThreshold(b, 0.99),
        'false-alarm-budget': () => falseAlarmBudget(b, 'alarmsPerDay' in t.params ? { alarmsPerDay: 10, stepSeconds: 60 } : { fraction: 0.01 }),
        pot: () => pot(b, { initialQuantile: 0.95, risk: 1e-3 }),
      }[t.method as 'pot']();
      assert.deepEqual(fresh, direct, t.method);
    }
    const y = Array.from(b, (v) => (v > 4 ? 1 : 0));
    assert.deepEqual(refitThreshold(bestF1(a, Array.from(a, (v) => (v > 4 ? 1 : 0))), b, y), bestF1(b, y));
    assert.throws(() => refitThreshold(rocGmean([0, 1], [0, 1]), b), /roc-gmean needs the labelled validation data/);
  });

  it('POT refuses too few excesses and bad options', () => {
    assert.throws(() => pot([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), /only 0 of 10 scores exceed|only \d+ of 10/);
    assert.throws(() => pot([1, 2, 3], { risk: 0 }), /risk must be in \(0, 1\)/);
    assert.throws(() => pot([1, NaN, 3]), /pot: score at step 1 is NaN/);
  });

  it('best F1 and ROC g-mean on labelled validation data, by hand', () => {
    // scores 0.1 0.4 0.35 0.8, labels 0 0 1 1. Cuts (flag >= v):
    //   v=0.8:  TP 1 FP 0 -> F1 2/3,  TPR 1/2 FPR 0   -> g = sqrt(1/2)
    //   v=0.4:  TP 1 FP 1 -> F1 1/2,  TPR 1/2 FPR 1/2 -> g = 1/2
    //   v=0.35: TP 2 FP 1 -> F1 4/5,  TPR 1   FPR 1/2 -> g = sqrt(1/2)
    //   v=0.1:  TP 2 FP 2 -> F1 2/3,  TPR 1   FPR 1   -> g = 0
    // Best F1 0.8 at v=0.35: threshold midway to the next lower score, (0.35+0.1)/2 = 0.225.
    // Best g-mean: a tie between v=0.8 and v=0.35; the higher threshold wins: (0.8+0.4)/2 = 0.6.
    const s = [0.1, 0.4, 0.35, 0.8], y = [0, 0, 1, 1];
    const f = bestF1(s, y);
    close(f.value, 0.225, 1e-15, 'best-F1 threshold');
    close(f.params.f1 as number, 0.8, 1e-15, 'F1');
    close(pointMetrics(applyThreshold(s, f), y).f1, 0.8, 1e-15, 'F1 when applied');
    assert.equal(f.params.fittedOn, 'validation');
    const g = rocGmean(s, y);
    close(g.value, 0.6, 1e-15, 'g-mean threshold');
    close(g.params.gmean as number, Math.SQRT1_2, 1e-15, 'g-mean');
    assert.deepEqual([g.params.tpr, g.params.fpr], [0.5, 0]);
    assert.throws(() => bestF1([0.1, 0.2], [0, 0]), /must hold both normal and anomalous steps/);
    assert.throws(() => rocGmean([0.1, 0.2], [0, 1, 1]), /2 steps but labels have 3/);
  });
});
