// One score, one scale (issue 21): a DC-VAE bundle with per-channel alphas AND an error scale
// (what `vigil train` + `vigil calibrate --method alpha` write) scores the same rows with the
// same float32 bits in `vigil detect` (the Detector's alpha rule: batch and stream), in
// `evaluate` without --scores (pipeline scoreSeries) and in `train` (the validation scores its
// threshold is fitted on). Before the fix, detect wrote max |x - mu| / sigma while the others
// divided each channel by its error scale first.
import { strict as assert } from 'node:assert';

import { gaussianChannelErrors } from '../../lib/calibrate/gaussian_error';
import type { Series } from '../../lib/data/series';
import type { Decision } from '../../lib/detect/decide';
import { Detector } from '../../lib/detect/detector';
import { calibrateDetector } from '../../lib/pipeline/calibrate';
import { evaluateDetector } from '../../lib/pipeline/evaluate';
import { fitDetector, type FittedDetector } from '../../lib/pipeline/fit';
import { gaussianRowsOf } from '../../lib/pipeline/gaussian_scores';
import { scoreSeries } from '../../lib/pipeline/score';
import { Generator } from '../../lib/random';
import '../../models';

const COLUMNS = ['slow', 'fast', 'loud', 'flat'];
const WINDOW = 16;

/** Four channels on very different error levels: sines of several periods and sizes, one nearly flat. */
function series(rows: number, seed: number, spike?: number): Series {
  const g = new Generator(seed);
  const noise = g.normal([rows * COLUMNS.length]).toArray();
  const data = new Float32Array(rows * COLUMNS.length);
  for (let r = 0; r < rows; r++) {
    const at = r * COLUMNS.length;
    data[at] = Math.sin(r / 9) + 0.05 * noise[at];
    data[at + 1] = Math.sin(r / 2.3) + 0.4 * noise[at + 1];
    data[at + 2] = 50 * Math.cos(r / 5) + 8 * noise[at + 2];
    data[at + 3] = 3 + 0.01 * noise[at + 3];
  }
  if (spike !== undefined) data[spike * COLUMNS.length + 1] += 6;
  const labels = new Uint8Array(rows);
  if (spike !== undefined) labels[spike] = 1;
  return { columns: COLUMNS, data, rows, labels };
}

const CONFIG = {
  window: WINDOW, latent: 2,
  encoder: [{ units: 8, dilation: 1 }, { units: 8, dilation: 2 }], latentDilation: 4,
  decoder: [{ units: 8, dilation: 4 }, { units: 8, dilation: 2 }], outputDilation: 1,
};

describe('one DC-VAE score in detect, evaluate and train (issue 21)', function () {
  this.timeout(120000);
  let det: FittedDetector;
  const normal = series(700, 1);
  const validation = series(240, 2);
  const test = series(240, 3, 150);

  before(async () => {
    det = await fitDetector(normal, { kind: 'dc-vae', config: CONFIG, validationData: validation, epochs: 3, batchSize: 32, seed: 0, progress: false });
    const alphas = calibrateDetector(det, validation, 'alpha', { options: { fraction: 0.05 } });
    det.info = { ...det.info, alpha: alphas.value } as typeof det.info;
  });
  after(() => det?.model.dispose());

  it('the bundle scales the channels (else there is nothing to get wrong)', () => {
    const scale = det.info.errorScale!;
    assert.equal(scale.length, COLUMNS.length);
    assert.ok(scale.some((v) => Math.abs(v - 1) > 0.05), `error scale ${scale.join(', ')}`);
  });

  it('detect (alpha rule) writes the scores train fitted the threshold on, bit for bit', () => {
    const d = Detector.native(det);
    assert.equal(d.rule, 'alpha');
    const s = d.scoreSeriesSync(validation);
    assert.deepEqual(s.scores.subarray(WINDOW - 1), det.fitted.validationScores);
    assert.ok(s.scores.subarray(0, WINDOW - 1).every((v) => Number.isNaN(v)));
  });

  it('detect (alpha rule, batch and stream) writes the scores evaluate computes, bit for bit', () => {
    const d = Detector.native(det);
    const detected = d.scoreSeriesSync(test);
    const evaluated = scoreSeries(det, test);
    assert.deepEqual(detected.scores, evaluated.scores);
    assert.deepEqual(detected.channelErrors, evaluated.channelErrors);
    const stream = d.stream();
    for (let r = 0; r < test.rows; r++) {
      const res = stream.pushSync(Array.from(test.data.subarray(r * COLUMNS.length, (r + 1) * COLUMNS.length)));
      if (r >= WINDOW - 1) assert.equal((res as Decision).score, detected.scores[r], `stream row ${r}`);
    }
    // `evaluate --scores detect.csv` and `evaluate` alone report the same model column.
    const fromDetect = evaluateDetector(det, test, { labels: test.labels!, scores: detected.scores });
    const alone = evaluateDetector(det, test, { labels: test.labels! });
    assert.deepEqual(fromDetect.reports[0], alone.reports[0]);
  });

  it('that score is the largest |x - mu| / sigma over the error scale, and not the unscaled one', () => {
    const g = gaussianRowsOf(det, test)!.rows;
    const raw = gaussianChannelErrors(g.x, g.mu, g.sigma);
    const scale = det.info.errorScale!, C = COLUMNS.length;
    const scores = Detector.native(det).scoreSeriesSync(test).scores.subarray(WINDOW - 1);
    let differs = 0;
    for (let i = 0; i < g.rows; i++) {
      let scaled = -Infinity, unscaled = -Infinity;
      for (let c = 0; c < C; c++) {
        scaled = Math.max(scaled, raw[i * C + c] / scale[c]);
        unscaled = Math.max(unscaled, raw[i * C + c]);
      }
      assert.equal(scores[i], Math.fround(scaled), `row ${i}`);
      if (Math.fround(unscaled) !== scores[i]) differs++;
    }
    assert.ok(differs > g.rows / 2, `the unscaled score differs on ${differs} of ${g.rows} rows`);
  });
});
