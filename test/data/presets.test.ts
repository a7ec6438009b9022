import { strict as assert } from 'node:assert';
import { join } from 'node:path';

import { DataError } from '../../lib/data/errors';
import { loadPreset, presetCsvOptions } from '../../lib/data/presets';
import { rejection, useTmpDir } from './tmp';

// Small files in each dataset's documented format (see ../shared/data/README.md and the
// format notes in lib/data/presets.ts).

const row = (r: number, n: number, sep = ',') => Array.from({ length: n }, (_, c) => (r + c / 100).toFixed(2)).join(sep);
const rows = (count: number, n: number, sep = ',') => Array.from({ length: count }, (_, r) => row(r, n, sep)).join('\n') + '\n';

describe('data: presets on generated files', () => {
  const tmp = useTmpDir();

  describe('smd', () => {
    const machine = 'machine-9-9';
    const write = (labels = '0\n1\n1\n0\n0\n', interp = '1-3:1,38\n3-4:2\n') => {
      tmp.file(`smd/train/${machine}.txt`, rows(6, 38));
      tmp.file(`smd/test/${machine}.txt`, rows(5, 38));
      tmp.file(`smd/test_label/${machine}.txt`, labels);
      tmp.file(`smd/interpretation_label/${machine}.txt`, interp);
      return join(tmp.path, 'smd');
    };

    it('reads train, test with test_label, and 0-based interpretation channels', async () => {
      const d = await loadPreset('smd', write(), { machine });
      assert.equal(d.train!.rows, 6);
      assert.equal(d.test!.rows, 5);
      assert.deepEqual(d.train!.columns, Array.from({ length: 38 }, (_, c) => `c${c}`));
      assert.equal(d.test!.data[38 * 2 + 5], Math.fround(2.05));
      assert.equal(d.train!.labels, undefined);
      assert.deepEqual(d.test!.labels, Uint8Array.from([0, 1, 1, 0, 0]));
      assert.deepEqual(d.interpretation, [
        { start: 1, end: 3, channels: [0, 37] },
        { start: 3, end: 4, channels: [1] },
      ]);
    });

    it("takes a machine's file as the path", async () => {
      write();
      const d = await loadPreset('smd', join(tmp.path, 'smd', 'train', `${machine}.txt`));
      assert.equal(d.test!.rows, 5);
    });

    it('refuses a missing machine, a label count that differs, and bad interpretation lines', async () => {
      const root = write('0\n1\n');
      assert.equal((await rejection(loadPreset('smd', root))).message, `${root}: smd: give opts.machine (e.g. machine-1-6) or the path of one machine file (this folder has: ${machine})`);
      assert.equal(
        (await rejection(loadPreset('smd', root, { machine }))).message,
        `${root}/test_label/${machine}.txt: 2 labels for the 5 rows of ${root}/test/${machine}.txt`,
      );
      write(undefined, '1-3:1,39\n');
      const e = await rejection(loadPreset('smd', root, { machine }));
      assert.equal(e.message, `${root}/interpretation_label/${machine}.txt: segment 1-3: channel 39 is not in 1..38`);
      write(undefined, '4-9:1\n');
      assert.match((await rejection(loadPreset('smd', root, { machine }))).message, /segment 4-9 is not inside the 5 test rows/);
    });
  });

  describe('batadal', () => {
    const names = Array.from({ length: 43 }, (_, c) => `P_J${c}`);
    const times = ['04/07/16 00', '04/07/16 01', '04/07/16 02'];
    const write = (full = 'DATETIME,ATT_FLAG,ATTACK_ID,ATT_FLAG_ORIGINAL_PARTIAL\r\n04/07/16 00,0,0,-999\r\n04/07/16 01,1,1,-999\r\n04/07/16 02,1,1,1\r\n') => {
      tmp.file('b/BATADAL_dataset03.csv', `DATETIME,${names.join(',')},ATT_FLAG\n` + times.map((t, r) => `${t},${row(r, 43)},0`).join('\n') + '\n');
      // dataset04: space-padded header and values, partial ATT_FLAG.
      tmp.file('b/BATADAL_dataset04.csv', `DATETIME, ${names.join(', ')}, ATT_FLAG\n` + times.map((t, r) => `${t}, ${row(r, 43, ', ')}, ${r === 2 ? 1 : -999}`).join('\n') + '\n');
      if (full) tmp.file('b/BATADAL_dataset04_full_labels.csv', full);
      return join(tmp.path, 'b');
    };

    it('reads dataset03 as train and dataset04 with the full labels as test', async () => {
      const d = await loadPreset('batadal', write());
      assert.deepEqual(d.train!.columns, names);
      assert.deepEqual(d.test!.columns, names, 'padded header trimmed');
      assert.deepEqual(d.train!.labels, Uint8Array.from([0, 0, 0]));
      assert.deepEqual(d.test!.labels, Uint8Array.from([0, 1, 1]), 'labels from the full-labels file');
      assert.equal(d.test!.timestamps![1], Date.UTC(2016, 6, 4, 1));
      assert.equal(d.test!.data[43 + 1], Math.fround(1.01));
    });

    it("uses dataset04's partial labels (-999 read as normal) only when told to", async () => {
      const root = write(null as unknown as string);
      const e = await rejection(loadPreset('batadal', root));
      assert.match(e.message, /BATADAL_dataset04_full_labels.csv is missing \(pass fullLabels: false to use them anyway\)/);
      const d = await loadPreset('batadal', join(root, 'BATADAL_dataset04.csv'), { fullLabels: false });
      assert.deepEqual(d.series!.labels, Uint8Array.from([0, 0, 1]));
    });

    it('picks up the full labels beside dataset04 when given the file', async () => {
      const d = await loadPreset('batadal', join(write(), 'BATADAL_dataset04.csv'));
      assert.deepEqual(d.series!.labels, Uint8Array.from([0, 1, 1]));
    });

    it('refuses full labels whose times do not match the rows', async () => {
      const root = write('DATETIME,ATT_FLAG\n04/07/16 00,0\n04/07/16 02,1\n04/07/16 03,1\n');
      const e = await rejection(loadPreset('batadal', root));
      assert.ok(e instanceof DataError);
      assert.equal(e.message, `${root}/BATADAL_dataset04_full_labels.csv line 3: label row 2 is at 2016-07-04 02:00:00 but ${root}/BATADAL_dataset04.csv row 2 is at 2016-07-04 01:00:00`);
    });

    it('checks the channel count', async () => {
      const p = tmp.file('b3.csv', 'DATETIME,a,ATT_FLAG\n04/07/16 00,1,0\n');
      assert.equal((await rejection(loadPreset('batadal', p))).message, `${p}: expected 43 feature columns, found 1`);
    });
  });

  describe('skab', () => {
    const header = 'datetime;Accelerometer1RMS;Accelerometer2RMS;Current;Pressure;Temperature;Thermocouple;Voltage;Volume Flow RateRMS';
    const run = (labels: [number, number][]) =>
      `${header};anomaly;changepoint\r\n` + labels.map(([a, c], r) => `2020-03-09 10:14:${30 + r};${row(r, 8, ';')};${a}.0;${c}.0`).join('\r\n') + '\r\n';
    const write = () => {
      tmp.file('skab/anomaly-free/anomaly-free.csv', `${header}\n2020-02-08 13:30:47;${row(0, 8, ';')}\n2020-02-08 13:30:48;${row(1, 8, ';')}\n`);
      tmp.file('skab/valve1/0.csv', run([[0, 0], [1, 1], [1, 0]]));
      tmp.file('skab/valve1/10.csv', run([[0, 0], [0, 1]]));
      tmp.file('skab/valve1/2.csv', run([[1, 0]]));
      return join(tmp.path, 'skab');
    };

    it("reads ';' files with datetime, using anomaly as the label and dropping changepoint", async () => {
      const root = write();
      const { series } = await loadPreset('skab', join(root, 'valve1', '0.csv'));
      assert.equal(series!.columns.length, 8);
      assert.ok(!series!.columns.includes('changepoint'));
      assert.deepEqual(series!.labels, Uint8Array.from([0, 1, 1]));
      assert.equal(series!.timestamps![0], Date.UTC(2020, 2, 9, 10, 14, 30));
      const cp = await loadPreset('skab', join(root, 'valve1', '0.csv'), { label: 'changepoint' });
      assert.deepEqual(cp.series!.labels, Uint8Array.from([0, 1, 0]));
      const any = await loadPreset('skab', join(root, 'valve1', '10.csv'), { label: 'any' });
      assert.deepEqual(any.series!.labels, Uint8Array.from([0, 1]));
    });

    it('reads the folder as anomaly-free train plus the runs in numeric order', async () => {
      const d = await loadPreset('skab', write());
      assert.equal(d.train!.rows, 2);
      assert.equal(d.train!.labels, undefined);
      assert.deepEqual(d.parts!.map((p) => p.source!.split('/').slice(-1)[0]), ['0.csv', '2.csv', '10.csv']);
    });
  });

  describe('hai', () => {
    const tags = ['P1_B2004', 'P1_B2016', 'P2_SIT01'];

    it("reads 20.07: ';', time, and attack plus attack_P1..P3 as labels", async () => {
      const p = tmp.file('train1.csv', `time;${tags.join(';')};attack;attack_P1;attack_P2;attack_P3\n` +
        '2020-07-11 00:00:00;0.1;1.2;3\n2020-07-11 00:00:01;0.2;1.3;3\n2020-07-11 00:00:02;0.3;1.4;3\n'.split('\n').filter(Boolean)
          .map((l, r) => `${l};${r === 1 ? 1 : 0};0;${r === 2 ? 1 : 0};0`).join('\n') + '\n');
      const { series } = await loadPreset('hai', p);
      assert.deepEqual(series!.columns, tags);
      assert.deepEqual(series!.labels, Uint8Array.from([0, 1, 1]), 'any attack* column marks the row');
      assert.equal(series!.timestamps![2] - series!.timestamps![0], 2000);
    });

    it("reads 21.03: ',', time, attack*", async () => {
      const p = tmp.file('test1.csv', `time,${tags.join(',')},attack,attack_P1,attack_P2,attack_P3\n2021-03-01 00:00:00,1,2,3,0,0,0,0\n2021-03-01 00:00:01,1,2,3,1,1,0,0\n`);
      const { series } = await loadPreset('hai', p);
      assert.deepEqual(series!.columns, tags);
      assert.deepEqual(series!.labels, Uint8Array.from([0, 1]));
    });

    it("reads 22.04: ',', timestamp, Attack", async () => {
      const p = tmp.file('test1.csv', `timestamp,${tags.join(',')},Attack\n2021-07-10 00:00:01,1,2,3,0\n2021-07-10 00:00:02,1,2,3,1\n`);
      const { series } = await loadPreset('hai', p);
      assert.deepEqual(series!.columns, tags);
      assert.deepEqual(series!.labels, Uint8Array.from([0, 1]));
      assert.equal(series!.timestamps![0], Date.UTC(2021, 6, 10, 0, 0, 1));
    });

    it('refuses a file without a time column, also as a run of a folder', async () => {
      const p = tmp.file('x.csv', 'a,b\n1,2\n');
      assert.equal((await rejection(loadPreset('hai', p))).message, `${p} line 1: hai: no time or timestamp column (the file starts with: a, b)`);
      assert.equal((await rejection(loadPreset('hai', tmp.path))).message, `${p} line 1: hai: no time or timestamp column (the file starts with: a, b)`);
    });
  });

  describe('swat', () => {
    const body = ' Timestamp,FIT101,LIT101,MV101,Normal/Attack\n' +
      ' 28/12/2015 10:00:00 AM,2.427057,522.8467,2,Normal\n' +
      ' 28/12/2015 10:00:01 AM,2.446274,522.886,2,Attack\n' +
      ' 28/12/2015 10:00:02 AM,2.489191,522.8467,2,A ttack\n';

    it('reads Timestamp and Normal/Attack (with "A ttack"), skipping a junk line above the header', async () => {
      for (const text of [body, ',,,,\n' + body]) {
        const { series } = await loadPreset('swat', tmp.file('swat.csv', text));
        assert.deepEqual(series!.columns, ['FIT101', 'LIT101', 'MV101']);
        assert.deepEqual(series!.labels, Uint8Array.from([0, 1, 1]));
        assert.equal(series!.timestamps![0], Date.UTC(2015, 11, 28, 10));
        assert.equal(series!.data[3], Math.fround(2.446274));
      }
      const opts = await presetCsvOptions('swat', tmp.file('s2.csv', ',,,,\n' + body));
      assert.deepEqual(opts, { skipLines: 1, timestamp: 'Timestamp', labels: ['Normal/Attack'] });
    });
  });

  describe('generic', () => {
    it("passes the caller's options through", async () => {
      const p = tmp.file('arr.csv', 'x0,x1,y\n1,2,0\n3,4,1\n');
      const { series } = await loadPreset('generic', p, { labels: ['y'], exclude: ['x1'] });
      assert.deepEqual(series!.columns, ['x0']);
      assert.deepEqual(series!.labels, Uint8Array.from([0, 1]));
    });

    it('refuses unknown presets', async () => {
      assert.match((await rejection(loadPreset('nope' as 'smd', tmp.path))).message, /unknown preset 'nope'/);
    });
  });
});
