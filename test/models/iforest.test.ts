// The iforest model kind (models/iforest): c(n) and path lengths worked by hand on a tiny tree,
// the window features, one forest per seed, planted faults scored above normal rows through
// the pipeline, bundle round trip and batch = stream, attribution, and the refusals (ONNX,
// configs).
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pipeline } from '../..';
import { exportDetectorOnnx } from '../../lib/onnx/export/export';
import {
  anomalyScore, averagePathLength, growTree, heightLimit, iforestKind, LEAF, nodesPerTree, pathLength, UNUSED, windowFeatures, type Forest,
} from '../../models/iforest';
import { assertServedAlike, rows } from './classic_pipeline';

const GAMMA = 0.5772156649015329;


const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

describe('iforest: the forest by hand', () => {
  it('c(n): 0, 1, then 2 H(n-1) - 2(n-1)/n; the height limit and tree size', () => {
    assert.equal(averagePathLength(0), 0);
    assert.equal(averagePathLength(1), 0);
    assert.equal(averagePathLength(2), 1);
    close(averagePathLength(3), 2 * (Math.log(2) + GAMMA) - 4 / 3, 'c(3)');
    close(averagePathLength(256), 10.244770920119917, 'c(256)'); // 2 (ln 255 + gamma) - 510/256, by numpy
    assert.equal(heightLimit(256), 8);
    assert.equal(heightLimit(200), 8);
    assert.equal(nodesPerTree(256), 511);
    assert.equal(nodesPerTree(4), 7);
  });

  it('a tree of four points grown with given numbers: its splits, leaves and path lengths', () => {
    // Points 0, 1, 2, 10 on one feature, psi 4 (height limit 2). Root: u = 0.5 cuts at 5,
    // isolating 10; node 1 {0, 1, 2}: u = 0.25 cuts at 0.5, isolating 0; node 4 {1, 2} is at the
    // limit: a leaf of size 2.
    const forest: Forest = { trees: 1, nodes: 7, psi: 4, feature: new Float64Array(7), threshold: new Float64Array(7), size: new Float64Array(7) };
    growTree(forest, 0, [0, 1, 2, 10], 1, Int32Array.from([3, 0, 1, 2]), [0.1, 0.5, 0.9, 0.25]);
    assert.deepEqual(Array.from(forest.feature), [0, 0, LEAF, LEAF, LEAF, UNUSED, UNUSED]);
    assert.deepEqual(Array.from(forest.threshold.subarray(0, 2)), [5, 0.5]);
    assert.deepEqual(Array.from(forest.size), [4, 3, 1, 1, 2, 0, 0]);
    assert.equal(pathLength(forest, 0, [10], 0), 1); // depth 1, c(1) = 0
    assert.equal(pathLength(forest, 0, [0], 0), 2);
    assert.equal(pathLength(forest, 0, [1.5], 0), 3); // depth 2 + c(2) = 1
    const c4 = 2 * (Math.log(3) + GAMMA) - 6 / 4;
    close(anomalyScore(forest, [10], 0), 2 ** (-1 / c4), 's(10)');
    close(anomalyScore(forest, [1.5], 0), 2 ** (-3 / c4), 's(1.5)');
  });

  it('window features: last value, mean, population std per channel', () => {
    const f = windowFeatures([1, 2, 3, 4, 5, 9], 1, 3, 2);
    assert.deepEqual(Array.from(f.subarray(0, 4)), [5, 9, 3, 5]);
    close(f[4], Math.sqrt(8 / 3), 'std a');
    close(f[5], Math.sqrt(26 / 3), 'std b');
  });
});

describe('iforest model kind', function () {
  this.timeout(120000);
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-iforest-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const config = { window: 5, trees: 50, subsample: 128 };

  it('one forest per seed: the same seed grows it again, another seed another', async () => {
    const train = rows(600, false, 1);
    const fit = (seed: number) => pipeline.fitDetector(train, { kind: 'iforest', config, seed, progress: false });
    const [a, b, c] = [await fit(3), await fit(3), await fit(4)];
    try {
      const state = (d: typeof a) => [...d.model.stateDict()].map(([n, t]) => [n, Array.from(t.toArray())]);
      assert.deepEqual(state(a), state(b));
      assert.notDeepEqual(state(a), state(c));
      assert.deepEqual(a.info.threshold, b.info.threshold);
    } finally {
      for (const d of [a, b, c]) d.model.dispose();
    }
  });

  it('planted faults score above normal rows; round trip, batch = stream, attribution', async () => {
    const fitted = await pipeline.fitDetector(rows(1000, false, 1), { kind: 'iforest', config, seed: 0, progress: false });
    try {
      const test = rows(500, true, 5);
      const e = pipeline.evaluateDetector(fitted, test, { labels: test.labels! });
      assert.deepEqual(e.reports.map((r) => r.name), ['iforest', 'random', 'PCA']);
      // The synthetic faults are subtle for a forest of per-channel features (a sensor frozen at
      // a normal level, a channel decoupled from the others: PCA's AUC-ROC is 0.78): 0.64 with
      // this seed against the random score's 0.51; above chance is what is asserted.
      const auc = e.reports[0].report.thresholdFree.aucRoc;
      assert.ok(auc > 0.6 && auc > e.reports[1].report.thresholdFree.aucRoc + 0.1, `AUC-ROC of the planted faults ${auc}`);
      assert.equal(fitted.info.errorScale, undefined, 'the forest\'s score is used as it is');

      // An offset on every channel, largest on d: isolated at once by any split, blamed on d
      // (the last row's deviation from the median). An offset on d alone (7.7 training stds)
      // scores only 0.55 against a normal maximum of 0.57 here: a split on one of d's 3 of the 15
      // features separates it, the others do not (docs/models/iforest.md).
      const shifted = rows(300, false, 7);
      for (let r = 200; r < 220; r++) for (let c = 0; c < 5; c++) shifted.data[r * 5 + c] += c === 3 ? 20 : 10;
      const scores = await assertServedAlike(join(dir, 'iforest.vigil'), fitted, shifted);
      assert.ok(scores[210] > Math.max(...scores.subarray(4, 200)), 'the offset scores above every normal row');
      const errs = Array.from(pipeline.scoreSeries(fitted, shifted).channelErrors.subarray(210 * 5, 211 * 5));
      assert.equal(errs.indexOf(Math.max(...errs)), 3, `channel d is blamed: ${errs}`);
      assert.throws(() => exportDetectorOnnx(fitted), /iforest: no ONNX export .*native backend/);
    } finally {
      fitted.model.dispose();
    }
  });

  it('refuses bad configs with the field and what it must be', () => {
    assert.throws(() => iforestKind.create(iforestKind.defaultConfig(5, { trees: 0 })), /iforest: trees must be an integer in \[1, 10000\], got 0/);
    assert.throws(() => iforestKind.create(iforestKind.defaultConfig(5, { subsample: 1 })), /iforest: subsample must be an integer in \[2, 4096\], got 1/);
    assert.throws(() => iforestKind.create(iforestKind.defaultConfig(5, { window: 2.5 })), /iforest: window must be/);
  });
});
