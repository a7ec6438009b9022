// vigil detect --episodes: the alarm episodes of the flags it writes, by the post-rules
// (lib/detect/episodes.ts), checked against the flag column of its own scores CSV.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { dataFlags, useCliDir, writeTrainTest } from '../helpers/cli';

/** Runs of consecutive flagged rows in a scores CSV: [start, end) pairs. */
function flagRuns(csv: string): [number, number][] {
  const flags = csv.trim().split('\n').slice(1).map((l) => l.split(',')[3] === '1');
  const runs: [number, number][] = [];
  flags.forEach((on, r) => {
    if (!on) return;
    const last = runs[runs.length - 1];
    if (last && last[1] === r) last[1] = r + 1;
    else runs.push([r, r + 1]);
  });
  return runs;
}

function readEpisodes(path: string): { start: number; end: number; flagged: number; peak: number; top: string }[] {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'start_row,end_row,start_time,end_time,duration_rows,flagged_rows,peak_score,peak_row,top_channels');
  return lines.slice(1).map((l) => {
    const c = l.split(',');
    return { start: +c[0], end: +c[1], flagged: +c[5], peak: +c[6], top: c[8] };
  });
}

describe('vigil detect --episodes', function () {
  this.timeout(180000);
  const dir = useCliDir('vigil-episodes-');

  before(() => {
    writeTrainTest(dir.path, 700, 400);
    const t = dir.run(['train', '--model', 'lstm-ae', ...dataFlags('train.csv'), '--window', '10', '--epochs', '2', '--seed', '3', '--out', 'm.vigil']);
    assert.equal(t.code, 0, t.err);
  });

  it('merge gap 0: one episode per run of flags in the scores file', () => {
    const r = dir.run(['detect', '--model', 'm.vigil', '--data', 'test.csv', '--out', 's.csv', '--episodes', 'e.csv', '--merge-gap', '0', '--json']);
    assert.equal(r.code, 0, r.err);
    const runs = flagRuns(readFileSync(join(dir.path, 's.csv'), 'utf8'));
    assert.ok(runs.length > 1, `the test data should raise several alarms (got ${runs.length})`);
    const eps = readEpisodes(join(dir.path, 'e.csv'));
    assert.deepEqual(eps.map((e) => [e.start, e.end]), runs);
    for (const e of eps) assert.equal(e.flagged, e.end - e.start);
    const res = JSON.parse(r.out);
    assert.equal(res.episodes, runs.length);
    assert.deepEqual(res.postRules, { minDuration: 1, mergeGap: 0, cooldown: 0 });
  });

  it('the default merge gap (window - 1) joins runs closer than a window; every flag stays inside one', () => {
    const r = dir.run(['detect', '--model', 'm.vigil', '--data', 'test.csv', '--out', 's.csv', '--episodes', 'e.csv']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err + r.out, /alarm episodes? \(post-rules: merge gap 9, minimum duration 1, cooldown 0 rows\)/);
    const runs = flagRuns(readFileSync(join(dir.path, 's.csv'), 'utf8'));
    const eps = readEpisodes(join(dir.path, 'e.csv'));
    // Hand rule: a run joins the previous episode when at most 9 unflagged rows separate them.
    const merged: [number, number][] = [];
    for (const [s, e] of runs) {
      const last = merged[merged.length - 1];
      if (last && s - last[1] <= 9) last[1] = e;
      else merged.push([s, e]);
    }
    assert.deepEqual(eps.map((e) => [e.start, e.end]), merged);
    assert.ok(eps.every((e) => e.top.length > 0), 'every episode names its channels');
  });

  it('min duration and cooldown drop episodes; bad rules are usage errors', () => {
    const r = dir.run(['detect', '--model', 'm.vigil', '--data', 'test.csv', '--out', 's.csv', '--episodes', 'e.csv', '--min-duration', '100000']);
    assert.equal(r.code, 0, r.err);
    assert.equal(readEpisodes(join(dir.path, 'e.csv')).length, 0);
    const bad = dir.run(['detect', '--model', 'm.vigil', '--data', 'test.csv', '--out', 's.csv', '--merge-gap', '-1']);
    assert.equal(bad.code, 2, bad.err);
    assert.match(bad.err, /--merge-gap/);
  });
});
