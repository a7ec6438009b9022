// The Detector on a saved bundle against lib/pipeline's scoreSeries: its batch scores and its
// stream's decisions, row by row, for models scored through the pipeline elsewhere (matrix-series
// models that build their matrices from windows of rows).
import { strict as assert } from 'node:assert';

import type { Series } from '../../lib/data/series';
import { Detector } from '../../lib/detect/detector';

/**
 * Asserts that the Detector loaded from `path` scores `test` as `pipelineScores` does (relative
 * 1e-5), in a batch and through a stream fed one row at a time; that a decision comes exactly
 * from row `context - 1` on; that the stream's flags are the batch's; and that every decision
 * names channels of the data.
 */
export async function assertDetectorMatchesPipeline(path: string, test: Series, pipelineScores: Float32Array, context: number): Promise<void> {
  const F = test.columns.length;
  const d = await Detector.load(path);
  try {
    const viaDetector = await d.scoreSeries(test);
    const st = d.stream();
    let far = 0;
    for (let r = 0; r < test.rows; r++) {
      const res = st.pushSync(test.data.subarray(r * F, (r + 1) * F));
      assert.equal(res.ready, r >= context - 1, `row ${r}`);
      if (!res.ready) continue;
      const want = pipelineScores[r];
      far = Math.max(far, Math.abs(viaDetector.scores[r] - want) / (1 + Math.abs(want)), Math.abs(res.score - want) / (1 + Math.abs(want)));
      assert.equal(res.flag, viaDetector.flags[r] === 1, `row ${r}: the stream's flag is the batch's`);
      assert.ok(res.topChannels.length > 0 && res.topChannels.every((c) => test.columns.includes(c.name)), `row ${r}: channels of the data`);
    }
    assert.ok(far < 1e-5, `Detector batch and stream vs pipeline: relative difference ${far}`);
  } finally {
    await d.dispose();
  }
}
