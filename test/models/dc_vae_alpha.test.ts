// Per-channel alpha thresholds (lib/calibrate/alpha.ts) on hand examples, and range-based
// precision/recall (lib/eval/range_pr.ts) against values worked out by hand from Tatbul et
// al.'s definitions.
import { strict as assert } from 'node:assert';

import {
  alphaFlags, alphaScores, alphasFromJSON, alphasToJSON, fitAlphasBudget, fitAlphasF1, normalisedResiduals, type GaussianRows,
} from '../../lib/calibrate/alpha';
import { lastStepGaussians } from '../../lib/pipeline/gaussians';
import { rangeMetrics, rangePrecision, rangeRecall } from '../../lib/eval/range_pr';
import { Windows } from '../../lib/data/windows';
import { dcVaeKind } from '../../models/dc_vae';
import { Generator } from '../../lib/random';
import { Tensor, tidy } from '../../lib/tensor';

/** Rows whose normalised residuals are r (row-major [n, C]), with mu = 1 and sigma = 2. */
function rowsFromResiduals(r: number[], channels: number): GaussianRows {
  const n = r.length / channels;
  return {
    rows: n, channels,
    mu: new Float32Array(r.length).fill(1),
    sigma: new Float32Array(r.length).fill(2),
    x: Float32Array.from(r, (v) => 1 + 2 * v),
  };
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

describe('DC-VAE alpha thresholds', () => {
  it('flags x outside [mu - down*sigma, mu + up*sigma], per channel and overall', () => {
    const g = rowsFromResiduals([0.5, -2.5, 3.1, 0, -1, 0, 0, 2.9], 2);
    const { flags, channelFlags } = alphaFlags(g, { up: [3, 1], down: [2, Infinity], method: 'fixed', params: {} });
    assert.deepEqual([...channelFlags], [0, 0, 1, 0, 0, 0, 0, 1]);
    assert.deepEqual([...flags], [0, 1, 0, 1]);
    // The alpha-normalised score is above 1 exactly at the flagged steps.
    const sc = alphaScores(g, { up: [3, 1], down: [2, Infinity], method: 'fixed', params: {} });
    assert.deepEqual([...sc].map((v) => (v > 1 ? 1 : 0)), [...flags]);
    assert.ok(Math.abs(sc[0] - 0.5 / 3) < 1e-6, 'step 0: 0.5 against up 3 (-2.5 against an infinite down)');
    assert.ok(Math.abs(sc[1] - 3.1 / 3) < 1e-6, 'step 1: 3.1 against up 3');
    assert.ok(Math.abs(sc[3] - 2.9) < 1e-6, 'step 3: 2.9 against up 1');
    assert.throws(() => alphaFlags(g, { up: [3], down: [2], method: 'fixed', params: {} }), /1\/1 alphas for 2 channels/);
  });

  it('per-channel labels: picks each channel\'s F1-best pair on the grid, ties to the larger alpha', () => {
    // channel 0: anomalies at r = 3.5 and -4.5; normal extremes 2.5 and -2.5
    // channel 1: labelled nothing it can see (F1 0 everywhere) -> keeps the largest alphas
    const r0 = [0.1, -0.2, 3.5, 0.3, -4.5, 0.0, 2.5, -2.5];
    const r1 = [0, 0, 0, 9, 0, 0, 0, 0];
    const l0 = [0, 0, 1, 0, 1, 0, 0, 0], l1 = [0, 1, 0, 0, 0, 0, 0, 0];
    const g = rowsFromResiduals(r0.flatMap((v, i) => [v, r1[i]]), 2);
    const a = fitAlphasF1(g, { perChannel: Uint8Array.from(l0.flatMap((v, i) => [v, l1[i]])) });
    // up must lie in [2.5, 3.5): only 3 on the grid; down in [2.5, 4.5): 3 or 4, the larger kept.
    assert.deepEqual(a.up, [3, 7]);
    assert.deepEqual(a.down, [4, 7]);
    assert.deepEqual(a.channelF1, [1, 0]);
    assert.equal(a.method, 'best-f1');
    assert.equal(a.params.labels, 'per-channel');
  });

  it('global labels: fits the channels jointly, switching off a channel that only adds false alarms', () => {
    const n = 12, labels = new Uint8Array(n);
    labels[2] = 1;
    labels[6] = 1;
    const small = (t: number) => 0.5 * (t % 2 ? 1 : -1);
    const r: number[] = [];
    for (let t = 0; t < n; t++) r.push(t === 2 ? 5 : small(t), t === 6 ? -6 : small(t), t === 9 ? 8 : t === 10 ? -8 : small(t));
    const a = fitAlphasF1(rowsFromResiduals(r, 3), { global: labels });
    assert.deepEqual(a.up, [4, Infinity, Infinity]);
    assert.deepEqual(a.down, [Infinity, 5, Infinity]);
    assert.equal(a.params.f1, 1);
    const json = JSON.parse(JSON.stringify(alphasToJSON(a)));
    assert.deepEqual(json.up, [4, null, null]);
    assert.deepEqual(alphasFromJSON(json).down, [Infinity, 5, Infinity]);
  });

  it('range-based F1 can choose other alphas than point F1', () => {
    // One event [2, 10) whose first step stands out (4.5) and whose rest sits at 3.5, and four
    // single-step false alarms at 3.5. Point F1: alpha 3 gives 8 TP / 4 FP (F1 0.8) against 1 TP
    // at alpha 4 (F1 0.22). Range F1 with front bias: alpha 4 catches the event's first step
    // (recall 8/36, precision 1: F1 0.364); alpha 3 covers it all but 4 of its 5 predicted
    // ranges miss (precision 0.2: F1 0.333).
    const r = [0, 0, 4.5, 3.5, 3.5, 3.5, 3.5, 3.5, 3.5, 3.5, 0, 3.5, 0, 3.5, 0, 3.5, 0, 3.5, 0, 0];
    const l = r.map((_, t) => (t >= 2 && t < 10 ? 1 : 0));
    const g = rowsFromResiduals(r, 1);
    const point = fitAlphasF1(g, { perChannel: Uint8Array.from(l) }, { grid: [4, 3] });
    const range = fitAlphasF1(g, { perChannel: Uint8Array.from(l) }, { grid: [4, 3], metric: 'range', range: { bias: 'front' } });
    assert.equal(point.up[0], 3);
    close(point.channelF1![0], 0.8, 'point F1');
    assert.equal(range.up[0], 4);
    close(range.channelF1![0], 16 / 44, 'range F1');
    assert.equal(range.params.rangeBias, 'front');
  });

  it('label-free: per channel one alpha flagging at most fraction / C of the calibration steps by |r|', () => {
    const n = 1000;
    const r: number[] = [];
    // channel 0 symmetric, channel 1 always positive (a model that over-predicts): its alpha
    // must not flag every negative residual at test time, as a one-sided budget would
    for (let t = 0; t < n; t++) r.push(-4.9993 + (10 * t) / (n - 1), 0.5 + (4 * ((t * 7) % n)) / (n - 1)); // no ties in |r|
    const g = rowsFromResiduals(r, 2);
    const a = fitAlphasBudget(g, 0.01); // per channel 0.005: at most 5 of the 1000 steps
    const rr = normalisedResiduals(g); // r as float32 rows give it back
    for (let c = 0; c < 2; c++) {
      let flagged = 0;
      for (let t = 0; t < n; t++) if (Math.abs(rr[t * 2 + c]) > a.up[c]) flagged++;
      assert.equal(flagged, 5, `channel ${c}`);
      assert.equal(a.up[c], a.down[c]);
    }
    assert.ok(a.up[1] > 4.4 && a.up[1] < 4.5, `channel 1 alpha ${a.up[1]}`);
    assert.ok((a.params.flaggedFraction as number) <= 0.01);
    assert.equal(a.method, 'false-alarm-budget');
    assert.throws(() => fitAlphasBudget(g, 2), /fraction must be in \[0, 1\]/);
  });

  it('lastStepGaussians reads x, mu, sigma at each window\'s last row, as the model scores it', () => {
    const model = dcVaeKind.create(dcVaeKind.defaultConfig(2, { window: 6 }), new Generator(1));
    const data = new Generator(2).normal([20, 2]).toArray() as Float32Array;
    const windows = new Windows({ columns: ['a', 'b'], data, rows: 20 }, { length: 6 });
    const g = lastStepGaussians(model, windows, 4);
    assert.equal(g.rows, 15);
    assert.deepEqual([...g.x.subarray(0, 2)], [...data.subarray(10, 12)]);
    tidy(() => {
      const errs = model.channelErrors(Tensor.fromArray(windows.batch([3]), [1, 6, 2])).toArray();
      for (let c = 0; c < 2; c++) {
        const e = Math.abs(g.x[6 + c] - g.mu[6 + c]) / g.sigma[6 + c];
        assert.ok(Math.abs(e - errs[c]) < 1e-5 * (1 + errs[c]), `channel ${c}: ${e} vs ${errs[c]} (float32)`);
      }
    });
    model.dispose();
  });
});

describe('range-based precision and recall (Tatbul et al. 2018)', () => {
  const labels = [0, 1, 1, 1, 1, 0, 0, 1, 1, 0];
  const flags = [0, 0, 1, 1, 0, 0, 0, 0, 1, 1];

  it('flat bias: overlap shares', () => {
    // R1 [1,5) half covered, R2 [7,9) half covered; P1 [2,4) inside R1, P2 [8,10) half inside R2
    close(rangeRecall(labels, flags), 0.5, 'recall');
    close(rangePrecision(labels, flags), 0.75, 'precision');
    close(rangeMetrics(labels, flags).f1, 0.6, 'f1');
  });

  it('front and back bias weight the positions inside each range', () => {
    close(rangeRecall(labels, flags, { bias: 'front' }), (5 / 10 + 1 / 3) / 2, 'front recall');
    close(rangePrecision(labels, flags, { bias: 'front' }), (1 + 2 / 3) / 2, 'front precision');
    close(rangeRecall(labels, flags, { bias: 'back' }), (5 / 10 + 2 / 3) / 2, 'back recall');
    close(rangeRecall(labels, flags, { bias: 'middle' }), (((2 + 2) / 6) + 1 / 2) / 2, 'middle recall');
  });

  it('cardinality and the existence reward', () => {
    const l = [1, 1, 1, 1, 1, 1, 0], f = [0, 1, 0, 1, 0, 0, 0];
    close(rangeRecall(l, f), 2 / 6, 'cardinality one');
    close(rangeRecall(l, f, { cardinality: 'reciprocal' }), 1 / 6, 'reciprocal: 1/2 * 2/6');
    close(rangeRecall(l, f, { alpha: 1 }), 1, 'existence only');
    close(rangeRecall(l, f, { alpha: 0.5 }), 0.5 + 0.5 * (2 / 6), 'half existence');
  });

  it('no real range: recall 0; no predicted range: precision 0; bad options are errors', () => {
    assert.equal(rangeRecall([0, 0, 0], [1, 0, 0]), 0);
    assert.equal(rangePrecision([0, 1, 0], [0, 0, 0]), 0);
    assert.equal(rangeMetrics([0, 1, 0], [0, 0, 0]).f1, 0);
    assert.throws(() => rangeRecall([0, 1], [0]), /labels have 2 steps, flags 1/);
    assert.throws(() => rangeRecall([0, 1], [0, 1], { bias: 'sideways' as any }), /bias must be one of/);
  });
});
