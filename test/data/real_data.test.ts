import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { loadPreset } from '../../lib/data/presets';

// The real datasets in ../shared/data (relative to the repository root); read-only, never
// copied into the project. Counts are those of ../shared/data/README.md and the files.
const DATA = join(__dirname, '..', '..', '..', 'shared', 'data');

describe('data: presets on the real datasets', function () {
  this.timeout(30000);
  before(function () {
    if (!existsSync(DATA)) {
      console.log(`    (skipped: ${DATA} is absent; the real-data checks need ../shared/data)`);
      this.skip();
    }
  });

  it('smd machine-1-6: 38 channels, 23,688/23,689 rows, 15.7% anomalous, 0-based interpretation', async () => {
    const d = await loadPreset('smd', join(DATA, 'smd'), { machine: 'machine-1-6' });
    assert.equal(d.train!.columns.length, 38);
    assert.equal(d.train!.rows, 23688);
    assert.equal(d.test!.rows, 23689);
    const anomalous = d.test!.labels!.reduce((a, b) => a + b, 0);
    assert.equal(anomalous, 3708);
    assert.equal((anomalous / d.test!.rows).toFixed(3), '0.157');
    // Values are min-max scaled to [0, 1] by the dataset's authors.
    assert.ok(d.train!.data.every((v) => v >= 0 && v <= 1));
    // First line of the train file: 0.061728,0.023016,...
    assert.equal(d.train!.data[0], Math.fround(0.061728));
    assert.equal(d.interpretation!.length, 30);
    assert.deepEqual(d.interpretation![0], { start: 246, end: 252, channels: [0, 1, 2, 3, 5, 8, 9, 10, 11, 12, 14] });
    // Every interpreted segment lies on labelled rows (end is one past the last row).
    for (const seg of d.interpretation!) for (let r = seg.start; r < seg.end; r++) assert.equal(d.test!.labels![r], 1, `row ${r}`);
  });

  it('batadal: dataset03 8,761 x 43 normal; dataset04 4,177 x 43 with 492 attack hours (full labels)', async () => {
    const d = await loadPreset('batadal', join(DATA, 'batadal'));
    assert.deepEqual([d.train!.rows, d.train!.columns.length], [8761, 43]);
    assert.deepEqual([d.test!.rows, d.test!.columns.length], [4177, 43]);
    assert.deepEqual(d.test!.columns, d.train!.columns, 'the padded header of dataset04 trims to the same schema');
    assert.equal(d.train!.labels!.reduce((a, b) => a + b, 0), 0);
    assert.equal(d.test!.labels!.reduce((a, b) => a + b, 0), 492);
    assert.equal(d.train!.timestamps![0], Date.UTC(2014, 0, 6, 0));
    assert.equal(d.train!.timestamps![1] - d.train!.timestamps![0], 3600e3, 'hourly');
    const partial = await loadPreset('batadal', join(DATA, 'batadal', 'BATADAL_dataset04.csv'), { fullLabels: false });
    assert.equal(partial.series!.labels!.reduce((a, b) => a + b, 0), 219, 'only the flagged 1s of the partial ATT_FLAG; -999 is normal');
  });

  it('skab: anomaly-free 9,405 x 8 without labels; valve1 runs labelled', async () => {
    const d = await loadPreset('skab', join(DATA, 'skab'));
    assert.deepEqual([d.train!.rows, d.train!.columns.length], [9405, 8]);
    assert.equal(d.train!.labels, undefined);
    assert.equal(d.parts!.length, 16);
    for (const p of d.parts!) {
      assert.deepEqual(p.columns, d.train!.columns);
      const n = p.labels!.reduce((a, b) => a + b, 0);
      assert.ok(n > 0 && n < p.rows, `${p.source}: ${n} anomalous of ${p.rows}`);
    }
    assert.equal(d.parts![0].rows, 1147, 'valve1/0.csv');
  });
});
