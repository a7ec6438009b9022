// The pipeline in lib is what the CLI runs: a detector trained in-process with fitDetector and
// saved with saveFitted is the same file, byte for byte, as `vigil train` writes from the same
// data and options; scoreSeries gives the scores `vigil detect` writes; calibrateDetector fits
// the threshold `vigil calibrate` stores; evaluateDetector gives `vigil evaluate --json`'s report.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import '../../models';
import { loadLabels, loadSeries, type DataSource } from '../../lib/data/load';
import { loadDetector } from '../../lib/detect/detector_bundle';
import { calibrateDetector, saveCalibration } from '../../lib/pipeline/calibrate';
import { formatReport } from '../../lib/eval/report';
import { evaluateDetector } from '../../lib/pipeline/evaluate';
import { fitDetector, saveFitted } from '../../lib/pipeline/fit';
import { scoreSeries } from '../../lib/pipeline/score';
import { dataFlags, useCliDir, writeTrainTest } from '../helpers/cli';

const SMALL = { window: 10, encoder: [8, 4], latent: 3, decoderDense: 4, decoder: [4, 8] };

describe('lib pipeline = CLI, bit for bit', function () {
  this.timeout(180000);
  const dir = useCliDir('vigil-pipeline-');
  const src = (file: string): DataSource => ({ path: join(dir.path, file), timestamp: 'time', labels: ['attack'] });

  before(() => {
    writeTrainTest(dir.path, 700, 400);
    writeFileSync(join(dir.path, 'small.json'), JSON.stringify(SMALL));
  });

  it('train, detect, calibrate and evaluate agree', async () => {
    const train = join(dir.path, 'train.csv'), test = join(dir.path, 'test.csv');
    const cli = join(dir.path, 'cli.vigil'), lib = join(dir.path, 'lib.vigil');
    const t = dir.run(['train', '--model', 'lstm-ae', ...dataFlags(train), '--config', 'small.json', '--epochs', '2', '--seed', '4', '--stride', '2', '--out', cli]);
    assert.equal(t.code, 0, t.err);

    const series = await loadSeries(src('train.csv'), 'train');
    // The CLI records the data flags it was given (tools/cli/remember.ts); lib records what it is told.
    const fitted = await fitDetector(series, {
      kind: 'lstm-ae', config: SMALL, epochs: 2, seed: 4, stride: 2, source: train, preset: 'generic', progress: false,
      dataFlags: { timestamp: 'time', label: 'attack' },
    });
    saveFitted(lib, fitted);
    fitted.model.dispose();
    assert.ok(readFileSync(lib).equals(readFileSync(cli)), 'the bundles differ');

    const d = dir.run(['detect', '--model', cli, ...dataFlags(test), '--out', join(dir.path, 'scores.csv')]);
    assert.equal(d.code, 0, d.err);
    const testSeries = await loadSeries(src('test.csv'), 'test');
    const det = loadDetector(lib);
    try {
      const { scores } = scoreSeries(det, testSeries);
      const csv = readFileSync(join(dir.path, 'scores.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[2]);
      assert.equal(csv.length, testSeries.rows);
      csv.forEach((v, r) => assert.ok(v === '' ? Number.isNaN(scores[r]) : Number(v) === scores[r], `row ${r}: CLI ${v}, lib ${scores[r]}`));

      const c = dir.run(['calibrate', '--model', cli, ...dataFlags(train), '--method', 'quantile', '--q', '0.98']);
      assert.equal(c.code, 0, c.err);
      const result = calibrateDetector(det, series, 'quantile', { options: { q: 0.98 } });
      saveCalibration(lib, result);
      assert.ok(readFileSync(lib).equals(readFileSync(cli)), 'the calibrated bundles differ');

      const e = dir.run(['evaluate', '--model', cli, ...dataFlags(test), '--json']);
      assert.equal(e.code, 0, e.err);
      const labels = await loadLabels(test, { timestamp: 'time', labels: ['attack'] });
      const ours = evaluateDetector(loadDetector(lib), testSeries, { labels, timestamps: testSeries.timestamps });
      assert.equal(formatReport(ours.reports, 'json'), e.out.trim());
    } finally {
      det.model.dispose();
    }
  });
});
