// The model contract extends to the other input kinds without touching lib/: two toy models in
// their own folders (test/models/toy_matrix: a series of correlation matrices; toy_rows: single
// tabular rows, scored on its own without per-channel errors, with its own training loop), registered through the package entry for this suite, are trained,
// scored, saved, reloaded, calibrated and evaluated by lib's pipeline.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { data, detect, pipeline, registerModelKind, unregisterModelKind } from '../..';
import { syntheticSeries } from '../../lib/data/synthetic';
import { toyMatrixKind } from './toy_matrix';
import { ownLoop, toyRowsKind } from './toy_rows';

const COLUMNS = ['a', 'b', 'c'];

function rows(n: number, faults: boolean, seed: number): data.Series {
  const s = syntheticSeries(n, COLUMNS.length, { plantSeed: 2, noiseSeed: seed, faults });
  return { columns: [...COLUMNS], data: s.data, rows: n, labels: s.labels, source: 'synthetic' };
}

describe('model contract: new input kinds through the pipeline', function () {
  this.timeout(120000);
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-toy-'));
    registerModelKind(toyMatrixKind);
    registerModelKind(toyRowsKind);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    unregisterModelKind(toyMatrixKind.kind);
    unregisterModelKind(toyRowsKind.kind);
  });

  for (const [kind, context] of [['toy-matrix', 2 * 4 + 8], ['toy-rows', 1]] as const) {
    it(`${kind}: fit, save, reload, score, calibrate, evaluate`, async () => {
      const stepsBefore = ownLoop.steps;
      const fitted = await pipeline.fitDetector(rows(600, false, 1), { kind, epochs: 2, batchSize: 32, lr: 0.01, seed: 3, progress: false });
      if (kind === 'toy-rows') assert.ok(ownLoop.steps > stepsBefore, 'the kind\'s own training loop ran');
      assert.equal(fitted.info.windows.length, context);
      const path = join(dir, `${kind}.vigil`);
      pipeline.saveFitted(path, fitted);

      const test = rows(300, true, 5);
      const before = pipeline.scoreSeries(fitted, test);
      fitted.model.dispose();
      const loaded = detect.loadDetector(path);
      try {
        const s = pipeline.scoreSeries(loaded, test);
        assert.deepEqual(s.scores, before.scores, 'the reloaded bundle scores as the fitted model did');
        for (let r = 0; r < test.rows; r++) assert.equal(Number.isNaN(s.scores[r]), r < context - 1, `row ${r}: scored iff a full sample ends there`);
        assert.equal(s.channelErrors.length, test.rows * COLUMNS.length);
        assert.ok(s.scores.subarray(context - 1).every((v) => Number.isFinite(v) && v >= 0));
        // toy-rows scores on its own (no per-channel errors, no error scale); toy-matrix attributes.
        const own = kind === 'toy-rows';
        assert.equal(s.channelErrors.subarray((context - 1) * COLUMNS.length).every((v) => Number.isNaN(v)), own);
        assert.equal(loaded.info.errorScale === undefined, own);

        const c = pipeline.calibrateDetector(loaded, rows(400, false, 8), 'quantile', { options: { q: 0.99 } });
        assert.equal(c.section, 'threshold');
        pipeline.saveCalibration(path, c);
        const e = pipeline.evaluateDetector(detect.loadDetector(path), test, { labels: test.labels! });
        assert.deepEqual(e.reports.map((r) => r.name), [kind, 'random', 'PCA']);
        assert.equal(e.first, context - 1);
        assert.ok(Number.isFinite(e.reports[0].report.thresholdFree.aucRoc));

        // The Detector serves single-row models (each row its own sample), scoring as the pipeline
        // does; a matrix-series model that does not read row windows is refused with a message.
        if (own) {
          const det = await detect.Detector.create(loaded);
          assert.deepEqual(Array.from((await det.scoreSeries(test)).scores), Array.from(pipeline.scoreSeries(loaded, test).scores));
        } else await assert.rejects(detect.Detector.create(loaded), new RegExp(`${kind} reads matrix-series`));
        assert.throws(() => pipeline.calibrateDetector(loaded, test, 'alpha'), /--method alpha needs a model with per-channel Gaussian outputs \(dc-vae\); this bundle holds toy-/);
      } finally {
        loaded.model.dispose();
      }
    });
  }

  it('matrix-series samples are the signature matrices of their windows', () => {
    const s = rows(40, false, 2);
    const m = new data.MatrixSeries(s, { steps: 2, gap: 3, scales: [2, 5] });
    assert.equal(m.length, 3 + 5);
    assert.equal(m.endRow(0), 7);
    assert.deepEqual(m.sampleShape, [2, 2, 3, 3]);
    const x = m.batch([1]);
    // Sample 1 ends at row 8: its second step, scale 5, pair (0, 2) = mean over rows 4..8 of x0 * x2.
    let want = 0;
    for (let r = 4; r <= 8; r++) want += s.data[r * 3] * s.data[r * 3 + 2];
    const C = 3, off = (1 * 2 + 1) * C * C;
    assert.ok(Math.abs(x[off + 0 * C + 2] - want / 5) < 1e-5);
    assert.equal(x[off + 2 * C + 0], x[off + 0 * C + 2], 'symmetric');
  });
});
