// A threshold that cannot be fitted never loses the training, whatever the model kind: the
// pipeline (fitDetector with `out`) writes the bundle once the model is trained, before the
// threshold fit; when POT fails (here: a test-only kind whose scores all tie, so no score exceeds
// the initial quantile) the bundle stays with a provisional threshold (the largest validation
// score, marked so), the error names the method and the numbers, and calibrate with another
// method makes the bundle whole (the PCA baseline's threshold refitted by the same method).
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { data, detect, nn, ops, pipeline, registerModelKind, unregisterModelKind, type AnomalyModel, type Generator, type ModelKind, type Tensor } from '../..';
import { syntheticSeries } from '../../lib/data/synthetic';

/** A linear autoencoder over rows whose score is a constant: every validation score ties. */
class Tied extends nn.Module implements AnomalyModel {
  readonly input = { kind: 'rows' } as const;
  readonly window = 1;
  private readonly fc: nn.Linear;
  constructor(readonly config: { inputs: number }, gen?: Generator) {
    super();
    this.fc = this.registerModule('fc', new nn.Linear(config.inputs, config.inputs, { generator: gen }));
  }
  loss(x: Tensor): Tensor {
    return ops.mean(ops.square(ops.sub(this.fc.forward(x), x)));
  }
  scores(x: Tensor): Tensor {
    return ops.affine(ops.sum(x, 1), 0, 1); // 1 for every row
  }
}

const tiedKind: ModelKind<{ inputs: number }, Tied> = {
  kind: 'test-tied-scores',
  summary: 'test-only: every row scores 1',
  inputKind: 'rows',
  defaultConfig: (inputs) => ({ inputs }),
  create: (config, gen) => new Tied(config, gen),
};

function rows(n: number, seed: number): data.Series {
  const s = syntheticSeries(n, 3, { plantSeed: 2, noiseSeed: seed, faults: false });
  return { columns: ['a', 'b', 'c'], data: s.data, rows: n, source: 'synthetic' };
}

describe('pipeline: a threshold failure keeps the trained model', function () {
  this.timeout(60000);
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-threshold-'));
    registerModelKind(tiedKind);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    unregisterModelKind(tiedKind.kind);
  });

  it('saves the bundle before the threshold fit; the error names pot, the numbers and where the model is', async () => {
    const out = join(dir, 'tied.vigil');
    const opts = { kind: tiedKind.kind, epochs: 1, seed: 1, progress: false, validation: 0.25 };
    const err = await pipeline.fitDetector(rows(800, 1), { ...opts, out }).then(() => null, (e: Error) => e);
    assert.ok(err instanceof pipeline.ThresholdFitError, String(err));
    assert.equal(err.method, 'pot');
    assert.equal(err.scores, 200);
    assert.equal(err.saved, out);
    assert.match(err.message, /^the default threshold \(pot\) could not be fitted on the 200 validation scores: only 0 of 200 scores exceed the initial threshold .*\(the 200 scores hold 1 distinct values: ties\); the trained model is saved in .*tied\.vigil, with a provisional threshold \(the largest validation score\)$/);

    const det = detect.loadDetector(out);
    try {
      assert.equal(det.info.threshold.value, 1);
      assert.equal(det.info.threshold.method, 'quantile');
      assert.equal(det.info.threshold.params.provisional, true);
      assert.match(String(det.info.threshold.params.reason), /^pot: only 0 of 200/);
      assert.equal(det.info.pcaThreshold?.method, 'pot', 'the PCA baseline fitted its own threshold');
      assert.equal((det.info.training as { epochs: number }).epochs, 1, 'the training summary is there');

      const c = pipeline.calibrateDetector(det, rows(300, 2), 'quantile', { options: { q: 0.9 } });
      pipeline.saveCalibration(out, c);
      assert.ok(c.pca && 'threshold' in c.pca, 'PCA refitted by the same method');
      assert.match(c.details!.join('\n'), /PCA baseline: threshold [\d.e+-]+ \(quantile on the same 300 rows\)/);
    } finally {
      det.model.dispose();
    }
    const whole = detect.loadDetector(out);
    assert.deepEqual([whole.info.threshold.method, whole.info.threshold.params.q, whole.info.threshold.params.provisional], ['quantile', 0.9, undefined]);
    assert.deepEqual([whole.info.pcaThreshold?.method, whole.info.pcaThreshold?.params.q], ['quantile', 0.9]);
    whole.model.dispose();
  });

  it('without `out` the error says how to go on', async () => {
    const err = await pipeline.fitDetector(rows(800, 1), { kind: tiedKind.kind, epochs: 1, seed: 1, progress: false, validation: 0.25 }).then(() => null, (e: Error) => e);
    assert.ok(err instanceof pipeline.ThresholdFitError);
    assert.equal(err.saved, undefined);
    assert.match(err.message, /; fit the threshold with another method \(lib\/pipeline calibrateDetector, vigil calibrate\)$/);
    await assert.rejects(pipeline.fitModel(tiedKind.kind, rows(600, 1), rows(200, 3), { epochs: 1, progress: false }), pipeline.ThresholdFitError);
  });
});
