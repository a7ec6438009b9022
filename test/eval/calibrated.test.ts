// Calibrated scores (lib/eval/calibrated.ts): the POT tail's probability integral transform is
// uniform (KS statistic) on draws from the fitted GPD and on fresh normal scores; a level means
// the same exceedance rate for two models with unrelated score scales; the threshold maps to
// 1 - risk; the edges (at or below t, a bounded tail, other methods, bad params).
import { strict as assert } from 'node:assert';

import { defaultThreshold, pot } from '../../lib/calibrate/thresholds';
import { calibratedScore, tailCalibration, type TailCalibration } from '../../lib/eval/calibrated';
import type { Threshold } from '../../lib/eval/threshold';
import { FuzzRng } from '../reliability/fuzz/rng';

/** n draws of a normal-data score model. */
function draw(seed: number, n: number, model: 'half-normal' | 'lognormal'): Float64Array {
  const rng = new FuzzRng(seed);
  return Float64Array.from({ length: n }, () => {
    const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    return model === 'half-normal' ? Math.abs(z) : 40 * Math.exp(0.5 * z); // another scale, another tail
  });
}

/** Kolmogorov-Smirnov statistic of a sample against Uniform(0, 1). */
function ksUniform(u: ArrayLike<number>): number {
  const s = Float64Array.from(u).sort();
  const m = s.length;
  let d = 0;
  for (let i = 0; i < m; i++) d = Math.max(d, (i + 1) / m - s[i], s[i] - i / m);
  return d;
}

/** The KS statistic's 1% critical value for m draws (asymptotic). */
const ks1 = (m: number) => 1.63 / Math.sqrt(m);

/** The calibrated values of the scores above t, mapped to (0, 1): (1 - calibrated) / q. */
function tailUniforms(c: TailCalibration, scores: ArrayLike<number>): number[] {
  const u: number[] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i] > c.initialThreshold) u.push((1 - calibratedScore(c, scores[i])) / c.tailShare);
  return u;
}

describe('calibrated scores', () => {
  const normal = draw(1, 50_000, 'half-normal');
  const threshold = pot(normal, { risk: 1e-3 });
  const c = tailCalibration(threshold)!;

  it('are uniform above the initial threshold on draws from the fitted GPD (KS)', () => {
    const rng = new FuzzRng(2);
    const m = 4000;
    const scores = Array.from({ length: m }, () => {
      const v = 1 - rng.next(); // in (0, 1]
      return c.initialThreshold + (Math.abs(c.shape) < 1e-12 ? -c.scale * Math.log(v) : (c.scale / c.shape) * (Math.pow(v, -c.shape) - 1));
    });
    const u = tailUniforms(c, scores);
    assert.ok(u.length > m * 0.99);
    const d = ksUniform(u);
    assert.ok(d < ks1(u.length), `KS ${d.toFixed(4)} >= ${ks1(u.length).toFixed(4)} (shape ${c.shape}, scale ${c.scale})`);
  });

  it('are uniform on (1 - q, 1) on fresh normal scores, and the share above t is q', () => {
    const fresh = draw(3, 50_000, 'half-normal');
    const u = tailUniforms(c, fresh);
    const q = c.tailShare, n = fresh.length;
    assert.ok(Math.abs(u.length / n - q) < 4 * Math.sqrt((q * (1 - q)) / n), `${u.length} of ${n} above t, expected ${q * n}`);
    const d = ksUniform(u);
    assert.ok(d < ks1(u.length), `KS ${d.toFixed(4)} >= ${ks1(u.length).toFixed(4)}`);
  });

  it('mean the same exceedance rate for models whose scores have unrelated scales', () => {
    for (const model of ['half-normal', 'lognormal'] as const) {
      const cal = tailCalibration(pot(draw(4, 50_000, model), { risk: 1e-3 }))!;
      const fresh = draw(5, 200_000, model);
      for (const p of [0.01, 0.002]) {
        let above = 0;
        for (const s of fresh) if (calibratedScore(cal, s) > 1 - p) above++;
        const rate = above / fresh.length, sd = Math.sqrt((p * (1 - p)) / fresh.length);
        assert.ok(Math.abs(rate - p) < 4 * sd + 0.15 * p, `${model}: ${rate} of normal scores above ${1 - p}, expected ${p}`);
      }
    }
  });

  it('map the POT threshold to 1 - risk (also the defaultThreshold train fits)', () => {
    assert.ok(Math.abs(calibratedScore(c, threshold.value) - (1 - 1e-3)) < 1e-12);
    const t = defaultThreshold(draw(6, 3000, 'lognormal'));
    assert.equal(t.method, 'pot');
    assert.ok(Math.abs(calibratedScore(tailCalibration(t)!, t.value) - (1 - (t.params.risk as number))) < 1e-12);
  });

  it('are 1 - q at or below the initial threshold, non-decreasing, NaN for NaN, 1 beyond a bounded tail', () => {
    assert.equal(calibratedScore(c, c.initialThreshold), 1 - c.tailShare);
    assert.equal(calibratedScore(c, -5), 1 - c.tailShare);
    assert.ok(Number.isNaN(calibratedScore(c, NaN)));
    let prev = -Infinity;
    for (let x = 0; x < 8; x += 0.01) {
      const v = calibratedScore(c, x);
      assert.ok(v >= prev && v < 1 + 1e-15, `at ${x}: ${v} after ${prev}`);
      prev = v;
    }
    const bounded: TailCalibration = { initialThreshold: 1, tailShare: 0.1, shape: -0.5, scale: 1 }; // the tail ends at t + 2
    assert.ok(Math.abs(calibratedScore(bounded, 2) - (1 - 0.1 * 0.25)) < 1e-15); // (1 - 0.5)^2 = 0.25
    assert.equal(calibratedScore(bounded, 3), 1);
    assert.equal(calibratedScore(bounded, 10), 1);
    const exponential: TailCalibration = { initialThreshold: 0, tailShare: 0.02, shape: 0, scale: 2 };
    assert.ok(Math.abs(calibratedScore(exponential, 2) - (1 - 0.02 * Math.exp(-1))) < 1e-15);
  });

  it('exist only for a POT threshold; a POT threshold with broken params is an error', () => {
    for (const method of ['quantile', 'mean-std', 'fixed', 'false-alarm-budget', 'best-f1'] as const)
      assert.equal(tailCalibration({ value: 1, method, params: {} }), null);
    const broken: Threshold = { ...threshold, params: { ...threshold.params, scale: -1 } };
    assert.throws(() => tailCalibration(broken), /a pot threshold needs finite params initialThreshold, shape, scale > 0/);
    assert.throws(() => tailCalibration({ ...threshold, params: { ...threshold.params, excesses: null } }), /0 < excesses <= n/);
  });
});
