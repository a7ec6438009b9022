// `vigil train --error-scale`: by default the bundle stores each channel's mean error over the
// validation windows (fitErrorScale) and the threshold is POT on the validation scores of the
// scaled errors; `none` stores no scale and fits the threshold on the raw scores, as before.
// Both recomputed here from the saved model on the same validation rows.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { dataFlags, useCliDir, writeTrainTest } from '../helpers/cli';
import '../../models';
import { Scaler } from '../../lib/data/scaler';
import { timeSplit, Windows } from '../../lib/data/windows';
import { loadDetector } from '../../lib/detect/detector_bundle';
import { fitErrorScale, rescore } from '../../lib/calibrate/error_scale';
import { scoreWindows } from '../../lib/detect/score';
import { defaultThreshold } from '../../lib/calibrate/thresholds';
import { parseFlags } from '../../tools/cli/args';
import { DATA_FLAGS, loadSeries } from '../../tools/cli/data_args';

describe('vigil train --error-scale', function () {
  this.timeout(180000);
  const work = useCliDir('vigil-error-scale-');
  before(() => {
    writeTrainTest(work.path, 700, 100);
    writeFileSync(join(work.path, 'tiny.json'), JSON.stringify({ window: 8, encoder: [6, 4], latent: 2, decoderDense: 4, decoder: [4, 6] }));
  });

  /** The saved model's raw channel errors on the validation windows train used. */
  async function validationErrors(bundle: string) {
    const det = loadDetector(join(work.path, bundle));
    const f = parseFlags('train', dataFlags(join(work.path, 'train.csv')), DATA_FLAGS);
    const { validation } = timeSplit(await loadSeries(f, 'train'), 0.1);
    const w = new Windows(Scaler.fromJSON(det.info.scaler).transform(validation), { length: det.info.windows.length, stride: 1 });
    const raw = scoreWindows(det.model, w);
    det.model.dispose();
    return { det, raw, F: w.channels };
  }

  it('validation (default): the scale is each channel\'s mean validation error; the threshold is fitted on the scaled scores', async () => {
    const r = work.run(['train', ...dataFlags('train.csv'), '--config', 'tiny.json', '--epochs', '2', '--out', 'v.vigil']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /error scale: each channel's mean validation error, [\d.e+-]+ to [\d.e+-]+ \(scores are of error \/ scale\)/);
    const { det, raw, F } = await validationErrors('v.vigil');
    const scale = fitErrorScale(raw.channelErrors, F);
    assert.deepEqual(det.info.errorScale, scale);
    assert.equal((det.info.training as Record<string, unknown>).errorScale, 'validation');
    const scaled = rescore(raw.channelErrors, F, 'mean', scale).scores;
    assert.deepEqual(det.info.threshold, JSON.parse(JSON.stringify(defaultThreshold(scaled))));
    assert.notEqual(det.info.threshold.value, defaultThreshold(raw.scores).value);
  });

  it('none: no scale in the bundle; the threshold on the raw scores', async () => {
    const r = work.run(['train', ...dataFlags('train.csv'), '--config', 'tiny.json', '--epochs', '2', '--error-scale', 'none', '--out', 'n.vigil']);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /error scale:/);
    const { det, raw } = await validationErrors('n.vigil');
    assert.equal(det.info.errorScale, undefined);
    assert.deepEqual(det.info.threshold, JSON.parse(JSON.stringify(defaultThreshold(raw.scores))));
  });

  it('refuses another value in one line', () => {
    const r = work.run(['train', ...dataFlags('train.csv'), '--error-scale', 'median', '--out', 'x.vigil']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--error-scale must be validation or none, got "median"/);
    assert.equal(r.err.trim().split('\n').length, 1);
  });
});
