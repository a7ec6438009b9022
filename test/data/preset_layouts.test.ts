// The presets on small files written here in the real datasets' layouts (issue 21): SMD with
// another channel count (ASD has 19), BATADAL's unlabelled test file and its labels file, and
// SKAB's folder of runs pooled for scoring.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';

import { loadLabels, loadSeries } from '../../lib/data/load';
import { loadPreset } from '../../lib/data/presets';
import { rejection, useTmpDir } from './tmp';

const cells = (r: number, n: number, sep = ',') => Array.from({ length: n }, (_, c) => (r / 10 + c / 1000).toFixed(3)).join(sep);
const lines = (count: number, n: number) => Array.from({ length: count }, (_, r) => cells(r, n)).join('\n') + '\n';

describe('data: presets on the real layouts', () => {
  const tmp = useTmpDir();

  describe('smd layout with any channel count', () => {
    const machine = 'omi-1';
    const write = (train: string, test: string, interp = '1-3:1,19\n') => {
      tmp.file(`asd/train/${machine}.txt`, train);
      tmp.file(`asd/test/${machine}.txt`, test);
      tmp.file(`asd/test_label/${machine}.txt`, '0\n1\n1\n0\n');
      tmp.file(`asd/interpretation_label/${machine}.txt`, interp);
      return join(tmp.path, 'asd');
    };

    it('reads 19 channels (ASD) from the file, interpretation channels up to 19', async () => {
      const d = await loadPreset('smd', write(lines(6, 19), lines(4, 19)), { machine });
      assert.equal(d.train!.columns.length, 19);
      assert.equal(d.test!.columns[18], 'c18');
      assert.equal(d.test!.rows, 4);
      assert.equal(d.test!.data[19 * 2 + 18], Math.fround(0.218));
      assert.deepEqual(d.test!.labels, Uint8Array.from([0, 1, 1, 0]));
      assert.deepEqual(d.interpretation![0].channels, [0, 18]);
      const e = await rejection(loadPreset('smd', write(lines(6, 19), lines(4, 19), '1-3:20\n'), { machine }));
      assert.match(e.message, /segment 1-3: channel 20 is not in 1\.\.19$/);
    });

    it('names the file, line and column of a row whose width differs', async () => {
      const test = lines(4, 19).split('\n');
      test[2] = cells(2, 18);
      const root = write(lines(6, 19), test.join('\n'));
      const e = await rejection(loadPreset('smd', root, { machine }));
      assert.equal(e.message, `${root}/test/${machine}.txt line 3, column "c18": expected 19 fields (as in the first row), found 18: it ends before this column`);
      assert.equal(e.row, 3);
    });

    it('refuses a test file with other channels than its train file', async () => {
      const root = write(lines(6, 19), lines(4, 38));
      const e = await rejection(loadPreset('smd', root, { machine }));
      assert.equal(e.message, `${root}/test/${machine}.txt: 38 columns, but ${root}/train/${machine}.txt has 19: train and test of one machine must have the same channels`);
    });
  });

  describe('batadal files', () => {
    const names = ['L_T1', ...Array.from({ length: 41 }, (_, c) => `P_J${c}`), 'S_V2'];
    const times = ['04/07/16 00', '04/07/16 01', '04/07/16 02'];

    it("reads the test file without ATT_FLAG for detect, its labels from the full-labels file", async () => {
      const test = tmp.file('b/BATADAL_test_dataset.csv', `DATETIME,${names.join(',')}\n` + times.map((t, r) => `${t},${cells(r, 43)}`).join('\n') + '\n');
      const { series } = await loadPreset('batadal', test);
      assert.equal(series!.columns.length, 43);
      assert.equal(series!.rows, 3);
      assert.equal(series!.labels, undefined);
      const full = tmp.file('b/test_labels.csv', 'DATETIME,ATT_FLAG,ATTACK_ID,ATT_FLAG_ORIGINAL_PARTIAL\n' + times.map((t, r) => `${t},${r === 1 ? 1 : 0},${r === 1 ? 8 : 0},-999`).join('\n') + '\n');
      assert.deepEqual(await loadLabels(full, { preset: 'batadal' }), Uint8Array.from([0, 1, 0]));
      const labels = (await loadPreset('batadal', full)).series!;
      assert.deepEqual(labels.columns, [], 'ATTACK_ID and the partial flag are not channels');
      assert.deepEqual(labels.labels, Uint8Array.from([0, 1, 0]));
    });
  });

  describe('skab folder of runs', () => {
    const header = 'datetime;Accelerometer1RMS;Accelerometer2RMS;Current;Pressure;Temperature;Thermocouple;Voltage;Volume Flow RateRMS;anomaly;changepoint';
    const run = (anomaly: number[], second = 0) =>
      `${header}\n` + anomaly.map((a, r) => `2020-03-09 10:14:${String(second + r).padStart(2, '0')};${cells(r, 8, ';')};${a}.0;0.0`).join('\n') + '\n';
    const write = () => {
      tmp.file('skab/anomaly-free/anomaly-free.csv', header.replace(';anomaly;changepoint', '') + '\n2020-02-08 13:30:47;' + cells(0, 8, ';') + '\n');
      tmp.file('skab/valve1/10.csv', run([0, 1]));
      tmp.file('skab/valve1/2.csv', run([0, 0, 1], 5));
      tmp.file('skab/other/0.csv', run([1]));
      return join(tmp.path, 'skab');
    };

    it('pools the labelled runs of every folder as the test part, named folder/file', async () => {
      const root = write();
      const test = await loadSeries({ path: root, preset: 'skab' }, 'test');
      assert.deepEqual(test.runs, [
        { name: 'other/0.csv', start: 0, rows: 1 },
        { name: 'valve1/2.csv', start: 1, rows: 3 },
        { name: 'valve1/10.csv', start: 4, rows: 2 },
      ]);
      assert.deepEqual(test.labels, Uint8Array.from([1, 0, 0, 1, 0, 1]));
      assert.equal(test.columns.length, 8);
      const train = await loadSeries({ path: root, preset: 'skab' }, 'train');
      assert.equal(train.rows, 1);
      assert.equal(train.runs, undefined);
    });

    it('reads one folder of runs, or a glob, as the same series for every part', async () => {
      const root = write();
      const one = await loadSeries({ path: join(root, 'valve1'), preset: 'skab' }, 'train');
      assert.deepEqual(one.runs!.map((r) => r.name), ['2.csv', '10.csv']);
      const glob = await loadSeries({ path: join(root, 'valve1', '1*.csv'), preset: 'skab' }, 'test');
      assert.deepEqual(glob.runs, [{ name: '10.csv', start: 0, rows: 2 }]);
      assert.deepEqual(glob.labels, Uint8Array.from([0, 1]));
    });

    it('refuses a skab folder with no labelled runs', async () => {
      tmp.file('only/anomaly-free/anomaly-free.csv', header.replace(';anomaly;changepoint', '') + '\n2020-02-08 13:30:47;' + cells(0, 8, ';') + '\n');
      const only = join(tmp.path, 'only');
      assert.equal((await rejection(loadPreset('skab', only))).message, `${only}: skab: no labelled runs (folders such as valve1/ of .csv files) beside anomaly-free/`);
    });
  });
});
