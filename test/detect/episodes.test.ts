// Alarm episodes and post-rules (lib/detect/episodes.ts, episode_tracker.ts): hand-worked flag
// sequences for each rule and their edges, the episode summary, and the stream's tracker giving
// the batch's episodes on random sequences (also across a JSON save and restore).
import { strict as assert } from 'node:assert';

import { episodes, postRules, type Episode, type PostRules } from '../../lib/detect/episodes';
import { EpisodeTracker, type EpisodeEvent } from '../../lib/detect/episode_tracker';
import { FuzzRng } from '../reliability/fuzz/rng';

const RAW: PostRules = { minDuration: 1, mergeGap: 0, cooldown: 0 };

/** '0110' -> flags; scores all 1. */
function flagsOf(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => (c === '1' ? 1 : 0));
}

/** The [start, end) of each episode of a flag string under the rules. */
function spans(s: string, rules: Partial<PostRules>): [number, number][] {
  const f = flagsOf(s);
  return episodes({ flags: f, scores: new Float32Array(f.length).fill(1) }, { ...RAW, ...rules }).map((e) => [e.start, e.end]);
}

describe('alarm episodes: hand-worked flag sequences', () => {
  it('without post-rules an episode is a run of flagged rows', () => {
    assert.deepEqual(spans('0110011100', {}), [[1, 3], [5, 8]]);
    assert.deepEqual(spans('1', {}), [[0, 1]]);
    assert.deepEqual(spans('0000', {}), []);
    assert.deepEqual(spans('', {}), []);
  });

  it('merge gap: runs separated by at most mergeGap unflagged rows are one episode', () => {
    // gaps of 2 and 3 rows
    assert.deepEqual(spans('1100110001', { mergeGap: 2 }), [[0, 6], [9, 10]]);
    assert.deepEqual(spans('1100110001', { mergeGap: 3 }), [[0, 10]]);
    assert.deepEqual(spans('1100110001', { mergeGap: 1 }), [[0, 2], [4, 6], [9, 10]]);
    // a chain of short gaps merges transitively
    assert.deepEqual(spans('10101010', { mergeGap: 1 }), [[0, 7]]);
  });

  it('minimum duration: an episode spanning fewer rows (gaps included) is dropped; exactly minDuration is kept', () => {
    assert.deepEqual(spans('1101000111', { minDuration: 3 }), [[7, 10]]);
    // merged first: the gaps count towards the duration
    assert.deepEqual(spans('1101000111', { minDuration: 3, mergeGap: 1 }), [[0, 4], [7, 10]]);
    assert.deepEqual(spans('1101000111', { minDuration: 4 }), []);
    // an episode still open when the series ends is reported
    assert.deepEqual(spans('00011', { minDuration: 2 }), [[3, 5]]);
  });

  it('cooldown: flags within cooldown rows after a reported episode are ignored; the next one starts after', () => {
    // episode [0, 2), cooldown to row 5: the run [4, 8) is cut to [5, 8)
    assert.deepEqual(spans('1100111100', { cooldown: 3 }), [[0, 2], [5, 8]]);
    // edge: the first row after the cooldown may start an episode, the last row in it may not
    assert.deepEqual(spans('10001', { cooldown: 3 }), [[0, 1], [4, 5]]);
    assert.deepEqual(spans('10001', { cooldown: 4 }), [[0, 1]]);
    // a cooldown no longer than the merge gap changes nothing (those rows are unflagged anyway)
    assert.deepEqual(spans('1100111', { mergeGap: 1, cooldown: 1 }), [[0, 2], [4, 7]]);
  });

  it('cooldown starts only after a reported episode, and a run cut by it must still be long enough', () => {
    // [0, 1) is dropped by minDuration 2: no cooldown follows it
    assert.deepEqual(spans('1000110000', { minDuration: 2, cooldown: 5 }), [[4, 6]]);
    // [0, 2) reported; cooldown 2 cuts [3, 6) to [4, 6) (kept), cooldown 3 to [5, 6) (dropped)
    assert.deepEqual(spans('11011100', { minDuration: 2, cooldown: 2 }), [[0, 2], [4, 6]]);
    assert.deepEqual(spans('11011100', { minDuration: 2, cooldown: 3 }), [[0, 2]]);
    // a cut run that is then dropped ([5, 7) cut to [6, 7)) starts no cooldown of its own
    assert.deepEqual(spans('1100011011', { minDuration: 2, cooldown: 4 }), [[0, 2], [8, 10]]);
  });

  it('summarises an episode: duration, flagged rows, the peak among flagged rows, top channels by mean error, times', () => {
    const flags = flagsOf('0110110');
    // the unflagged gap row 3 has the largest score and errors: neither the peak nor the channels see it
    const scores = [0, 2, 5, 9, 5, 3, 8];
    const errors = [
      0, 0, 0,
      1, 4, 0,
      3, 0, 0,
      99, 99, 99,
      2, 4, 1,
      2, 0, 1,
      50, 50, 50,
    ];
    const timestamps = Array.from({ length: 7 }, (_, r) => 1000 * r);
    const got = episodes({ flags, scores, channelErrors: errors, columns: ['a', 'b', 'c'], timestamps }, { ...RAW, mergeGap: 1 }, 2);
    const want: Episode = {
      start: 1, end: 6, duration: 5, flagged: 4, peakScore: 5, peakRow: 2,
      // mean over rows 1, 2, 4, 5: a (1+3+2+2)/4 = 2, b (4+0+4+0)/4 = 2 (tie: a, the lower channel, first), c 0.5
      topChannels: [{ name: 'a', error: 2 }, { name: 'b', error: 2 }],
      startTimestamp: 1000, endTimestamp: 5000,
    };
    assert.deepEqual(got, [want]);
    // without channel errors or timestamps: no channels, no times
    assert.deepEqual(episodes({ flags, scores }, RAW).map((e) => [e.topChannels, 'startTimestamp' in e]), [[[], false], [[], false]]);
  });

  it('refuses bad rules and inputs with messages naming them', () => {
    assert.throws(() => postRules({ minDuration: 0 }, RAW), /postRules.minDuration must be an integer >= 1 \(rows\), got 0/);
    assert.throws(() => postRules({ mergeGap: 1.5 }, RAW), /postRules.mergeGap must be an integer >= 0/);
    assert.throws(() => postRules({ cooldown: -1 }, RAW), /postRules.cooldown must be an integer >= 0/);
    assert.throws(() => postRules({ gap: 2 } as never, RAW), /unknown rule "gap"/);
    assert.throws(() => postRules(3 as never, RAW), /postRules must be an object/);
    assert.deepEqual(postRules({ cooldown: 4 }, RAW), { minDuration: 1, mergeGap: 0, cooldown: 4 });
    assert.throws(() => episodes({ flags: [1, 0], scores: [1] }, RAW), /1 scores for 2 flags/);
    assert.throws(() => episodes({ flags: [1], scores: [1], channelErrors: [1, 2] }, RAW), /channelErrors need the columns/);
    assert.throws(() => episodes({ flags: [1], scores: [1], channelErrors: [1], columns: ['a', 'b'] }, RAW), /hold 1 values, expected rows 1 \* columns 2/);
  });
});

/** A random bursty flag sequence, scores and channel errors. */
function randomSeries(rng: FuzzRng, n: number, F: number) {
  const flags = new Uint8Array(n);
  const pOn = 0.02 + 0.3 * rng.next(), pStay = 0.3 + 0.65 * rng.next();
  for (let r = 0; r < n; r++) flags[r] = rng.next() < (r && flags[r - 1] ? pStay : pOn) ? 1 : 0;
  const scores = Float32Array.from({ length: n }, () => Math.floor(rng.next() * 8)); // ties on purpose
  const channelErrors = Float32Array.from({ length: n * F }, () => rng.next());
  const timestamps = Float64Array.from({ length: n }, (_, r) => 1.7e12 + 1000 * r);
  return { flags, scores, channelErrors, timestamps };
}

describe('alarm episodes: a stream gives the batch episodes', () => {
  it('on random flag sequences and rules, with events at the rows that decide them and a JSON save/restore midway', () => {
    const columns = ['a', 'b', 'c'];
    let reported = 0;
    for (let trial = 0; trial < 300; trial++) {
      const rng = new FuzzRng(11, trial);
      const n = 1 + rng.int(300);
      const s = randomSeries(rng, n, columns.length);
      const rules = { minDuration: 1 + rng.int(6), mergeGap: rng.int(6), cooldown: rng.int(10) };
      const top = rng.int(4);
      const batch = episodes({ ...s, columns }, rules, top);
      reported += batch.length;

      const cut = rng.int(n + 1);
      let tracker = new EpisodeTracker(rules, columns, top);
      const events: [number, EpisodeEvent][] = [];
      for (let r = 0; r < n; r++) {
        if (r === cut) tracker = new EpisodeTracker(rules, columns, top, JSON.parse(JSON.stringify(tracker.toJSON())));
        const e = tracker.push(s.flags[r] === 1, s.scores[r], s.channelErrors, r * columns.length, s.timestamps[r]);
        if (e) events.push([r, e]);
      }
      const closed = events.filter(([, e]) => e.event === 'closed').map(([, e]) => {
        const { event: _, ...episode } = e as Extract<EpisodeEvent, { event: 'closed' }>;
        return episode;
      });
      const pending = tracker.pending();
      const streamed = pending ? [...closed, pending] : closed;
      const ctx = `trial ${trial}, rules ${JSON.stringify(rules)}`;
      assert.deepEqual(streamed, batch, ctx);
      // 'opened' once per reported episode, on the row where it reached minDuration rows
      const opened = events.filter(([, e]) => e.event === 'opened');
      assert.deepEqual(opened.map(([, e]) => e.start), batch.map((e) => e.start), ctx);
      for (const [r, e] of opened) {
        const first = Array.from({ length: r - e.start + 1 }, (_, k) => e.start + k).find((q) => s.flags[q] === 1 && q + 1 - e.start >= rules.minDuration);
        assert.equal(r, first, ctx);
      }
      // 'closed' on the (mergeGap + 1)-th unflagged row after the episode's last row
      for (const [r, e] of events) if (e.event === 'closed') assert.equal(r, e.end + rules.mergeGap, ctx);
    }
    assert.ok(reported > 300, `the trials reported only ${reported} episodes`);
  });

  it('refuses a saved state taken with other rules or holding a broken episode', () => {
    const t = new EpisodeTracker(RAW, undefined, 3);
    t.push(true, 1, null, 0, NaN);
    const saved = t.toJSON();
    assert.throws(() => new EpisodeTracker({ ...RAW, cooldown: 2 }, undefined, 3, saved), /taken with post-rules .* this stream has/);
    assert.throws(() => new EpisodeTracker(RAW, undefined, 3, { ...saved, open: { ...saved.open!, end: 5 } }), /start < end <= rows/);
    assert.throws(() => new EpisodeTracker(RAW, undefined, 3, { ...saved, rows: -1 }), /non-negative integers/);
  });
});
