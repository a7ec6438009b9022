// ALAD through lib/pipeline: a tiny ALAD fitted on synthetic tabular rows by its own five-player
// loop (fitDetector -> fitModel -> the kind's fit), its threshold fitted on the normal
// validation rows' scores, saved as a bundle, reloaded, and scored by scoreSeries identically;
// then calibrated and evaluated like any row model.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { detect, pipeline, type data } from '../..';
import { Generator } from '../../lib/random';

const COLUMNS = ['duration', 'bytes', 'rate', 'proto=tcp', 'proto=udp', 'flag'];

/** Rows with two latent factors behind the numeric columns and a one-hot pair; anomalies (label 1) shifted off that structure. */
function table(n: number, anomalyRate: number, seed: number): data.Series {
  const g = new Generator(seed);
  const u = g.uniform([n, 4]).toArray(), e = g.normal([n, 5]).toArray();
  const out = new Float32Array(n * COLUMNS.length), labels = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const a = e[r * 5], b = e[r * 5 + 1], bad = u[r * 4] < anomalyRate;
    labels[r] = bad ? 1 : 0;
    const tcp = u[r * 4 + 1] < 0.7 ? 1 : 0;
    const row = [a + 0.1 * e[r * 5 + 2], a - b + 0.1 * e[r * 5 + 3], b + 0.1 * e[r * 5 + 4], tcp, 1 - tcp, u[r * 4 + 2] < 0.2 ? 1 : 0];
    if (bad) row[1] += 4, row[2] -= 3;
    out.set(row, r * COLUMNS.length);
  }
  return { columns: [...COLUMNS], data: out, rows: n, labels, source: 'synthetic tabular' };
}

describe('ALAD through the pipeline', function () {
  this.timeout(120000);
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-alad-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('fits with its own loop, saves, reloads and scores the same; calibrates and evaluates', async () => {
    const config = { latent: 4, encoderWidth: 16, generatorWidths: [16, 32], dxzWidth: 32, dxxWidth: 32, dzzWidth: 8, lr: 1e-3 };
    const fitted = await pipeline.fitDetector(table(500, 0, 1), { kind: 'alad', epochs: 3, seed: 2, config, progress: false });
    const history = fitted.fitted.result.history;
    assert.equal(history.length, 3);
    assert.deepEqual(Object.keys(history[0].trainTerms ?? {}).sort(), ['dxx', 'dxz', 'dzz', 'enc', 'gen'], 'the five players trained');
    assert.equal(fitted.info.errorScale, undefined, 'its own score: no per-channel error scale');
    assert.ok(Number.isFinite(fitted.info.threshold.value));

    const path = join(dir, 'alad.vigil');
    pipeline.saveFitted(path, fitted);
    const test = table(300, 0.2, 3);
    const before = pipeline.scoreSeries(fitted, test);
    fitted.model.dispose();
    const loaded = detect.loadDetector(path);
    try {
      assert.equal(loaded.kind, 'alad');
      const s = pipeline.scoreSeries(loaded, test);
      assert.deepEqual(s.scores, before.scores, 'the reloaded bundle scores as the fitted model did');
      assert.ok(s.scores.every((v) => Number.isFinite(v) && v >= 0), 'every row scored (window 1), fm >= 0');
      assert.ok(s.channelErrors.every((v) => Number.isNaN(v)), 'no per-channel attribution');
      assert.deepEqual(pipeline.scoreSeries(loaded, test).scores, s.scores, 'scoring is deterministic (eval mode: no dropout)');

      const c = pipeline.calibrateDetector(loaded, table(300, 0, 4), 'quantile', { options: { q: 0.95 } });
      pipeline.saveCalibration(path, c);
      const e = pipeline.evaluateDetector(detect.loadDetector(path), test, { labels: test.labels! });
      assert.deepEqual(e.reports.map((r) => r.name), ['alad', 'random', 'PCA']);
      assert.ok(Number.isFinite(e.reports[0].report.thresholdFree.aucRoc));
    } finally {
      loaded.model.dispose();
    }
  });
});
