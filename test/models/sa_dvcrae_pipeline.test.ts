// Sa-DVCRAE through lib's pipeline: fit a detector (default config, scaled rows -> Pearson
// matrix series; its `rec` and `kl` terms in the history), save and reload it (same scores),
// and the Detector (which hands the model windows of rows: lib/data/matrix_windows.ts) in batch
// and streaming row by row equal to the pipeline's batch scores; the seed config's one decoded
// frame through the same path.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import '../../models';
import { assertDetectorMatchesPipeline } from '../helpers/detector_parity';
import { plantSeries } from '../helpers/plant_series';
import { loadDetector } from '../../lib/detect/detector_bundle';
import { fitDetector, saveFitted } from '../../lib/pipeline/fit';
import { scoreSeries } from '../../lib/pipeline/score';

const COLUMNS = ['a', 'b', 'c', 'd'];

const rows = (n: number, faults: boolean, seed: number, start = 0) => plantSeries(COLUMNS, n, { plantSeed: 3, seed, faults, start });

describe('sa-dvcrae: through the pipeline', function () {
  this.timeout(60000);
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-sa-dvcrae-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, config, context] of [['default', {}, 3 * 10 + 30], ['seed layout (one frame), small', { preset: 'seed', scales: [20], measure: 'pearson', encoder: [4, 4, 4], encoderLstm: [4], latent: 4, hidden: 8, decoderChannels: 4, decoderLstm: [4], decoder: [4, 4, 4] }, 3 + 20]] as const)
    it(`${name}: fit, save, reload, Detector batch and stream = pipeline batch`, async () => {
      const fitted = await fitDetector(rows(800, false, 1), { kind: 'sa-dvcrae', config: { ...config }, epochs: 1, batchSize: 32, lr: 3e-3, seed: 2, progress: false });
      assert.equal(fitted.info.windows.length, context);
      const terms = fitted.fitted.result.history[0] as unknown as Record<string, unknown>;
      assert.ok(JSON.stringify(terms).includes('"kl"'), `the loss terms are logged: ${JSON.stringify(terms)}`);
      const path = join(dir, `${name.split(' ')[0]}.vigil`);
      saveFitted(path, fitted);

      const test = rows(200, true, 5, 800);
      const before = scoreSeries(fitted, test);
      fitted.model.dispose();
      const det = loadDetector(path);
      try {
        const batch = scoreSeries(det, test);
        assert.deepEqual(batch.scores, before.scores, 'the reloaded bundle scores as the fitted model did');
        for (let r = 0; r < test.rows; r++) assert.equal(Number.isNaN(batch.scores[r]), r < context - 1, `row ${r}`);
        await assertDetectorMatchesPipeline(path, test, batch.scores, context);
      } finally {
        det.model.dispose();
      }
    });
});
