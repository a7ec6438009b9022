// STAEAD through lib's pipeline: fit a detector (default config, scaled rows -> Pearson matrix
// series), save and reload it (same scores), stream = batch (rows pushed one at a time through
// lib/data's MatrixSeriesStream score as the batch does), calibrate by the seed's max-scale rule
// and by POT, evaluate; the Detector and its stream on the same bundle; and the max-scale rule
// itself on hand-made scores.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import '../../models';
import { assertDetectorMatchesPipeline } from '../helpers/detector_parity';
import { plantSeries } from '../helpers/plant_series';
import { noGrad } from '../../lib/autograd/grad_mode';
import { MatrixSeriesStream } from '../../lib/data/correlation_stream';
import { Scaler } from '../../lib/data/scaler';
import { loadDetector } from '../../lib/detect/detector_bundle';
import { calibrateDetector, saveCalibration } from '../../lib/pipeline/calibrate';
import { evaluateDetector } from '../../lib/pipeline/evaluate';
import { fitDetector, saveFitted } from '../../lib/pipeline/fit';
import { scoreSeries } from '../../lib/pipeline/score';
import { Tensor, tidy } from '../../lib/tensor';
import { maxScaleThreshold, seedSearch, type Staead } from '../../models/staead';

const COLUMNS = ['a', 'b', 'c', 'd'];

const rows = (n: number, faults: boolean, seed: number, start = 0) => plantSeries(COLUMNS, n, { plantSeed: 3, seed, faults, start });

describe('staead: through the pipeline', function () {
  this.timeout(60000);
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-staead-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('fit (default threshold), save, reload, stream = batch, calibrate by max-scale, evaluate', async () => {
    const fitted = await fitDetector(rows(700, false, 1), { kind: 'staead', epochs: 2, batchSize: 32, lr: 3e-3, seed: 2, progress: false });
    const context = 3 * 10 + 30;
    assert.equal(fitted.info.windows.length, context);
    assert.equal(fitted.info.errorScale, undefined, 'the seed thresholds the raw norm: no per-channel error scale');
    assert.ok(fitted.fitted.result.history.length >= 1);
    assert.ok(['pot', 'quantile'].includes(fitted.info.threshold.method), `the default rule of every kind (${fitted.info.threshold.method})`);
    const path = join(dir, 'staead.vigil');
    saveFitted(path, fitted);

    const test = rows(400, true, 5, 700);
    const before = scoreSeries(fitted, test);
    fitted.model.dispose();
    const det = loadDetector(path);
    try {
      const batch = scoreSeries(det, test);
      assert.deepEqual(batch.scores, before.scores, 'the reloaded bundle scores as the fitted model did');
      for (let r = 0; r < test.rows; r++) assert.equal(Number.isNaN(batch.scores[r]), r < context - 1, `row ${r}`);
      assert.ok(batch.channelErrors.subarray((context - 1) * 4).every((v) => Number.isFinite(v) && v >= 0), 'every scored row names sensors');

      // Stream = batch: the scaled rows pushed one at a time, each emitted sample scored alone.
      const model = det.model as Staead;
      const stream = new MatrixSeriesStream(4, model.input as never);
      const scaled = Scaler.fromJSON(det.info.scaler).transform(test);
      let emitted = 0, worst = 0;
      noGrad(() => {
        for (let r = 0; r < test.rows; r++) {
          const sample = stream.push(scaled.data.subarray(r * 4, r * 4 + 4));
          assert.equal(sample !== null, r >= context - 1, `row ${r}: a sample ends here iff the context is full`);
          if (!sample) continue;
          emitted++;
          const s = tidy(() => model.scores(Tensor.fromArray(sample, [1, ...model.sampleShape])).item());
          worst = Math.max(worst, Math.abs(s - batch.scores[r]) / (1 + Math.abs(batch.scores[r])));
        }
      });
      assert.equal(emitted, test.rows - context + 1);
      assert.ok(worst < 1e-5, `stream vs batch: relative difference ${worst}`);

      // The Detector (the model builds its matrices from windows of rows): its batch scores, and
      // its stream's decisions row by row, equal the pipeline's; blamed channels are the data's.
      await assertDetectorMatchesPipeline(path, test, batch.scores, context);

      // The seed's rule with a given c on normal calibration rows: c x their largest score.
      const calib = rows(300, false, 8, 1100);
      const c = calibrateDetector(det, calib, 'max-scale', { options: { c: 1.5 } });
      const normal = scoreSeries(det, calib).scores.subarray(context - 1);
      const tau0 = Math.max(...normal);
      assert.equal(c.section, 'threshold');
      assert.ok(Math.abs((c.value as { value: number }).value - 1.5 * tau0) < 1e-6 * tau0);
      assert.match(c.describe('calib'), /max-scale: 1\.5 x [\d.]+, the largest score of the rows/);
      assert.ok(c.pca && 'threshold' in c.pca, 'the PCA baseline gets the same rule');
      saveCalibration(path, c);
      const withMax = loadDetector(path);
      try {
        assert.equal(withMax.info.threshold.params.rule, 'max-scale');
        const e = evaluateDetector(withMax, test, { labels: test.labels! });
        assert.deepEqual(e.reports.map((r) => r.name), ['staead', 'random', 'PCA']);
        assert.ok(Number.isFinite(e.reports[0].report.thresholdFree.aucRoc));
      } finally {
        withMax.model.dispose();
      }
      // Labelled calibration data: c from the seed's search on the rows after the split.
      const labelled = rows(400, true, 9, 1400);
      const l = calibrateDetector(det, labelled, 'max-scale', { labels: labelled.labels });
      const p = (l.value as { params: Record<string, unknown> }).params;
      assert.ok(p.chosenBy === 'best-f1' || p.chosenBy === 'false-alarm-budget', String(p.chosenBy));
      assert.ok((p.c as number) >= 1);
      assert.throws(() => calibrateDetector(det, calib, 'alpha'), /needs a model with per-channel Gaussian outputs/);
    } finally {
      det.model.dispose();
    }
  });
});

describe('staead: the max-scale threshold rule', () => {
  const opts = { c: 0, fraction: 0.01, split: 0.5, cumulative: false };

  it('c given: c x the largest normal score (labelled rows: label 0 only)', () => {
    const s = [1, 2, 9, 3];
    assert.equal(maxScaleThreshold(s, undefined, { ...opts, c: 1.5 }).threshold.value, 13.5);
    assert.equal(maxScaleThreshold(s, [0, 0, 1, 0], { ...opts, c: 2 }).threshold.value, 6);
    assert.throws(() => maxScaleThreshold(s, [1, 1, 1, 1], { ...opts, c: 2 }), /no normal \(label 0\) row/);
    assert.throws(() => maxScaleThreshold(s, undefined, { ...opts, c: -1 }), /--c must be >= 0/);
  });

  it('c chosen with labels: the seed grid 1..1.999 on the tail, best F1, smallest c first', () => {
    // tau0 = 10 (head); tail: normals up to 12.5, anomalies from 13.
    const s = [5, 10, 7, 12.5, 13, 14, 11];
    const lab = [0, 0, 0, 0, 1, 1, 0];
    const r = maxScaleThreshold(s, lab, { ...opts, split: 0.3 });
    assert.equal(r.threshold.params.chosenBy, 'best-f1');
    assert.equal(r.threshold.params.f1, 1);
    assert.ok(Math.abs((r.threshold.params.c as number) - 1.25) < 1e-9, String(r.threshold.params.c));
    assert.ok(r.threshold.value >= 12.5 && r.threshold.value < 13);
  });

  it("the seed's cumulative bug: candidates tau0 x prod (1 + j/1000)", () => {
    const s = [1, 1.0030001, 2, 3];
    const lab = [0, 0, 1, 1];
    // The plain grid needs c = 1.004 to pass the normal 1.0030001; cumulatively the third candidate, 1 x 1.001 x 1.002 = 1.003002, already does.
    const plain = seedSearch(s, lab, 1, false);
    const cum = seedSearch(s, lab, 1, true);
    assert.ok(Math.abs(plain.c - 1.004) < 1e-9, String(plain.c));
    assert.ok(Math.abs(cum.c - 1.001 * 1.002) < 1e-12, String(cum.c));
    assert.equal(plain.f1, 1);
    assert.equal(cum.f1, 1);
    // The cumulative product leaves [1, 2) after 1,000 candidates: far beyond the intended range.
    let p = 1;
    for (let k = 0; k < 1000; k++) p *= 1 + k / 1000;
    assert.ok(p > 1e100);
  });

  it('c chosen without labels: the smallest c >= 1 on the 0.001 grid flagging at most the budget of the tail', () => {
    const head = Array.from({ length: 100 }, (_, i) => i / 100); // tau0 0.99
    const tail = Array.from({ length: 100 }, (_, i) => 0.5 + i / 50); // up to 2.48
    const r = maxScaleThreshold([...head, ...tail], undefined, { ...opts, fraction: 0.05 });
    const t = r.threshold;
    assert.equal(t.params.chosenBy, 'false-alarm-budget');
    const flagged = tail.filter((v) => v > t.value).length;
    assert.ok(flagged <= 5, `${flagged} flagged`);
    assert.ok(tail.filter((v) => v > t.value - 0.001 * 0.99).length > 5 || (t.params.c as number) === 1, 'the next smaller c would exceed the budget');
    assert.match(r.how, /beyond the seed's \[1, 2\)/);
  });
});
