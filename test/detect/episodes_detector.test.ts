// The Detector's calibrated scores and alarm episodes: `calibrated` on every decision of a POT
// bundle (batch = stream), none otherwise; scoreEpisodes/episodes() give episodes() of the scored
// columns; a stream with post-rules announces the same episodes row by row (also across a
// JSON save and restore) and its decisions are otherwise the batch's.
import { strict as assert } from 'node:assert';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';

import { Detector, type DetectorResult, type EpisodeEvent, type Episode } from '../../lib/detect/detector';
import { loadDetector } from '../../lib/detect/detector_bundle';
import { episodes } from '../../lib/detect/episodes';
import { calibratedScore } from '../../lib/eval/calibrated';
import { calibrateDetector, saveCalibration } from '../../lib/pipeline/calibrate';
import { rowOf, series, useBundles } from './detector_fixture';

/** Copies a bundle and gives the copy a POT threshold fitted on normal rows. */
function withPot(path: string, name: string): string {
  const out = join(path, '..', `${name}.vigil`);
  copyFileSync(path, out);
  const loaded = loadDetector(out);
  try {
    saveCalibration(out, calibrateDetector(loaded, series(1200, 9, false), 'pot', { options: { risk: 0.01 } }));
  } finally {
    loaded.model.dispose();
  }
  return out;
}

/** A stream's results and its episodes ('closed' events, then the pending one). */
function streamEpisodes(det: Detector, rows: number[][], times: ArrayLike<number>, opts: object, restoreAt = -1) {
  let st = det.stream(opts);
  const results: DetectorResult[] = [];
  const found: Episode[] = [];
  const events: EpisodeEvent[] = [];
  rows.forEach((row, i) => {
    if (i === restoreAt) st = det.stream({ restore: JSON.parse(JSON.stringify(st.state())) });
    const r = st.pushSync(row, times[i]);
    if (r.ready && r.episode) {
      events.push(r.episode);
      if (r.episode.event === 'closed') {
        const { event: _, ...e } = r.episode;
        found.push(e);
      }
      delete r.episode;
    }
    results.push(r);
  });
  const pending = st.pendingEpisode();
  return { results, episodes: pending ? [...found, pending] : found, events };
}

describe('Detector: calibrated scores and alarm episodes', function () {
  this.timeout(120000);
  const ctx = useBundles('vigil-episodes-');
  const s = series(300);
  const rows = Array.from({ length: s.rows }, (_, r) => rowOf(s, r));
  const times = s.timestamps!;

  it('a POT bundle: every decision has its calibrated score, in batches and streams alike; the flags agree with 1 - risk', async () => {
    const det = await Detector.load(withPot(ctx.bundles['lstm-ae'], 'lstm-ae-pot'));
    try {
      assert.ok(det.calibration);
      const batch = await det.scoreBatch(rows, { timestamps: times });
      const risk = det.threshold.params.risk as number;
      let flagged = 0;
      for (const r of batch) {
        if (!r.ready) {
          assert.ok(!('calibrated' in r));
          continue;
        }
        assert.equal(r.calibrated, calibratedScore(det.calibration, r.score));
        assert.equal(det.calibratedScore(r.score), r.calibrated);
        if (Math.abs(r.score - det.threshold.value) > 1e-6 * det.threshold.value) assert.equal(r.flag, r.calibrated! > 1 - risk, `row ${r.index}`);
        flagged += Number(r.flag);
      }
      assert.ok(flagged > 0 && flagged < batch.length, `${flagged} flagged rows`);
      assert.deepEqual(streamEpisodes(det, rows, times, {}).results, batch);
    } finally {
      await det.dispose();
    }
  });

  it('no calibrated score without a POT threshold, nor under the alpha rule (its score is another statistic)', async () => {
    const fixed = await Detector.load(ctx.bundles['lstm-ae']);
    const alphaPot = withPot(ctx.bundles['dc-vae-alpha'], 'dc-vae-alpha-pot');
    const alpha = await Detector.load(alphaPot);
    const thresholdRule = await Detector.load(alphaPot, { rule: 'threshold' });
    try {
      for (const det of [fixed, alpha]) {
        assert.equal(det.calibration, null);
        assert.equal(det.calibratedScore(1), null);
        assert.ok((await det.scoreBatch(rows)).every((r) => !('calibrated' in r)));
      }
      assert.ok(thresholdRule.calibration);
      assert.ok((await thresholdRule.scoreBatch(rows)).every((r) => !r.ready || typeof r.calibrated === 'number'));
    } finally {
      await Promise.all([fixed.dispose(), alpha.dispose(), thresholdRule.dispose()]);
    }
  });

  for (const name of ['lstm-ae', 'dc-vae', 'dc-vae-alpha']) {
    it(`${name}: batch and stream give the episodes of the scored columns; the stream's decisions are otherwise the batch's`, async () => {
      const det = await Detector.load(ctx.bundles[name]);
      try {
        const postRules = { minDuration: 2, mergeGap: 2, cooldown: 4 };
        const got = await det.scoreEpisodes(rows, { timestamps: times, postRules, top: 2 });
        assert.deepEqual(got.results, await det.scoreBatch(rows, { timestamps: times, top: 2 }));
        const cols = await det.scoreSeries(s);
        const want = episodes({ flags: cols.flags, scores: cols.scores, channelErrors: cols.channelErrors, columns: det.columns, timestamps: times }, postRules, 2);
        assert.deepEqual(got.episodes, want);
        assert.ok(want.length >= 2, `${want.length} episodes`);
        assert.ok(want.every((e) => e.topChannels.length === 2 && e.startTimestamp === times[e.start]));

        const streamed = streamEpisodes(det, rows, times, { postRules, top: 2 });
        assert.deepEqual(streamed.results, got.results);
        assert.deepEqual(streamed.episodes, want);
        assert.deepEqual(streamed.events.filter((e) => e.event === 'opened').map((e) => e.start), want.map((e) => e.start));
        // saved and restored midway (through JSON), inside an episode
        const inside = want[0].start + 1;
        assert.deepEqual(streamEpisodes(det, rows, times, { postRules, top: 2 }, inside).episodes, want);
      } finally {
        await det.dispose();
      }
    });
  }

  it('default post-rules merge runs closer than a window; a stream without postRules reports no episodes', async () => {
    const det = await Detector.load(ctx.bundles['lstm-ae']);
    try {
      assert.deepEqual(det.postRules, { minDuration: 1, mergeGap: det.window - 1, cooldown: 0 });
      const cols = await det.scoreSeries(s);
      const byDefault = det.episodes(cols);
      assert.deepEqual(byDefault, episodes({ flags: cols.flags, scores: cols.scores, channelErrors: cols.channelErrors, columns: det.columns }, det.postRules));
      assert.deepEqual(streamEpisodes(det, rows, [], { postRules: true }).episodes, byDefault);
      const plain = streamEpisodes(det, rows, [], {});
      assert.deepEqual(plain.events, []);
      assert.ok(plain.results.every((r) => !('episode' in r)));
      assert.ok(!('episodes' in det.stream().state()));
    } finally {
      await det.dispose();
    }
  });

  it('refuses bad post-rules and a state that cannot go on with episodes', async () => {
    const det = await Detector.load(ctx.bundles['lstm-ae']);
    try {
      const cols = await det.scoreSeries(s);
      assert.throws(() => det.episodes(cols, { postRules: { mergeGap: -1 } }), /postRules.mergeGap must be an integer >= 0/);
      assert.throws(() => det.stream({ postRules: { cooldown: 0.5 } }), /postRules.cooldown must be an integer >= 0/);
      const st = det.stream();
      for (const r of rows.slice(0, 20)) st.pushSync(r);
      assert.throws(() => det.stream({ restore: st.state(), postRules: true }), /the state holds no alarm episodes \(taken without postRules\) after 20 rows/);
      const withEpisodes = det.stream({ postRules: true });
      for (const r of rows.slice(0, 20)) withEpisodes.pushSync(r);
      assert.throws(() => det.stream({ restore: withEpisodes.state(), postRules: { cooldown: 3 } }), /taken with post-rules/);
      // a restored state that tracked episodes goes on tracking them with its own rules
      assert.deepEqual(det.stream({ restore: withEpisodes.state() }).state().episodes, withEpisodes.state().episodes);
    } finally {
      await det.dispose();
    }
  });
});
