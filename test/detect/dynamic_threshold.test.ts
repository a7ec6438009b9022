// A dynamic threshold (calibrate --method dynamic) through the Detector: batch in any chunking =
// stream row by row = the evaluation path's flags, a stream state through JSON resumes the
// threshold's history, and calibrate -> detect -> evaluate through the CLI on generated data.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { applyThreshold, type Threshold } from '../../lib/calibrate/thresholds';
import { Detector } from '../../lib/detect/detector';
import { loadDetector } from '../../lib/detect/detector_bundle';
import { dynamicRuleOf } from '../../lib/eval/dynamic_threshold';
import { loadBundle, saveBundle } from '../../lib/io/bundle';
import { calibrateDetector, saveCalibration } from '../../lib/pipeline/calibrate';
import { evaluateDetector } from '../../lib/pipeline/evaluate';
import { dataFlags, useCliDir, writeTrainTest } from '../helpers/cli';
import { makeBundle, rowOf, series } from './detector_fixture';

// Small windows so that the fallback, the first full window and many windows after it all occur
// in 300 rows; a low grid so that the untrained model's scores get flags.
const OPTIONS = { history: 60, span: 3, 'z-grid': '1,1.5,2,2.5,3', 'min-decrease': 0.05 };

describe('dynamic threshold through the Detector', function () {
  this.timeout(120000);
  let dir = '', fixed = '', dynamic = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-dynamic-'));
    fixed = makeBundle(dir, 'lstm-ae');
    dynamic = join(dir, 'dynamic.vigil');
    const det = loadDetector(fixed);
    try {
      saveCalibration(fixed, calibrateDetector(det, series(400, 9, false), 'dynamic', { options: OPTIONS }), dynamic);
    } finally {
      det.model.dispose();
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const test = series(300, 5, true);
  const rows = Array.from({ length: test.rows }, (_, r) => rowOf(test, r));

  it('batch (chunks of 1, 7, 64) = stream row by row = the evaluation path, from the fallback rows on', async () => {
    const det = await Detector.load(dynamic);
    const one = await Detector.load(dynamic, { chunkWindows: 1 });
    const seven = await Detector.load(dynamic, { chunkWindows: 7 });
    try {
      const t = det.threshold;
      assert.equal(t.method, 'dynamic');
      assert.deepEqual(dynamicRuleOf(t), { history: 60, span: 3, zGrid: [1, 1.5, 2, 2.5, 3], minDecrease: 0.05, fallback: t.value });
      const batch = await det.scoreSeries(test);
      for (const other of [one, seven]) assert.deepEqual(await other.scoreSeries(test), batch);
      const first = det.window - 1;
      const flags = batch.flags.subarray(first);
      const n = flags.reduce((a, b) => a + b, 0);
      assert.ok(n > 0 && n < flags.length, `both flags occur (${n} of ${flags.length})`);
      assert.ok(flags.subarray(59).some((f) => f), 'rows judged by a full window are flagged too');
      // The evaluation path (applyThreshold on the scored rows) flags the same rows.
      assert.deepEqual(applyThreshold(batch.scores.subarray(first), t), flags);
      // The rule is not the fixed fallback threshold: some row differs.
      assert.notDeepEqual(applyThreshold(batch.scores.subarray(first), t.value), flags);
      const st = det.stream();
      rows.forEach((r, i) => {
        const res = st.pushSync(r);
        assert.equal(res.ready, i >= first);
        if (res.ready) {
          assert.equal(res.score, batch.scores[i], `row ${i} score`);
          assert.equal(res.flag, batch.flags[i] === 1, `row ${i}: the stream's flag is the batch's`);
        }
      });
    } finally {
      await Promise.all([det.dispose(), one.dispose(), seven.dispose()]);
    }
  });

  it('evaluate reports the rule: its flagged rows are the Detector\'s', async () => {
    const loaded = loadDetector(dynamic);
    const det = await Detector.load(dynamic);
    try {
      const { flags } = await det.scoreSeries(test);
      const ev = evaluateDetector(loaded, test, { labels: test.labels! });
      const r = ev.reports[0].report;
      assert.equal(r.threshold.method, 'dynamic');
      assert.equal(r.point.tp + r.point.fp, flags.reduce((a, b) => a + b, 0));
    } finally {
      loaded.model.dispose();
      await det.dispose();
    }
  });

  it('a stream state through JSON carries the threshold history (before, at and after the window fills)', async () => {
    const det = await Detector.load(dynamic);
    try {
      const all = rows.map(((st) => (r: number[]) => st.pushSync(r))(det.stream()));
      for (const cut of [5, det.window - 1, det.window + 58, det.window + 59, 200]) {
        const a = det.stream();
        for (let i = 0; i < cut; i++) a.pushSync(rows[i]);
        const saved = JSON.parse(JSON.stringify(a.state()));
        assert.equal(saved.threshold.recent.length, Math.min(60, Math.max(0, cut - det.window + 1)));
        const b = det.stream({ restore: saved });
        assert.deepEqual(rows.slice(cut).map((r) => b.pushSync(r)), all.slice(cut), `cut at ${cut}`);
      }
      // A state of the fixed-threshold detector (same input side) has no history: refused once decisions were made.
      const plain = await Detector.load(fixed);
      try {
        const s = plain.stream();
        for (let i = 0; i < 30; i++) s.pushSync(rows[i]);
        assert.throws(() => det.stream({ restore: s.state() }), /dynamic threshold and the state holds no threshold history/);
        assert.equal(s.state().threshold, undefined);
      } finally {
        await plain.dispose();
      }
    } finally {
      await det.dispose();
    }
  });

  it('a bundle with a damaged dynamic threshold is refused at load, naming the field', () => {
    const b = loadBundle(dynamic);
    const t = b.sections.threshold as Threshold;
    const damaged = join(dir, 'damaged.vigil');
    saveBundle(damaged, { ...b, sections: { ...b.sections, threshold: { ...t, params: { ...t.params, minDecrease: 1.5 } } } });
    assert.throws(() => loadDetector(damaged), /model bundle .*damaged\.vigil: dynamic threshold: params\.minDecrease must be in \[0, 1\), got 1\.5/);
  });
});

describe('vigil calibrate --method dynamic -> detect -> evaluate', function () {
  this.timeout(180000);
  const work = useCliDir('vigil-dynamic-cli-');
  before(() => writeTrainTest(work.path, 600, 400));

  it('fits on normal rows, flags the test rows by the rule, and evaluate agrees', async () => {
    makeBundle(work.path, 'lstm-ae', { name: 'm' });
    const flags = Object.entries(OPTIONS).flatMap(([k, v]) => [`--${k}`, String(v)]);
    let r = work.run(['calibrate', '--model', 'm.vigil', ...dataFlags('train.csv'), '--method', 'dynamic', ...flags]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /dynamic threshold \(Hundman et al\.\): windows of 60 scores smoothed with EWMA span 3, z 1\.\.3, pruning p 0\.05; fallback [\d.e+-]+ \(pot on 589 smoothed scores of .*train\.csv\)/);
    assert.match(r.out, /flags [\d.]+% of 589, 530 of them judged by a full window/);
    r = work.run(['detect', '--model', 'm.vigil', ...dataFlags('test.csv'), '--out', 'scores.csv']);
    assert.equal(r.code, 0, r.err);
    const lines = readFileSync(join(work.path, 'scores.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const scored = lines.filter((l) => l[2] !== '');
    const scores = Float32Array.from(scored, (l) => Number(l[2]));
    const csvFlags = Uint8Array.from(scored, (l) => Number(l[3]));
    const t = loadDetector(join(work.path, 'm.vigil'));
    t.model.dispose();
    assert.equal(t.info.threshold.method, 'dynamic');
    // The CSV's scores are float32 written in full: the rule on them gives the CSV's flags.
    assert.deepEqual(applyThreshold(scores, t.info.threshold), csvFlags);
    const n = csvFlags.reduce((a, b) => a + b, 0);
    assert.ok(n > 0, 'some test rows are flagged');
    r = work.run(['evaluate', '--scores', 'scores.csv', '--model', 'm.vigil', ...dataFlags('test.csv'), '--json']);
    assert.equal(r.code, 0, r.err);
    const rep = JSON.parse(r.out)['lstm-ae'];
    assert.equal(rep.threshold.method, 'dynamic');
    assert.equal(rep.point.tp + rep.point.fp, n);
    r = work.run(['calibrate', '--model', 'm.vigil', ...dataFlags('train.csv'), '--method', 'dynamic', '--min-decrease', '2']);
    assert.equal(r.code, 2);
    assert.match(r.err, /^vigil: calibrate: --min-decrease must be a number >= 0 and < 1, got 2$/m);
    r = work.run(['calibrate', '--help']);
    assert.match(r.out, /--z-grid <string>\s+dynamic: candidate z of mu \+ z sigma, comma-separated \(default 2\.5,3,3\.5,.*,12\)/);
  });
});
