import { strict as assert } from 'node:assert';

import { peekHeader, readCsv } from '../../lib/data/csv';
import { DataError } from '../../lib/data/errors';
import { rejection, useTmpDir } from './tmp';

const f32 = (xs: number[]) => Float32Array.from(xs);

describe('data: CSV reader', () => {
  const tmp = useTmpDir();

  describe('columns and separators', () => {
    it('reads a header and row-major float32 values', async () => {
      const s = await readCsv(tmp.file('a.csv', 'a,b,c\n1,2,3\n4.5,-5,6e-3\n'));
      assert.deepEqual(s.columns, ['a', 'b', 'c']);
      assert.equal(s.rows, 2);
      assert.deepEqual(s.data, f32([1, 2, 3, 4.5, -5, 6e-3]));
      assert.equal(s.labels, undefined);
      assert.equal(s.timestamps, undefined);
      assert.equal(s.source, `${tmp.path}/a.csv`);
    });

    it('names columns c0, c1, ... without a header, or as given', async () => {
      const p = tmp.file('n.txt', '1,2\n3,4');
      const s = await readCsv(p, { header: false });
      assert.deepEqual(s.columns, ['c0', 'c1']);
      assert.deepEqual(s.data, f32([1, 2, 3, 4]));
      const named = await readCsv(p, { header: false, names: ['x', 'y'] });
      assert.deepEqual(named.columns, ['x', 'y']);
      assert.equal(named.rows, 2);
      const e = await rejection(readCsv(p, { header: false, names: ['x'] }));
      assert.equal(e.message, `${p} line 1: 1 names given but the first row has 2 fields`);
      const e2 = await rejection(readCsv(p, { names: ['x', 'y'] }));
      assert.match(e2.message, /`names` is for files without a header/);
    });

    it("detects ';' and tab separators from the first line, and takes an override", async () => {
      const semi = await readCsv(tmp.file('s.csv', 'a;b\n1;2\n'));
      assert.deepEqual(semi.columns, ['a', 'b']);
      assert.deepEqual(semi.data, f32([1, 2]));
      const tab = await readCsv(tmp.file('t.tsv', 'a\tb\n1\t2\n'));
      assert.deepEqual(tab.columns, ['a', 'b']);
      const noSep = await readCsv(tmp.file('one.txt', '7\n8\n'), { header: false });
      assert.deepEqual(noSep.columns, ['c0']);
      assert.deepEqual(noSep.data, f32([7, 8]));
      // Forced ',' on a ';' file: one column whose name holds the ';'.
      const forced = await readCsv(tmp.file('f.csv', 'a;b\n1\n'), { separator: ',' });
      assert.deepEqual(forced.columns, ['a;b']);
      assert.deepEqual((await peekHeader(tmp.file('p.csv', 'x ; y\n1;2'))).columns, ['x', 'y']);
    });

    it('trims space-padded headers and values (BATADAL dataset04 style)', async () => {
      const s = await readCsv(tmp.file('p.csv', 'DATETIME, L_T1 ,  F_PU1, ATT_FLAG\n04/07/16 00, 2.44,  93.63 , -999\n'), {
        timestamp: 'DATETIME',
        labels: ['ATT_FLAG'],
      });
      assert.deepEqual(s.columns, ['L_T1', 'F_PU1']);
      assert.deepEqual(s.data, f32([2.44, 93.63]));
      assert.deepEqual(s.labels, Uint8Array.from([0]));
      assert.deepEqual(s.timestamps, Float64Array.from([Date.UTC(2016, 6, 4, 0)]));
    });

    it('handles CRLF line ends, a byte-order mark, blank lines and a missing final newline', async () => {
      const s = await readCsv(tmp.file('w.csv', '\ufeffa,b\r\n1,2\r\n\r\n3,4\r\n  \r\n5,6'));
      assert.deepEqual(s.columns, ['a', 'b']);
      assert.deepEqual(s.data, f32([1, 2, 3, 4, 5, 6]));
    });

    it('names empty header fields c<k> and refuses duplicate names', async () => {
      const s = await readCsv(tmp.file('e.csv', ',a\n1,2\n'));
      assert.deepEqual(s.columns, ['c0', 'a']);
      const p = tmp.file('d.csv', 'a,b,a\n1,2,3\n');
      const e = await rejection(readCsv(p));
      assert.equal(e.message, `${p} line 1, column "a": duplicate column name "a" (fields 1 and 3)`);
    });

    it('reports a row with the wrong number of fields by its line and the column where it departs', async () => {
      const p = tmp.file('r.csv', 'a,b\n1,2\n3\n');
      const e = await rejection(readCsv(p));
      assert.ok(e instanceof DataError);
      assert.equal(e.message, `${p} line 3, column "b": expected 2 fields (as in the header), found 1: it ends before this column`);
      assert.equal(e.row, 3);
      const q = tmp.file('q.csv', '1,2\n3,4,5\n');
      assert.equal((await rejection(readCsv(q, { header: false }))).message, `${q} line 2, column "c2": expected 2 fields (as in the first row), found 3: this field is past the last column`);
    });

    it('refuses an empty file and a header without rows', async () => {
      const empty = tmp.file('e.csv', '');
      assert.equal((await rejection(readCsv(empty))).message, `${empty}: the file is empty`);
      const head = tmp.file('h.csv', 'a,b\n');
      assert.equal((await rejection(readCsv(head))).message, `${head}: no data rows`);
    });

    it('reads double-quoted fields with separators and "" inside; refuses fields spanning lines', async () => {
      const s = await readCsv(tmp.file('q.csv', '"x,1","say ""hi""",lab\n"1.5", 2 ,"A ttack"\n3,4,Normal\n'), { labels: ['lab'] });
      assert.deepEqual(s.columns, ['x,1', 'say "hi"']);
      assert.deepEqual(s.data, f32([1.5, 2, 3, 4]));
      assert.deepEqual(s.labels, Uint8Array.from([1, 0]));
      const p = tmp.file('u.csv', 'a,b\n"1,2\n"');
      const e = await rejection(readCsv(p));
      assert.equal(e.message, `${p} line 2: a quoted field is not closed on its line (fields spanning lines are not supported)`);
    });

    it('reads across chunk boundaries and gzip files identically', async () => {
      // ~2.4 MiB: more than two 1 MiB chunks, so lines and numbers are cut at chunk edges.
      const rows = 60000;
      const lines = ['t,a,b,c,d'];
      const want = new Float32Array(rows * 4);
      for (let r = 0; r < rows; r++) {
        const v = [r * 0.001, -r / 7, (r % 13) * 1e-5, Math.sin(r) * 1000];
        const texts = v.map(String);
        texts.forEach((t, k) => (want[r * 4 + k] = Number(t)));
        lines.push(`${r},${texts.join(',')}`);
      }
      const text = lines.join('\n') + '\n';
      const plain = await readCsv(tmp.file('big.csv', text), { timestamp: 't' });
      assert.equal(plain.rows, rows);
      assert.deepEqual(plain.data, want);
      assert.equal(plain.timestamps![rows - 1], (rows - 1) * 1000);
      const gz = await readCsv(tmp.file('big.csv.gz', text), { timestamp: 't' });
      assert.deepEqual(gz.data, want);
    });

    it('reads multi-byte UTF-8 column names cut at a chunk edge', async () => {
      const pad = 'x'.repeat((1 << 20) - 3); // puts the 2-byte "é" across the 1 MiB boundary
      const s = await readCsv(tmp.file('u8.csv', `${pad},é1\n1,2\n`));
      assert.deepEqual(s.columns, [pad, 'é1']);
    });
  });

  describe('timestamps', () => {
    const read = (text: string, opts = {}) => readCsv(tmp.file('ts.csv', text), { timestamp: 'time', ...opts });

    it('parses ISO, BATADAL, SWaT, compact and epoch-second formats as UTC milliseconds', async () => {
      const cases: [string, number][] = [
        ['2020-02-08 13:30:47', Date.UTC(2020, 1, 8, 13, 30, 47)],
        ['2021-07-10T00:00:01.250', Date.UTC(2021, 6, 10, 0, 0, 1) + 250],
        ['06/01/14 23', Date.UTC(2014, 0, 6, 23)],
        [' 28/12/2015 10:00:00 AM', Date.UTC(2015, 11, 28, 10)],
        ['28/12/2015 12:00:05 PM', Date.UTC(2015, 11, 28, 12, 0, 5)],
        ['28/12/2015 12:00:05 AM', Date.UTC(2015, 11, 28, 0, 0, 5)],
        ['20190926 13:00:00', Date.UTC(2019, 8, 26, 13)],
        ['1594425601', 1594425601000],
        ['1594425601.5', 1594425601500],
      ];
      for (const [text, ms] of cases) {
        const s = await read(`time,v\n${text},1\n`);
        assert.equal(s.timestamps![0], ms, text);
        assert.deepEqual(s.columns, ['v'], 'the timestamp is not a feature');
      }
    });

    it('refuses text that is no known format and impossible dates', async () => {
      for (const bad of ['yesterday', '31/02/2015 10:00:00', '2020-13-01 00:00:00', '13/01/2015 13:00:00 PM']) {
        const e = await rejection(read(`time,v\n${bad},1\n`));
        assert.equal(e.message, `${tmp.path}/ts.csv line 2, column "time": timestamp "${bad}" is not in a known format (YYYY-MM-DD hh:mm:ss, dd/mm/yy HH, dd/mm/yyyy hh:mm:ss AM, YYYYMMDD hh:mm:ss or epoch seconds)`);
      }
    });

    it('requires strictly increasing times by default, naming both rows', async () => {
      const e = await rejection(read('time,v\n06/01/14 00,1\n06/01/14 01,2\n06/01/14 01,3\n'));
      assert.ok(e instanceof DataError);
      assert.equal(e.message, `${tmp.path}/ts.csv line 4, column "time": timestamp "06/01/14 01" is not after the previous row's "06/01/14 01" (timestamps must be strictly increasing; timestampOrder 'nondecreasing' allows repeats)`);
      assert.deepEqual([e.row, e.column, e.found], [4, 'time', '06/01/14 01']);
    });

    it("allows repeats under 'nondecreasing' but not going back; 'any' checks nothing", async () => {
      const rep = await read('time,v\n1,1\n1,2\n2,3\n', { timestampOrder: 'nondecreasing' });
      assert.deepEqual(rep.timestamps, Float64Array.from([1000, 1000, 2000]));
      const e = await rejection(read('time,v\n2,1\n1,2\n', { timestampOrder: 'nondecreasing' }));
      assert.equal(e.message, `${tmp.path}/ts.csv line 3, column "time": timestamp "1" is not after the previous row's "2" (timestamps must be non-decreasing)`);
      const any = await read('time,v\n2,1\n1,2\n', { timestampOrder: 'any' });
      assert.deepEqual(any.timestamps, Float64Array.from([2000, 1000]));
    });

    it('names a missing timestamp column and what the file has', async () => {
      const e = await rejection(read('when,v\n1,1\n'));
      assert.equal(e.message, `${tmp.path}/ts.csv line 1, column "time": no timestamp column "time" (the file has: when, v)`);
    });
  });

  describe('labels', () => {
    it('keeps label columns out of the features; any non-zero label marks the row', async () => {
      const s = await readCsv(tmp.file('l.csv', 'a,attack,b,attack_P1\n1,0,2,0\n3,0,4,1\n5,1,6,0\n7,0.0,8,0.0\n'), { labels: ['attack', 'attack_P1'] });
      assert.deepEqual(s.columns, ['a', 'b']);
      assert.deepEqual(s.data, f32([1, 2, 3, 4, 5, 6, 7, 8]));
      assert.deepEqual(s.labels, Uint8Array.from([0, 1, 1, 0]));
    });

    it('reads 0.0/1.0, Normal/Attack, SWaT\'s "A ttack", and -999 (unknown) as normal', async () => {
      const s = await readCsv(tmp.file('l.csv', 'v,y\n1,0.0\n2,1.0\n3,Normal\n4,Attack\n5,A ttack\n6,-999\n7,attack \n8,2\n'), { labels: ['y'] });
      assert.deepEqual(s.labels, Uint8Array.from([0, 1, 0, 1, 1, 0, 1, 1]));
      const strict = await readCsv(tmp.file('l2.csv', 'v,y\n1,-999\n'), { labels: ['y'], unknownLabels: [] });
      assert.deepEqual(strict.labels, Uint8Array.from([1]), 'without unknown values, -999 is a non-zero label');
    });

    it('refuses unreadable and empty labels whatever the bad-value policy', async () => {
      const p = tmp.file('l.csv', 'v,y\n1,0\n2,maybe\n');
      const e = await rejection(readCsv(p, { labels: ['y'], onBadValue: 'ffill' }));
      assert.equal(e.message, `${p} line 3, column "y": label "maybe" is neither a number nor Normal/Attack`);
      const q = tmp.file('m.csv', 'v,y\n1,\n');
      assert.equal((await rejection(readCsv(q, { labels: ['y'] }))).message, `${q} line 2, column "y": empty label cell`);
    });

    it('reads a label-only file (no features)', async () => {
      const s = await readCsv(tmp.file('lab.txt', '0\n1\n1\n'), { header: false, names: ['label'], labels: ['label'] });
      assert.deepEqual(s.columns, []);
      assert.equal(s.data.length, 0);
      assert.deepEqual(s.labels, Uint8Array.from([0, 1, 1]));
    });
  });

  describe('include / exclude', () => {
    const text = 'ts,a,b,c,y\n1,10,20,30,0\n2,11,21,31,1\n';

    it('keeps the included columns in the order given', async () => {
      const s = await readCsv(tmp.file('i.csv', text), { include: ['c', 'a'], timestamp: 'ts', labels: ['y'] });
      assert.deepEqual(s.columns, ['c', 'a']);
      assert.deepEqual(s.data, f32([30, 10, 31, 11]));
      assert.deepEqual(s.labels, Uint8Array.from([0, 1]));
    });

    it('drops excluded columns (bad values in them are never read)', async () => {
      const s = await readCsv(tmp.file('x.csv', 'a,b,note\n1,2,hello\n3,4,\n'), { exclude: ['note'] });
      assert.deepEqual(s.columns, ['a', 'b']);
      assert.deepEqual(s.data, f32([1, 2, 3, 4]));
    });

    it('refuses unknown names, both options at once, and a label or timestamp in include', async () => {
      const p = tmp.file('i.csv', text);
      assert.equal((await rejection(readCsv(p, { include: ['a', 'zz'] }))).message, `${p} line 1, column "zz": no included column "zz" (the file has: ts, a, b, c, y)`);
      assert.equal((await rejection(readCsv(p, { exclude: ['zz'] }))).message, `${p} line 1, column "zz": no excluded column "zz" (the file has: ts, a, b, c, y)`);
      assert.equal((await rejection(readCsv(p, { include: ['a'], exclude: ['b'] }))).message, `${p}: give \`include\` or \`exclude\`, not both`);
      assert.equal(
        (await rejection(readCsv(p, { include: ['a', 'y'], labels: ['y'] }))).message,
        `${p} line 1, column "y": an included column cannot also be the timestamp or a label`,
      );
    });
  });
});
