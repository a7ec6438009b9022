// The Detector's adaptive threshold (`adaptiveThreshold`: a warm-up refit or DSPOT): the warm-up's
// flags are the bundle's, later flags are those of the pure functions on the same scores, a
// batch in any chunking = a stream row by row through JSON saves, a level shift in the rows that
// the bundle's POT flags throughout, and the errors. Without the option nothing changes.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { dspot } from '../../lib/calibrate/dspot';
import { pot } from '../../lib/calibrate/thresholds';
import type { Series } from '../../lib/data/series';
import type { Threshold } from '../../lib/eval/threshold';
import { AdaptiveThresholdState, checkAdaptiveThreshold } from '../../lib/detect/adaptive_threshold';
import { Detector, type StreamState } from '../../lib/detect/detector';
import { loadDetector } from '../../lib/detect/detector_bundle';
import { calibrateDetector, saveCalibration } from '../../lib/pipeline/calibrate';
import { COLUMNS, makeBundle, rowOf, series } from './detector_fixture';

const count = (f: Uint8Array, from = 0, to = f.length): number => f.subarray(from, to).reduce((a, b) => a + b, 0);

/** Normal rows with `shift` added to every (raw) value from row `from` on. */
function shifted(rows: number, from: number, shift: number): Series {
  const s = series(rows, 5, false);
  for (let i = from * COLUMNS.length; i < s.data.length; i++) s.data[i] += shift;
  return s;
}

describe('detect: adaptive threshold (warm-up refit, DSPOT)', function () {
  this.timeout(120000);
  let dir = '', fixed = '', potted = '', alpha = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-adaptive-'));
    fixed = makeBundle(dir, 'lstm-ae');
    alpha = makeBundle(dir, 'dc-vae', { alpha: true });
    potted = join(dir, 'pot.vigil');
    const det = loadDetector(fixed);
    try {
      saveCalibration(fixed, calibrateDetector(det, series(1000, 9, false), 'pot', { options: { risk: 1e-2 } }), potted);
    } finally {
      det.model.dispose();
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const DSPOT = { method: 'dspot', warmup: 200, depth: 30, drift: 'all' } as const;
  /** Runs fn on a Detector of the POT bundle, disposed after. */
  const withPot = async (fn: (det: Detector) => Promise<void>): Promise<void> => {
    const det = await Detector.load(potted);
    try {
      await fn(det);
    } finally {
      await det.dispose();
    }
  };

  it('DSPOT: warm-up flags are the bundle\'s, later ones dspot()\'s; batch (chunks 1, 64) = stream through JSON saves', async () => {
    const det = await Detector.load(potted);
    const one = await Detector.load(potted, { chunkWindows: 1 });
    try {
      const test = shifted(1200, 600, 2);
      const plain = await det.scoreSeries(test);
      const batch = await det.scoreSeries(test, { adaptiveThreshold: DSPOT });
      assert.deepEqual(batch.scores, plain.scores, 'the option changes flags only');
      assert.deepEqual(await one.scoreSeries(test, { adaptiveThreshold: DSPOT }), batch);
      const first = det.window - 1, W = DSPOT.warmup;
      assert.deepEqual(batch.flags.subarray(0, first + W), plain.flags.subarray(0, first + W), 'the warm-up is flagged by the bundle');
      const pure = dspot(batch.scores.subarray(first), { ...DSPOT, risk: det.threshold.params.risk as number });
      assert.deepEqual(batch.flags.subarray(first + W), pure.flags.subarray(W), 'after it: the pure function');
      assert.notDeepEqual(batch.flags, plain.flags);
      // Row by row, the state saved through JSON during the warm-up and after it.
      let st = det.stream({ adaptiveThreshold: DSPOT });
      for (let r = 0; r < test.rows; r++) {
        if (r === 100 || r === 700) {
          const saved = JSON.parse(JSON.stringify(st.state())) as StreamState;
          assert.ok(saved.adaptiveThreshold, 'the state carries the adaptive threshold');
          st = det.stream({ restore: saved }); // its own options go on
        }
        const expectThreshold = r > first + W ? pure.thresholds[r - first] : NaN;
        if (r > first + W) assert.equal(st.adaptiveThreshold, expectThreshold, `row ${r}: the threshold it judges by`);
        const res = st.pushSync(rowOf(test, r));
        if (res.ready) assert.equal(res.flag, batch.flags[r] === 1, `row ${r}`);
      }
    } finally {
      await Promise.all([det.dispose(), one.dispose()]);
    }
  });

  it('a level shift in the rows: the bundle\'s POT flags 95% or more of the rows after it, DSPOT (drift "all") few once depth + window rows have passed', () =>
    withPot(async (det) => {
      const test = shifted(1200, 600, 2);
      const plain = await det.scoreSeries(test);
      const d = await det.scoreSeries(test, { adaptiveThreshold: DSPOT });
      const after = 600 + DSPOT.depth + det.window;
      assert.ok(count(plain.flags, 600) >= 0.95 * 600, `bundle: ${count(plain.flags, 600)} of 600`);
      assert.ok(count(d.flags, after) <= 0.15 * (1200 - after), `DSPOT: ${count(d.flags, after)} of ${1200 - after}`);
      const paper = await det.scoreSeries(test, { adaptiveThreshold: { ...DSPOT, drift: 'normal' } });
      assert.ok(count(paper.flags, 600) >= 0.95 * 600, 'the paper\'s drift rule keeps flagging a shift larger than z');
    }));

  it('warm-up refit: new data at another level is flagged throughout by the bundle, by the refitted POT only at its rate', () =>
    withPot(async (det) => {
      const test = shifted(1200, 0, 2);
      const W = 300, first = det.window - 1;
      const plain = await det.scoreSeries(test);
      const refit = await det.scoreSeries(test, { adaptiveThreshold: { method: 'warmup', warmup: W } });
      assert.ok(count(plain.flags) >= 0.95 * (1200 - first), `bundle: ${count(plain.flags)}`);
      assert.deepEqual(refit.flags.subarray(0, first + W), plain.flags.subarray(0, first + W));
      const p = det.threshold.params;
      const t = pot(refit.scores.subarray(first, first + W), { risk: Math.max(p.risk as number, 1 / W), initialQuantile: Math.min(p.initialQuantile as number, 1 - 10 / W) });
      for (let r = first + W; r < 1200; r++) assert.equal(refit.flags[r], refit.scores[r] > t.value ? 1 : 0, `row ${r}`);
      assert.ok(count(refit.flags, first + W) <= 0.1 * (1200 - first - W), `refit: ${count(refit.flags, first + W)}`);
      // Stream = batch, restored midway through JSON.
      let st = det.stream({ adaptiveThreshold: { method: 'warmup', warmup: W } });
      for (let r = 0; r < 1200; r++) {
        if (r === 500) st = det.stream({ restore: JSON.parse(JSON.stringify(st.state())) });
        const res = st.pushSync(rowOf(test, r));
        if (res.ready) assert.equal(res.flag, refit.flags[r] === 1, `row ${r}`);
      }
    }));

  it('without the option: the same columns as before and no state of it', () =>
    withPot(async (det) => {
      const test = shifted(300, 150, 1);
      assert.deepEqual(await det.scoreSeries(test, {}), await det.scoreSeries(test));
      const st = det.stream();
      for (let r = 0; r < 50; r++) st.pushSync(rowOf(test, r));
      assert.equal('adaptiveThreshold' in st.state(), false);
      assert.equal(st.adaptiveThreshold, null);
    }));

  it('a warm-up that admits no fit starts again, the bundle flagging meanwhile, and says why', () => {
    const bundle: Threshold = { value: 1, method: 'pot', params: { risk: 1e-2, initialQuantile: 0.98 } };
    const a = new AdaptiveThresholdState(checkAdaptiveThreshold({ method: 'dspot', warmup: 60, depth: 0 }, bundle, false), bundle);
    for (let i = 0; i < 60; i++) assert.equal(a.push(0.5, i % 2), i % 2, 'the bundle\'s flags'); // one value: no peaks
    assert.ok(a.warming && Number.isNaN(a.threshold));
    assert.match(a.failure!, /only 0 of 60 scores exceed/);
    const b = new AdaptiveThresholdState(a.options, bundle, JSON.parse(JSON.stringify(a.toJSON())));
    assert.equal(b.failure, a.failure);
    for (let i = 0; i < 60; i++) b.push(Math.sqrt(i), 0);
    assert.ok(!b.warming && b.threshold > 1 && Number.isFinite(b.threshold), `a second warm-up with distinct scores fits: ${b.threshold}`);
  });

  it('refuses what it cannot do, with the reason', async () => {
    const det = await Detector.load(potted);
    const plain = await Detector.load(fixed);
    const alphaDet = await Detector.load(alpha);
    try {
      const test = shifted(300, 150, 1);
      await assert.rejects(alphaDet.scoreSeries(test, { adaptiveThreshold: DSPOT }), /flags by per-channel alphas.*rule: 'threshold'/);
      await assert.rejects(plain.scoreSeries(test, { adaptiveThreshold: { method: 'warmup', warmup: 100 } }), /its method 'fixed' cannot be refitted/);
      await assert.rejects(plain.scoreSeries(test, { adaptiveThreshold: DSPOT }), /'dspot' needs a risk/);
      assert.ok(await plain.scoreSeries(test, { adaptiveThreshold: { ...DSPOT, risk: 1e-2 } }));
      await assert.rejects(det.scoreSeries(test, { adaptiveThreshold: { ...DSPOT, warmup: 60 } }), /warmup must be an integer at least depth \+ 50 \(80\)/);
      await assert.rejects(det.scoreSeries(test, { adaptiveThreshold: { method: 'spot' } as never }), /method must be 'warmup' or 'dspot'/);
      const st = det.stream({ adaptiveThreshold: DSPOT });
      for (let r = 0; r < 40; r++) st.pushSync(rowOf(test, r));
      assert.throws(() => det.stream({ restore: st.state(), adaptiveThreshold: { ...DSPOT, depth: 31 } }), /taken with options .*"depth":30/);
    } finally {
      await Promise.all([det.dispose(), plain.dispose(), alphaDet.dispose()]);
    }
  });
});
