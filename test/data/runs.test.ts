// A folder (or glob) of runs pooled into one series: natural order, run names and offsets,
// schema checks naming the file, --rows cutting the runs, and windows that stay inside a run.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';

import { loadSeries } from '../../lib/data/load';
import { samplesOf } from '../../lib/data/representation';
import { readRuns, runFiles } from '../../lib/data/runs';
import { readCsv } from '../../lib/data/csv';
import { sliceRows } from '../../lib/data/series';
import { rejection, useTmpDir } from './tmp';

/** A run of `n` rows `t,a,b,y` whose a column holds `base + r` (so every row says its run). */
const run = (n: number, base: number, anomalous: number[] = []) =>
  't,a,b,y\n' + Array.from({ length: n }, (_, r) => `${base * 1000 + r},${base + r / 100},${-r},${anomalous.includes(r) ? 1 : 0}`).join('\n') + '\n';
const read = (f: string) => readCsv(f, { timestamp: 't', labels: ['y'], timestampOrder: 'increasing' });

describe('data: folder of runs', () => {
  const tmp = useTmpDir();
  const write = () => {
    tmp.file('runs/10.csv', run(5, 10, [4]));
    tmp.file('runs/2.csv', run(2, 2));
    tmp.file('runs/1.csv.gz', run(4, 1, [0]));
    tmp.file('runs/notes.txt', 'not a run');
    tmp.file('runs/sub/3.csv', run(3, 3)); // subfolders are not read
    return join(tmp.path, 'runs');
  };

  it('pools every CSV of a folder in natural order, with each run named and placed', async () => {
    const s = await readRuns(write(), read);
    assert.deepEqual(s.runs, [
      { name: '1.csv.gz', start: 0, rows: 4 },
      { name: '2.csv', start: 4, rows: 2 },
      { name: '10.csv', start: 6, rows: 5 },
    ]);
    assert.equal(s.rows, 11);
    assert.deepEqual(s.columns, ['a', 'b']);
    assert.deepEqual(Array.from(s.data.filter((_, i) => i % 2 === 0)).map(Math.floor), [1, 1, 1, 1, 2, 2, 10, 10, 10, 10, 10]);
    assert.deepEqual(Array.from(s.labels!), [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    // Time goes back at a run boundary: checked within runs only.
    assert.deepEqual(Array.from(s.timestamps!.subarray(3, 7)), [1003, 2000, 2001, 10000].map((t) => t * 1000));
  });

  it('reads a glob of the last path component', async () => {
    const root = write();
    assert.deepEqual(runFiles(join(root, '1*.csv*')).map((f) => f.slice(root.length + 1)), ['1.csv.gz', '10.csv']);
    assert.equal((await rejection(readRuns(join(root, 'x*.csv'), read))).message, `${join(root, 'x*.csv')}: the glob matches no file`);
    assert.match((await rejection(readRuns(join(tmp.path, '*', '1.csv'), read))).message, /in its last path component only/);
    assert.equal((await rejection(readRuns(join(root, 'nothing'), read))).message, `${join(root, 'nothing')}: no such folder`);
    assert.equal((await rejection(readRuns(join(root, 'nothing', '*.csv'), read))).message, `${join(root, 'nothing')}: no such folder`);
  });

  it('refuses runs whose columns, labels or timestamps differ, naming the file', async () => {
    tmp.file('bad/1.csv', run(2, 1));
    const p = tmp.file('bad/2.csv', 't,a,c,y\n5,1,2,0\n');
    const e = await rejection(readRuns(join(tmp.path, 'bad'), read));
    assert.equal(e.message, `${p}, column "b": feature column 2 is "c", but ${join(tmp.path, 'bad', '1.csv')} has "b" there (2 columns there, 2 here): every run must have the first run's columns`);
    tmp.file('bad/2.csv', 't,a,y\n5,1,0\n');
    assert.match((await rejection(readRuns(join(tmp.path, 'bad'), read))).message, /feature column 2 is no such column, but .*1\.csv has "b" there \(2 columns there, 1 here\)/);
    tmp.file('bad/2.csv', 't,a,b\n5,1,2\n');
    const unlabelled = (f: string) => readCsv(f, { timestamp: 't', labels: f.endsWith('1.csv') ? ['y'] : [] });
    assert.match((await rejection(readRuns(join(tmp.path, 'bad'), unlabelled))).message, /2\.csv: has no labels but .*1\.csv has: all runs or none must be labelled/);
    tmp.file('empty/readme.txt', 'no runs here');
    assert.equal((await rejection(readRuns(join(tmp.path, 'empty'), read))).message, `${join(tmp.path, 'empty')}: the folder has no .csv file to read as a run`);
  });

  it('keeps every window of a pooled series inside one run', async () => {
    const s = await readRuns(write(), read);
    const w = samplesOf({ kind: 'windows', length: 3 }, s);
    // Runs of 4, 2 and 5 rows: 2 + 0 + 3 windows of 3 rows, none across a boundary.
    const ends = Array.from({ length: w.count }, (_, i) => w.endRow(i));
    assert.deepEqual(ends, [2, 3, 8, 9, 10]);
    const x = w.batch(Array.from({ length: w.count }, (_, i) => i));
    for (let i = 0; i < w.count; i++) {
      const runOf = (t: number) => Math.floor(x[(i * 3 + t) * 2]);
      assert.equal(runOf(0), runOf(2), `window ${i} mixes runs`);
    }
  });

  it('cuts the runs with --rows and reads a folder through a DataSource', async () => {
    const root = write();
    const s = await loadSeries({ path: root, timestamp: 't', labels: ['y'], rows: '3:8' }, 'test');
    assert.equal(s.rows, 5);
    assert.deepEqual(s.runs, [
      { name: '1.csv.gz', start: 0, rows: 1 },
      { name: '2.csv', start: 1, rows: 2 },
      { name: '10.csv', start: 3, rows: 2 },
    ]);
    const g = await loadSeries({ path: join(root, '*.csv'), timestamp: 't', labels: ['y'] }, 'train');
    assert.deepEqual(g.runs!.map((r) => r.name), ['2.csv', '10.csv']);
    assert.equal(sliceRows(g, 0, 7).runs!.length, 2);
  });
});
