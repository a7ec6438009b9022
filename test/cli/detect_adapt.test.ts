// vigil detect --adapt: the Detector's adaptive threshold from the command line. Its flags must
// equal the library's on the same rows (lib/detect/adaptive_threshold.ts is tested there); here:
// the flags reach it, a level shift the bundle flags everywhere is mostly not flagged after the
// warm-up, and the flags' usage errors.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import '../../models';
import { loadSeries } from '../../lib/data/load';
import { Detector } from '../../lib/detect/detector';
import { dataFlags, useCliDir, writeTrainTest } from '../helpers/cli';

const flagsOf = (csv: string) => csv.trim().split('\n').slice(1).map((l) => l.split(',')[3]);

describe('vigil detect --adapt', function () {
  this.timeout(180000);
  const dir = useCliDir('vigil-adapt-');

  before(() => {
    writeTrainTest(dir.path, 700, 400);
    const t = dir.run(['train', '--model', 'lstm-ae', ...dataFlags('train.csv'), '--window', '10', '--epochs', '2', '--seed', '3', '--out', 'm.vigil']);
    assert.equal(t.code, 0, t.err);
    // The normal training rows again with every channel shifted by +3: a new operating level.
    const lines = readFileSync(join(dir.path, 'train.csv'), 'utf8').trim().split('\n');
    const shifted = lines.slice(1).map((l) => {
      const c = l.split(',');
      return [c[0], ...c.slice(1, 5).map((v) => (Number(v) + 3).toFixed(5)), c[5]].join(',');
    });
    writeFileSync(join(dir.path, 'shifted.csv'), [lines[0], ...shifted].join('\n') + '\n');
  });

  it('--adapt dspot gives the flags of the library option on the same rows', async () => {
    const r = dir.run(['detect', '--model', 'm.vigil', '--data', 'test.csv', '--out', 's.csv', '--adapt', 'dspot', '--warmup', '100', '--depth', '20', '--drift', 'all', '--json']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out).adaptiveThreshold, { method: 'dspot', warmup: 100, depth: 20, drift: 'all' });
    const det = await Detector.load(join(dir.path, 'm.vigil'));
    try {
      const series = await loadSeries({ path: join(dir.path, 'test.csv'), timestamp: 'time', labels: ['attack'] }, 'test');
      const lib = await det.scoreSeries(series, { adaptiveThreshold: { method: 'dspot', warmup: 100, depth: 20, drift: 'all' } });
      const cli = flagsOf(readFileSync(join(dir.path, 's.csv'), 'utf8'));
      assert.deepEqual(cli.slice(9), Array.from(lib.flags.subarray(9), String));
    } finally {
      await det.dispose();
    }
  });

  it('a level shift: the bundle flags most rows, a warm-up refit few after its warm-up', () => {
    const plain = dir.run(['detect', '--model', 'm.vigil', '--data', 'shifted.csv', '--out', 'p.csv']);
    assert.equal(plain.code, 0, plain.err);
    const refit = dir.run(['detect', '--model', 'm.vigil', '--data', 'shifted.csv', '--out', 'w.csv', '--adapt', 'warmup', '--warmup', '200']);
    assert.equal(refit.code, 0, refit.err);
    assert.match(refit.err + refit.out, /by a threshold refitted after a 200-decision warm-up/);
    const share = (csv: string) => {
      const after = flagsOf(readFileSync(join(dir.path, csv), 'utf8')).slice(9 + 200);
      return after.filter((f) => f === '1').length / after.length;
    };
    assert.ok(share('p.csv') > 0.5, `the bundle's threshold flags ${share('p.csv')} of the shifted rows`);
    assert.ok(share('w.csv') < 0.1, `after the refit ${share('w.csv')} are flagged`);
  });

  it('usage errors name the flag', () => {
    for (const [args, re] of [
      [['--warmup', '10'], /--warmup needs --adapt/],
      [['--adapt', 'spot', '--warmup', '10'], /--adapt must be warmup or dspot/],
      [['--adapt', 'dspot', '--warmup', '10'], /--adapt dspot needs --depth/],
      [['--adapt', 'warmup'], /--adapt needs --warmup/],
      [['--adapt', 'dspot', '--warmup', '10', '--depth', '5', '--drift', 'up'], /--drift must be normal or all/],
    ] as [string[], RegExp][]) {
      const r = dir.run(['detect', '--model', 'm.vigil', '--data', 'test.csv', '--out', 'x.csv', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, re);
    }
  });
});
