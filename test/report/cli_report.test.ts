// `vigil report` end to end on a hand-made scored file: the episode rows worked out by hand from
// the flags, the bundle's default post-rules (window 16: merge gap 15) and the labels; the rule
// flags override them; times in the data's own zone; labels optional; usage errors exit 2.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { dataFlags, useCliDir, writeTrainTest } from '../helpers/cli';

// 60 rows, one a second from 10:00:00 at UTC+02:00; labelled events at rows 10-14, 28-33, 55-57.
const ROWS = 60;
const stamp = (r: number) => `2024-03-01T10:00:${String(r).padStart(2, '0')}+02:00`;
const label = (r: number) => +((r >= 10 && r < 15) || (r >= 28 && r < 34) || (r >= 55 && r < 58));
// Flagged rows (score, top channels); every other row from 15 on scores 0.5, unflagged.
const FLAGGED: Record<number, [number, string]> = {
  16: [2, 'a;b'], 17: [5, 'b;a'], 18: [3, 'b;c'], 30: [4, 'c;d'], 31: [1, 'c;b'], 50: [7, 'd;a'], 51: [6, 'a;d'],
};

function writeScored(dir: string, withLabels = true): void {
  const data = [`time,a,b,c,d${withLabels ? ',attack' : ''}`];
  const scores = ['row,time,score,flag,top_channels'];
  for (let r = 0; r < ROWS; r++) {
    data.push([stamp(r), Math.sin(r), Math.cos(r), r % 3, 1, ...(withLabels ? [label(r)] : [])].join(','));
    const utc = new Date(Date.parse(stamp(r))).toISOString();
    const f = FLAGGED[r];
    scores.push(r < 15 ? `${r},${utc},,,` : f ? `${r},${utc},${f[0]},1,${f[1]}` : `${r},${utc},0.5,0,a;b`);
  }
  writeFileSync(join(dir, withLabels ? 'today.csv' : 'unlabelled.csv'), data.join('\n') + '\n');
  writeFileSync(join(dir, 'scores.csv'), scores.join('\n') + '\n');
}

describe('vigil report', function () {
  this.timeout(180000);
  const work = useCliDir('vigil-report-');
  const json = (args: string[]) => {
    const r = work.run(['report', '--model', 'm.vigil', '--scores', 'scores.csv', ...args, '--json']);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out);
  };
  before(() => {
    writeTrainTest(work.path, 600, 100);
    writeFileSync(join(work.path, 'small.json'), JSON.stringify({ window: 16, encoder: [8], latent: 4, decoderDense: 8, decoder: [8], bnMomentum: 0.1 }));
    const r = work.run(['train', ...dataFlags('train.csv'), '--config', 'small.json', '--epochs', '1', '--out', 'm.vigil']);
    assert.equal(r.code, 0, r.err);
    writeScored(work.path);
    writeScored(work.path, false);
  });

  it('merges the flags by the bundle\'s post-rules into the hand-worked episodes, matched to the labelled events', () => {
    const o = json(['--data', 'today.csv', '--out', 'rep']);
    assert.deepEqual(o.postRules, { minDuration: 1, mergeGap: 15, cooldown: 0 });
    assert.equal(o.zone, 'UTC+02:00');
    assert.equal(o.flagged, 7);
    // Rows 16-18 and 30-31 are 11 rows apart (<= 15): one episode [16, 32); 50-51 are 18 rows on: a second.
    // Channels named over 16, 17, 18, 30, 31: b 4 rows, c 3, a 2, d 1; over 50, 51: a and d 2 each, rank sums 1 and 1: by name.
    assert.deepEqual(o.episodes, [
      { start: 16, end: 32, startTime: '2024-03-01 10:00:16', endTime: '2024-03-01 10:00:31', duration: 16, durationSeconds: 16, flagged: 5, peakScore: 5, peakRow: 17, topChannels: ['b', 'c', 'a'], events: ['event 2'] },
      { start: 50, end: 52, startTime: '2024-03-01 10:00:50', endTime: '2024-03-01 10:00:51', duration: 2, durationSeconds: 2, flagged: 2, peakScore: 7, peakRow: 50, topChannels: ['a', 'd'], events: [] },
    ]);
    const html = readFileSync(o.out, 'utf8');
    const rows = [...html.matchAll(/<tr data-start="(\d+)" data-end="(\d+)">([\s\S]*?)<\/tr>/g)];
    assert.deepEqual(rows.map((r) => r[3].replace(/<[^>]+>/g, '|').replace(/\|+/g, '|')), [
      '|1|2024-03-01 10:00:16|2024-03-01 10:00:31|16 s|5|b, c, a|event 2|',
      '|2|2024-03-01 10:00:50|2024-03-01 10:00:51|2 s|7|a, d|false alarm|',
    ]);
    assert.match(html, /1 false alarms \(no labelled row in them\); labelled events with no episode: event 1, event 3/);
    assert.match(html, /time axis: UTC\+02:00/);
    assert.match(html, /<summary>channels the alarms name \(4\)<\/summary>/);
  });

  it('takes the post-rule flags over the defaults', () => {
    const split = json(['--data', 'today.csv', '--out', 'rep2', '--merge-gap', '5']);
    assert.deepEqual(split.episodes.map((e: { start: number; end: number }) => [e.start, e.end]), [[16, 19], [30, 32], [50, 52]]);
    const long = json(['--data', 'today.csv', '--out', 'rep3', '--min-duration', '3', '--top', '1']);
    assert.deepEqual(long.episodes.map((e: { start: number; topChannels: string[] }) => [e.start, e.topChannels]), [[16, ['b']]]);
  });

  it('works without labels: no event column', () => {
    const o = json(['--data', 'unlabelled.csv', '--out', 'rep4']);
    assert.equal(o.labelled, false);
    assert.deepEqual(o.episodes.map((e: { events: unknown }) => e.events), [null, null]);
    assert.doesNotMatch(readFileSync(o.out, 'utf8'), /labelled event|false alarm/);
  });

  it('says what is wrong in one line, exit code 2', () => {
    const bad = (args: string[], message: RegExp) => {
      const r = work.run(['report', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, message);
      assert.equal(r.err.trim().split('\n').filter((l) => !l.startsWith('note:')).length, 1, r.err);
    };
    bad(['--model', 'm.vigil', '--data', 'today.csv'], /--scores is required/);
    bad(['--model', 'm.vigil', '--scores', 'scores.csv'], /--data is required/);
    bad(['--model', 'm.vigil', '--data', 'train.csv', '--scores', 'scores.csv'], /--scores scores\.csv has 60 rows and --data 600/);
    bad(['--model', 'm.vigil', '--data', 'today.csv', '--scores', 'today.csv'], /not a file written by vigil detect/);
    bad(['--model', 'm.vigil', '--data', 'today.csv', '--scores', 'none.csv'], /--scores none\.csv: no such file/);
    bad(['--model', 'm.vigil', '--data', 'today.csv', '--scores', 'scores.csv', '--merge-gap', '-1'], /--merge-gap/);
    const help = work.run(['report', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /--scores[\s\S]*--merge-gap[\s\S]*--json/);
  });
});
