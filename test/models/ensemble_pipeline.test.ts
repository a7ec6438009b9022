// The ensemble end to end through the pipeline (a small LSTM-AE, PCA and an Isolation Forest on
// the synthetic plant): one seed gives one detector, bit for bit; a planted offset scores above
// every normal row and is blamed on its channel; the bundle holds every member and scale (the
// reloaded detector scores alike) and the Detector's stream equals its batch bit for bit.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pipeline } from '../..';
import type { Ensemble } from '../../models/ensemble';
import { assertServedAlike, rows } from './classic_pipeline';

const MEMBERS = [
  { kind: 'lstm-ae', config: { window: 8, encoder: [8], latent: 4, decoderDense: 8, decoder: [8] } },
  'pca',
  { kind: 'iforest', config: { window: 5, trees: 40 } },
];

function fitEnsemble(seed: number): Promise<pipeline.FittedDetector> {
  return pipeline.fitDetector(rows(1200, false, 1), { kind: 'ensemble', config: { members: MEMBERS }, epochs: 2, seed, progress: false });
}

/** 300 normal rows with channel d offset by 10 from row 200 to 219. */
function offsetRows(): ReturnType<typeof rows> {
  const test = rows(300, false, 7);
  for (let r = 200; r < 220; r++) test.data[r * 5 + 3] += 10;
  return test;
}

describe('ensemble model kind through the pipeline', function () {
  this.timeout(240000);
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-ensemble-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('one seed, one detector: the same scores bit for bit; the members and their windows as configured', async () => {
    const test = offsetRows();
    const a = await fitEnsemble(3), b = await fitEnsemble(3);
    try {
      const model = a.model as Ensemble;
      assert.deepEqual(model.members.map((m) => m.window), [8, 1, 5]);
      assert.equal(a.info.windows.length, 8, 'the ensemble reads its longest member\'s window');
      assert.deepEqual(pipeline.scoreSeries(a, test).scores, pipeline.scoreSeries(b, test).scores);
      // The scales were fitted on what scoring computes (eval mode: the LSTM-AE's BatchNorm on
      // running statistics): the fit's mean validation score is the mean of the pipeline's.
      const v = a.fitted.validationScores;
      const mean = v.reduce((s, x) => s + x, 0) / v.length;
      assert.ok(Math.abs(a.fitted.result.bestLoss - mean) <= 1e-6 * mean, `fit ${a.fitted.result.bestLoss} vs scored ${mean}`);
      assert.equal(a.fitted.result.bestEpoch, a.fitted.result.history.length, 'the members\' epochs one after another, the last standing for the ensemble');
    } finally {
      a.model.dispose();
      b.model.dispose();
    }
  });

  it('a planted offset scores above every normal row and is blamed on its channel; batch = stream; round trip', async () => {
    const fitted = await fitEnsemble(0);
    const test = offsetRows();
    try {
      const scores = await assertServedAlike(join(dir, 'ensemble.vigil'), fitted, test);
      const quiet = Math.max(...scores.subarray(7, 200));
      for (const r of [205, 215]) assert.ok(scores[r] > quiet, `row ${r}: ${scores[r]} above every normal row's ${quiet}`);
      const errs = pipeline.scoreSeries(fitted, test).channelErrors;
      const row = Array.from(errs.subarray(205 * 5, 206 * 5));
      assert.equal(row.indexOf(Math.max(...row)), 3, `channel d carries the attribution: ${row}`);
      assert.ok(fitted.info.threshold.value < scores[205], 'the fitted threshold flags the offset');
    } finally {
      fitted.model.dispose();
    }
  });
});
