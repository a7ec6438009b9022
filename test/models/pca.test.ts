// The pca model kind (models/pca) is the reports' PCA baseline made deployable: trained through
// the pipeline it scores every row as the bundle's PCA baseline does (bit for bit), so evaluate's
// model column equals its PCA column; it attributes by the last row's per-channel residuals,
// round-trips through the bundle, serves batch = stream, exports to ONNX (onnxruntime parity),
// and refuses bad configs with the field's name.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { data, pipeline } from '../..';
import { Scaler } from '../../lib/data/scaler';
import { pcaFromJSON } from '../../lib/detect/detector_bundle';
import { fitPca, pcaScores } from '../../lib/eval/baselines';
import { exportDetectorOnnx } from '../../lib/onnx/export/export';
import { verifyOnnx } from '../../lib/onnx/export/verify';
import { pcaKind } from '../../models/pca';
import { assertServedAlike, rows } from './classic_pipeline';



describe('pca model kind', function () {
  this.timeout(120000);
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-pca-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('train then evaluate gives the PCA column: the same scores, threshold and report', async () => {
    const fitted = await pipeline.fitDetector(rows(800, false, 1), { kind: 'pca', progress: false });
    try {
      const test = rows(400, true, 5);
      const scaled = Scaler.fromJSON(fitted.info.scaler).transform(test);
      const baseline = pcaScores(pcaFromJSON(fitted.info.pca!), scaled);
      const own = pipeline.scoreSeries(fitted, test);
      assert.deepEqual(own.scores, baseline.scores, 'every row scored as the baseline');
      assert.deepEqual(own.channelErrors, baseline.channelErrors, 'per-channel errors: the baseline\'s residuals');
      assert.deepEqual(fitted.info.threshold, fitted.info.pcaThreshold, 'the threshold fitted as the baseline\'s');
      assert.equal(fitted.info.errorScale, undefined, 'the score is the baseline\'s sum, not rescaled');
      const e = pipeline.evaluateDetector(fitted, test, { labels: test.labels! });
      assert.deepEqual(e.reports.map((r) => r.name), ['pca', 'random', 'PCA']);
      assert.deepEqual(e.reports[0].report, e.reports[2].report);
      assert.ok(e.reports[0].report.thresholdFree.aucRoc > 0.7, `planted faults rank high: AUC-ROC ${e.reports[0].report.thresholdFree.aucRoc}`);
    } finally {
      fitted.model.dispose();
    }
  });

  it('windows of rows: the baseline fitted on flattened windows, scored by their last row', async () => {
    const train = rows(500, false, 3);
    const fitted = await pipeline.fitDetector(train, { kind: 'pca', config: { window: 4, varianceExplained: 0.8 }, validation: 0.2, progress: false });
    try {
      const { train: head } = data.timeSplit(train, 0.2);
      const scaler = Scaler.fromJSON(fitted.info.scaler);
      const want = fitPca(scaler.transform(head), { window: 4, varianceExplained: 0.8 });
      const test = rows(200, true, 6);
      const s = pipeline.scoreSeries(fitted, test).scores;
      const b = pcaScores(want, scaler.transform(test)).scores;
      assert.deepEqual(s.subarray(3), b.subarray(3));
      assert.ok(s.subarray(0, 3).every(Number.isNaN), 'no score before the first full window');
    } finally {
      fitted.model.dispose();
    }
  });

  it('bundle round trip, Detector batch = stream, attribution to the planted channel', async () => {
    const fitted = await pipeline.fitDetector(rows(800, false, 1), { kind: 'pca', progress: false });
    const test = rows(300, false, 7);
    // An offset on channel d from row 200: the blamed channel there is d.
    for (let r = 200; r < 220; r++) test.data[r * 5 + 3] += 10;
    const path = join(dir, 'pca.vigil');
    try {
      const scores = await assertServedAlike(path, fitted, test);
      const quiet = Math.max(...scores.subarray(0, 200));
      assert.ok(scores[205] > 2 * quiet, `the offset scores above every normal row: ${scores[205]} vs ${quiet}`);
      const s = pipeline.scoreSeries(fitted, test);
      const errs = Array.from(s.channelErrors.subarray(205 * 5, 206 * 5));
      assert.equal(errs.indexOf(Math.max(...errs)), 3, `channel d carries the largest residual: ${errs}`);
    } finally {
      fitted.model.dispose();
    }
  });

  it('exports to ONNX: onnxruntime equals the native scores within 1e-4', async () => {
    const fitted = await pipeline.fitDetector(rows(600, false, 2), { kind: 'pca', config: { window: 2 }, progress: false });
    try {
      const bytes = exportDetectorOnnx(fitted);
      // 32 windows of 2 scaled-like rows, faults included (large residuals).
      const r = await verifyOnnx(fitted.model, bytes, rows(64, true, 9).data, 32);
      assert.deepEqual(r.compared.map((c) => c.output), ['channel_errors', 'scores']);
      assert.ok(r.ok, `onnxruntime vs native within 1e-4 + 1e-4 |native|: ${JSON.stringify(r.compared)}`);
    } finally {
      fitted.model.dispose();
    }
  });

  it('refuses bad configs with the field and what it must be', () => {
    assert.throws(() => pcaKind.create(pcaKind.defaultConfig(5, { window: 0 })), /pca: window must be a positive integer, got 0/);
    assert.throws(() => pcaKind.create(pcaKind.defaultConfig(5, { varianceExplained: 1.5 })), /pca: varianceExplained must be a number in \(0, 1\], got 1.5/);
    assert.throws(() => pcaKind.create(pcaKind.defaultConfig(100, { window: 50 })), /at most 40 rows for 100 channels/);
  });
});
