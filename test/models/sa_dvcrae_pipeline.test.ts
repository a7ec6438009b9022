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
import type { Series } from '../../lib/data/series';
import { syntheticSeries } from '../../lib/data/synthetic';
import { Detector } from '../../lib/detect/detector';
import { loadDetector } from '../../lib/detect/detector_bundle';
import { fitDetector, saveFitted } from '../../lib/pipeline/fit';
import { scoreSeries } from '../../lib/pipeline/score';

const COLUMNS = ['a', 'b', 'c', 'd'];

function rows(n: number, faults: boolean, seed: number, start = 0): Series {
  const s = syntheticSeries(n, COLUMNS.length, { plantSeed: 3, noiseSeed: seed, faults, start });
  return { columns: [...COLUMNS], data: s.data, rows: n, labels: s.labels, source: 'synthetic' };
}

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
        const d = await Detector.load(path);
        try {
          const viaDetector = await d.scoreSeries(test);
          const st = d.stream();
          let far = 0;
          for (let r = 0; r < test.rows; r++) {
            const res = st.pushSync(test.data.subarray(r * 4, r * 4 + 4));
            assert.equal(res.ready, r >= context - 1, `row ${r}`);
            if (!res.ready) continue;
            const want = batch.scores[r];
            far = Math.max(far, Math.abs(viaDetector.scores[r] - want) / (1 + Math.abs(want)), Math.abs(res.score - want) / (1 + Math.abs(want)));
            assert.ok(res.topChannels.length > 0 && res.topChannels.every((c) => COLUMNS.includes(c.name)));
          }
          assert.ok(far < 1e-5, `Detector batch and stream vs pipeline: relative difference ${far}`);
        } finally {
          await d.dispose();
        }
      } finally {
        det.model.dispose();
      }
    });
});
