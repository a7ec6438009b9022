// The issue-21 readers on the real files of ../shared/data (read-only, never copied into the
// project): every SMD machine with its channel count read from the file, every BATADAL file the
// data README lists read by the preset, SKAB's folder of runs pooled. Counts are the files'
// (wc -l less the header) and the README's.
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { loadLabels, loadSeries } from '../../lib/data/load';
import { loadPreset } from '../../lib/data/presets';
import { samplesOf } from '../../lib/data/representation';

const DATA = join(__dirname, '..', '..', '..', 'shared', 'data');
const sum = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);

describe('data: issue-21 readers on the real files', function () {
  this.timeout(60000);
  before(function () {
    if (!existsSync(DATA)) {
      console.log(`    (skipped: ${DATA} is absent; these checks read the real files in ../shared/data)`);
      this.skip();
    }
  });

  const machines: Array<[string, number, number]> = [
    ['machine-1-6', 23688, 23689],
    ['machine-2-1', 23693, 23694],
    ['machine-3-4', 23687, 23687],
  ];
  for (const [machine, train, test] of machines) {
    it(`smd ${machine}: ${train} / ${test} rows, 38 channels read from the file`, async function () {
      if (!existsSync(join(DATA, 'smd', 'train', `${machine}.txt`))) this.skip();
      const d = await loadPreset('smd', join(DATA, 'smd'), { machine });
      assert.deepEqual([d.train!.rows, d.train!.columns.length], [train, 38]);
      assert.deepEqual([d.test!.rows, d.test!.columns.length], [test, 38]);
      assert.equal(d.test!.labels!.length, test);
    });
  }

  it('batadal: dataset03, dataset04 and the full-labels file, each read by the preset', async function () {
    const dir = join(DATA, 'batadal');
    if (!existsSync(dir)) this.skip();
    const d03 = (await loadPreset('batadal', join(dir, 'BATADAL_dataset03.csv'))).series!;
    assert.deepEqual([d03.rows, d03.columns.length, sum(d03.labels!)], [8761, 43, 0]);
    const d04 = (await loadPreset('batadal', join(dir, 'BATADAL_dataset04.csv'))).series!;
    assert.deepEqual([d04.rows, d04.columns.length, sum(d04.labels!)], [4177, 43, 492]);
    const full = (await loadPreset('batadal', join(dir, 'BATADAL_dataset04_full_labels.csv'))).series!;
    assert.deepEqual([full.rows, full.columns.length, sum(full.labels!)], [4177, 0, 492]);
    const labels = await loadLabels(join(dir, 'BATADAL_dataset04_full_labels.csv'), { preset: 'batadal', rows: '0:2000' });
    assert.equal(labels.length, 2000);
  });

  it('skab: the 16 valve1 runs pooled as the test part, 18,160 rows, windows inside runs', async function () {
    const dir = join(DATA, 'skab');
    if (!existsSync(dir)) this.skip();
    const test = await loadSeries({ path: dir, preset: 'skab' }, 'test');
    assert.equal(test.runs!.length, 16);
    assert.deepEqual(test.runs!.slice(0, 3).map((r) => r.name), ['valve1/0.csv', 'valve1/1.csv', 'valve1/2.csv']);
    assert.deepEqual([test.rows, test.columns.length, sum(test.labels!)], [18160, 8, 6309]);
    assert.equal(test.runs![2].rows, 1075, 'valve1/2.csv');
    const w = samplesOf({ kind: 'windows', length: 64 }, test);
    assert.equal(w.count, 18160 - 16 * 63, 'one window fewer per run per row of context');
    const valve1 = await loadSeries({ path: join(dir, 'valve1', '1?.csv'), preset: 'skab' }, 'test');
    assert.deepEqual(valve1.runs!.map((r) => r.name), ['10.csv', '11.csv', '12.csv', '13.csv', '14.csv', '15.csv']);
  });
});
