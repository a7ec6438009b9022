// What the classic detectors' tests (pca, iforest) check the same way: a detector fitted through
// the pipeline, saved, reloaded and served by the Detector scores a series identically every way
// (bundle round trip, Detector batch, Detector stream row by row: bit for bit), and names the
// data's channels; the synthetic series they run on.
import { strict as assert } from 'node:assert';

import { detect, pipeline, type data } from '../..';
import { syntheticSeries } from '../../lib/data/synthetic';

export const COLUMNS = ['a', 'b', 'c', 'd', 'e'];

/** `n` rows of the 5-channel synthetic plant (planted faults, labelled, when `faults`). */
export function rows(n: number, faults: boolean, seed: number): data.Series {
  const s = syntheticSeries(n, COLUMNS.length, { plantSeed: 2, noiseSeed: seed, faults });
  return { columns: [...COLUMNS], data: s.data, rows: n, labels: s.labels, source: 'synthetic' };
}

/** Asserts the round trip and batch = stream; returns the reloaded bundle's pipeline scores. */
export async function assertServedAlike(path: string, fitted: pipeline.FittedDetector, test: data.Series): Promise<Float32Array> {
  const before = pipeline.scoreSeries(fitted, test);
  pipeline.saveFitted(path, fitted);
  const loaded = detect.loadDetector(path);
  try {
    const after = pipeline.scoreSeries(loaded, test);
    assert.deepEqual(after.scores, before.scores, 'the reloaded bundle scores as the fitted model did');
    assert.deepEqual(after.channelErrors, before.channelErrors, 'and attributes alike');
  } finally {
    loaded.model.dispose();
  }
  const F = test.columns.length;
  const context = fitted.info.windows.length;
  const d = await detect.Detector.load(path);
  try {
    const batch = await d.scoreSeries(test);
    const stream = d.stream();
    for (let r = 0; r < test.rows; r++) {
      const res = stream.pushSync(test.data.subarray(r * F, (r + 1) * F));
      assert.equal(res.ready, r >= context - 1, `row ${r}`);
      if (!res.ready) continue;
      assert.equal(batch.scores[r], before.scores[r], `row ${r}: Detector batch = pipeline`);
      assert.equal(res.score, batch.scores[r], `row ${r}: stream = batch, bit for bit`);
      assert.equal(res.flag, batch.flags[r] === 1, `row ${r}: flag`);
      assert.ok(res.topChannels.length > 0 && res.topChannels.every((c) => test.columns.includes(c.name)), `row ${r}: channels of the data`);
    }
  } finally {
    await d.dispose();
  }
  return before.scores;
}
