// Hundman et al.'s dynamic threshold (lib/eval/dynamic_threshold.ts, fitted by lib/calibrate):
// the EWMA, the z search, the pruning and the causal row-by-row rule against numbers worked by
// hand, its state through JSON, the fit and the calibrator's errors.
import { strict as assert } from 'node:assert';

import { calibrator, runCalibrator } from '../../lib/calibrate/calibrators';
import { applyThreshold, defaultThreshold, fitDynamicThreshold, refitThreshold } from '../../lib/calibrate/thresholds';
import {
  anomalousSequences, checkDynamicRule, DynamicThresholdState, dynamicFlags, dynamicRuleOf, ewma, Ewma, judgeWindow,
  parseZGrid, pruneSequences, windowThreshold, type DynamicThresholdRule,
} from '../../lib/eval/dynamic_threshold';
import { rowFlags } from '../../lib/eval/rows_report';
import { UsageError } from '../../lib/options';
import { philoxUniform } from '../helpers/philox';

/** n exponential(1) scores (errors: >= 0, a long right tail). */
const errors = (n: number, seed: number) => Float64Array.from(philoxUniform(n, seed), (u) => -Math.log(1 - u));
const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
const GRID = [1, 1.5, 2, 2.5, 3];

// Hand-worked window A, h = 8, no smoothing, grid {1, 1.5, 2, 2.5, 3}, p = 0.13:
//   e = [2, 2, 3, 3, 3, 1, 8, 10]: mu = 32 / 8 = 4; sum e^2 = 200, var = 200/8 - 16 = 9, sigma = 3.
//   z = 1:   eps = 7; above: 8, 10 (|e_a| = 2, one run); below [2,2,3,3,3,1]: mean 14/6 = 7/3,
//            var = 36/6 - 49/9 = 5/9, std = sqrt(5)/3;
//            criterion = ((4 - 7/3)/4 + (3 - sqrt(5)/3)/3) / (2 + 1^2) = (17/12 - sqrt(5)/9) / 3 = 0.389405
//   z = 1.5: eps = 8.5; above: 10 only; below [2,2,3,3,3,1,8]: mean 22/7, var = 100/7 - 484/49 =
//            216/49, std = 6 sqrt(6)/7; criterion = ((4 - 22/7)/4 + (3 - 6 sqrt(6)/7)/3) / (1 + 1)
//            = (3/14 + 1 - 2 sqrt(6)/7) / 2 = 0.257216
//   z = 2:   eps = 10, and 10 > 10 is false: nothing above, as for 2.5 and 3.
//   -> z = 1, eps = 7 (leaving the 8 out of the normal values pays more than its extra count),
//   one run, rows 6..7, max 10; pruning: e_max = [10, 3 (largest nominal)], d_1 = 0.7 > 0.13:
//   kept; the last row is in it: flagged.
const A = [2, 2, 3, 3, 3, 1, 8, 10];
// Hand-worked window B, same rule: e = [8, 11, 8, 9, 11, 11, 10, 12]: mu = 80/8 = 10,
// sum (e - mu)^2 = 4+1+4+1+1+1+0+4 = 16, sigma = sqrt(2). z = 1: eps = 10 + sqrt(2) = 11.414:
// above: the 12 only; z >= 1.5: eps >= 12.12, nothing. -> z = 1, one run (row 7, max 12);
// pruning: e_max = [12, 11], d_1 = 1/12 = 0.0833 < 0.13: no fall exceeds p, the run is nominal
// again and the last row is NOT flagged; with p = 0.05 it is kept and flagged.
const B = [8, 11, 8, 9, 11, 11, 10, 12];

describe('dynamic threshold (Hundman et al.)', () => {
  it('EWMA: the adjusted form, by hand (span 3: a = 1/2) and span 1 = no smoothing', () => {
    // [2, 4, 8]: 2; (4 + 2/2) / (1 + 1/2) = 10/3; (8 + 4/2 + 2/4) / (1 + 1/2 + 1/4) = 6.
    const e = ewma([2, 4, 8], 3);
    close(e[0], 2, 1e-15, 'e0');
    close(e[1], 10 / 3, 1e-15, 'e1');
    close(e[2], 6, 1e-15, 'e2');
    assert.deepEqual([...ewma([3, -1, 7.5], 1)], [3, -1, 7.5]);
    const one = new Ewma(3);
    assert.deepEqual([2, 4, 8].map((v) => one.push(v)), [...e]);
  });

  it('the z search on window A picks z = 1 (eps 7) by the criterion, worked by hand', () => {
    const t = windowThreshold(A, GRID);
    assert.equal(t.z, 1);
    assert.equal(t.epsilon, 7);
    close(t.criterion, (17 / 12 - Math.sqrt(5) / 9) / 3, 1e-12, 'criterion at z = 1');
    // Without z = 1 the next candidate wins, at its own hand-worked criterion.
    const t15 = windowThreshold(A, [3, 2, 1.5]);
    assert.equal(t15.z, 1.5);
    close(t15.criterion, (3 / 14 + 1 - (2 * Math.sqrt(6)) / 7) / 2, 1e-12, 'criterion at z = 1.5');
    // No z flags anything: no candidate; eps at the largest z.
    const none = windowThreshold(A, [2, 3]);
    assert.equal(none.z, null);
    assert.equal(none.epsilon, 4 + 3 * 3);
    assert.equal(windowThreshold([5, 5, 5, 5], GRID).z, null, 'a constant window has nothing above');
  });

  it('two runs: |E_seq|^2 in the criterion, by hand', () => {
    // [16, 1, 6, 16, 1, 3, 4, 1]: mu 6, sum (e - mu)^2 = 288, sigma 6. z = 1 and 1.5 (eps 12, 15)
    // put both 16s above: |e_a| = 2, two runs; below [1,6,1,3,4,1]: mean 8/3, var 64/6 - 64/9 =
    // 32/9, std 4 sqrt(2)/3; criterion = ((6 - 8/3)/6 + (6 - 4 sqrt(2)/3)/6) / (2 + 2^2)
    // = (7 - sqrt(2)) / 27 = 0.206881; z >= 2 (eps 18): nothing. Tie: z = 1.5.
    const t = windowThreshold([16, 1, 6, 16, 1, 3, 4, 1], GRID);
    assert.equal(t.z, 1.5);
    assert.equal(t.epsilon, 15);
    close(t.criterion, (7 - Math.sqrt(2)) / 27, 1e-12, 'criterion');
  });

  it('ties go to the larger z: the same values above give the same criterion', () => {
    // [1 x 9, 10]: mu 1.9, sigma 2.7; z = 1, 2 (eps 4.6, 7.3) both put only the 10 above; z = 3 (eps 10) nothing.
    const t = windowThreshold([1, 1, 1, 1, 1, 1, 1, 1, 1, 10], [1, 2, 3]);
    assert.equal(t.z, 2);
    close(t.epsilon, 7.3, 1e-12, 'eps');
  });

  it('runs above a threshold and the largest nominal value', () => {
    assert.deepEqual(anomalousSequences([0, 5, 6, 0, 7, 0, 9], 4), {
      sequences: [{ first: 1, last: 2, max: 6 }, { first: 4, last: 4, max: 7 }, { first: 6, last: 6, max: 9 }], nominalMax: 0,
    });
  });

  it('pruning, by hand: maxima [6, 10, 9.5], nominal 5.5', () => {
    // Sorted [10, 9.5, 6, 5.5]: d = 0.05, 3.5/9.5 = 0.368, 0.5/6 = 0.083. p = 0.13: the last d > p
    // is d_2, so the two runs above it (10, 9.5) stay and the 6 goes, though d_1 < p.
    assert.deepEqual(pruneSequences([6, 10, 9.5], 5.5, 0.13), [false, true, true]);
    assert.deepEqual(pruneSequences([6, 10, 9.5], 5.5, 0.4), [false, false, false], 'no fall > 0.4: all nominal');
    assert.deepEqual(pruneSequences([6, 10, 9.5], 5.5, 0), [true, true, true], 'p = 0: nothing pruned');
    assert.deepEqual(pruneSequences([8, 8], 2, 0.13), [true, true], 'equal maxima share a fate');
  });

  it('window A is flagged, window B is pruned (and kept with p = 0.05)', () => {
    const a = judgeWindow(A, { zGrid: GRID, minDecrease: 0.13 });
    assert.deepEqual(a.sequences, [{ first: 6, last: 7, max: 10, kept: true }]);
    assert.equal(a.flag, true);
    const b = judgeWindow(B, { zGrid: GRID, minDecrease: 0.13 });
    assert.equal(b.z, 1);
    close(b.epsilon, 10 + Math.sqrt(2), 1e-12, 'eps of B');
    assert.deepEqual(b.sequences, [{ first: 7, last: 7, max: 12, kept: false }]);
    assert.equal(b.flag, false);
    assert.equal(judgeWindow(B, { zGrid: GRID, minDecrease: 0.05 }).flag, true);
    // A kept run that does not reach the last row does not flag it.
    assert.equal(judgeWindow([...A.slice(1), 2], { zGrid: GRID, minDecrease: 0.13 }).flag, false);
  });

  const RULE: DynamicThresholdRule = { history: 8, span: 1, zGrid: GRID, minDecrease: 0.13, fallback: 7.5 };

  it('row by row: the fallback until the window fills, then window A, then the next window', () => {
    // Rows 0..6 have fewer than 8 values: flag = score > 7.5, so only row 6 (8). Row 7: window A,
    // flagged. Row 8 (score 2): window [2,3,3,3,1,8,10,2] has mu 4, sigma 3 again (sum e^2 = 200),
    // z = 1, eps 7, its run is rows 5..6 of the window, not the last row: not flagged.
    assert.deepEqual([...dynamicFlags([...A, 2], RULE)], [0, 0, 0, 0, 0, 0, 1, 1, 0]);
    // With fallback 10.5 nothing before row 7 is flagged, and row 7 (10 < 10.5) only by window A.
    assert.deepEqual([...dynamicFlags([...A, 2], { ...RULE, fallback: 10.5 })], [0, 0, 0, 0, 0, 0, 0, 1, 0]);
    // Smoothing applies before the fallback and the window: span 3 on a jump 0 -> 9 gives 6, 7.7, ...
    assert.deepEqual([...dynamicFlags([0, 9, 9, 9], { ...RULE, span: 3 })], [0, 0, 1, 1]);
  });

  it('is causal: a row\'s flag never depends on later rows', () => {
    const s = errors(300, 5).map((v, i) => v + (i % 97 === 50 ? 8 : 0));
    const rule = { ...RULE, history: 40, span: 3, zGrid: parseZGrid('2.5,3,3.5,4,5') };
    const all = dynamicFlags(s, rule);
    assert.ok(all.some((f) => f) && all.some((f) => !f), 'both flags occur');
    for (const k of [1, 39, 40, 41, 123, 299]) assert.deepEqual([...dynamicFlags(s.subarray(0, k), rule)], [...all.subarray(0, k)], `first ${k} rows`);
  });

  it('row by row equals judging each full window of the smoothed series (the skip of the search is exact)', () => {
    const s = errors(400, 9).map((v, i) => v + (i > 200 && i < 206 ? 4 : 0));
    const rule = { ...RULE, history: 50, span: 2, zGrid: parseZGrid('3,2,2.5,4') };
    const flags = dynamicFlags(s, rule);
    const e = ewma(s, rule.span);
    let n = 0;
    for (let t = rule.history - 1; t < s.length; t++) {
      const want = judgeWindow(e.subarray(t - rule.history + 1, t + 1), rule).flag ? 1 : 0;
      assert.equal(flags[t], want, `row ${t}`);
      n += want;
    }
    assert.ok(n > 0, 'some windows flag their last row');
  });

  it('state through JSON resumes exactly, before and after the window fills; non-finite scores pass', () => {
    const s = Array.from(errors(120, 6), (v, i) => v * (i > 80 && i < 86 ? 6 : 1));
    s[30] = NaN;
    const rule = { ...RULE, history: 25, span: 2.5 };
    const all = dynamicFlags(s, rule);
    assert.equal(all[30], 0, 'NaN is not flagged');
    for (const cut of [0, 10, 24, 25, 26, 31, 90]) {
      const a = new DynamicThresholdState(rule);
      for (let i = 0; i < cut; i++) a.push(s[i]);
      const b = new DynamicThresholdState(rule, JSON.parse(JSON.stringify(a)));
      assert.deepEqual(s.slice(cut).map((v) => b.push(v)), [...all.subarray(cut)], `resumed at ${cut}`);
    }
    assert.throws(() => new DynamicThresholdState(rule, { sum: 0, weight: 2, recent: [] }), /weight in \[0, 1\]/);
    assert.throws(() => new DynamicThresholdState(rule, { sum: 0, weight: 1, recent: new Array(26).fill(1) }), /at most 25/);
  });

  it('fit: the fallback is train\'s default threshold on the smoothed scores; the rule is stored as params', () => {
    const s = Float32Array.from(errors(400, 7));
    const t = fitDynamicThreshold(s, { history: 100, span: 5, zGrid: '3,2.5', minDecrease: 0.13, risk: 1e-3 });
    assert.equal(t.method, 'dynamic');
    assert.equal(t.value, defaultThreshold(ewma(s, 5), 1e-3).value);
    assert.deepEqual(dynamicRuleOf(t), { history: 100, span: 5, zGrid: [2.5, 3], minDecrease: 0.13, fallback: t.value });
    assert.equal(t.params.judgedByWindow, 301);
    const flags = applyThreshold(s, t);
    assert.deepEqual(flags, dynamicFlags(s, dynamicRuleOf(t)));
    assert.equal(t.params.flaggedFraction, flags.reduce((a, b) => a + b, 0) / 400);
    assert.deepEqual(rowFlags(s, t), flags, 'rows reports apply the rule too');
    // refit: the same options on other scores.
    const other = Float32Array.from(s, (v) => 2 * v);
    assert.deepEqual(refitThreshold(t, other), fitDynamicThreshold(other, { history: 100, span: 5, zGrid: [2.5, 3], minDecrease: 0.13, risk: 1e-3 }));
  });

  it('bad options and bad bundles give clear errors', () => {
    const s = new Float32Array(50).fill(1); // constant: no tail for the fallback's POT
    const fit = (o: Record<string, unknown>) => runCalibrator('dynamic', { scores: s, gaussians: () => null }, o);
    assert.throws(() => fit({ history: 1 }), (e: Error) => e instanceof UsageError && /--history must be an integer >= 2/.test(e.message));
    assert.throws(() => fit({ span: 0.5 }), /--span must be a number >= 1/);
    assert.throws(() => fit({ 'z-grid': '2,x' }), /--z-grid must be comma-separated numbers >= 0, got "2,NaN"/);
    assert.throws(() => fit({ 'z-grid': '' }), /--z-grid must be/);
    assert.throws(() => fit({ 'min-decrease': 1 }), /--min-decrease must be in \[0, 1\)/);
    assert.throws(() => fit({}), /dynamic threshold: the fallback for the first rows: pot: only 0 of 50 scores exceed/);
    assert.throws(() => runCalibrator('dynamic', { scores: Float32Array.of(1, -2, 3), gaussians: () => null }), /scores must be errors \(>= 0\), score 1 is -2/);
    assert.throws(() => dynamicRuleOf({ value: 1, params: { history: 8, span: 1, minDecrease: 0.1 } }), /params.zGrid must be comma-separated/);
    assert.throws(() => dynamicRuleOf({ value: NaN, params: { history: 8, span: 1, zGrid: '1', minDecrease: 0.1 } }), /value \(the fallback\) must be a finite threshold/);
    assert.throws(() => checkDynamicRule({ ...RULE, history: 2.5 }), /history must be an integer/);
    assert.match(calibrator('dynamic').summary, /Hundman/);
  });

  it('the calibrator describes what it fitted and how the rule does on the calibration rows', () => {
    const s = Float32Array.from(errors(300, 8));
    const r = runCalibrator('dynamic', { scores: s, gaussians: () => null }, { history: 100, span: 5 });
    assert.equal(r.section, 'threshold');
    assert.match(r.describe('val.csv'), /^dynamic threshold \(Hundman et al\.\): windows of 100 scores smoothed with EWMA span 5, z 2\.5\.\.12, pruning p 0\.13; fallback [\d.]+ \(pot on 300 smoothed scores of val\.csv\)$/);
    assert.match(r.details![0], /flags [\d.]+% of 300, 201 of them judged by a full window$/);
    const short = runCalibrator('dynamic', { scores: s, gaussians: () => null });
    assert.match(short.details![0], /fewer rows than --history: the fallback judged all/);
  });
});
