import { strict as assert } from 'node:assert';
import { join } from 'node:path';

import { CategoricalEncoder } from '../../lib/data/categorical';
import { DataError } from '../../lib/data/errors';
import { parseNames, readNames } from '../../lib/data/names';
import { loadPreset, readPresetFile } from '../../lib/data/presets';
import type { Series } from '../../lib/data/series';
import { readTable, type Table } from '../../lib/data/tabular';
import { binaryLabels } from '../../lib/data/tabular_labels';
import { tabularProtocol } from '../../lib/data/tabular_protocol';
import { honestSplit, paperSplit, type RowSplit } from '../../lib/data/tabular_split';
import { DATA, skipWithout } from '../helpers/real_data';
import { rejection, useTmpDir } from './tmp';

const count1 = (labels: Uint8Array, rows: ArrayLike<number>) => Array.from(rows).reduce((s, r) => s + labels[r], 0);
const sorted = (a: ArrayLike<number>) => Array.from(a).sort((x, y) => x - y);

// A KDD-like file in miniature: numeric a, b; symbolic proto, flag; text label.
const NAMES = 'normal,smurf.\na: continuous.\nproto: symbolic.\nb: continuous.\nflag: symbolic.\n';
const COLUMNS = parseNames(NAMES).columns;
const ROWS = ['1,tcp,10,SF,normal.', '2,udp,20,S0,smurf.', '3,tcp,30,SF,smurf.', '4,icmp,40,SF,normal.', '5,tcp,50,REJ,smurf.'];

describe('data: tabular files, categories and one-class splits', () => {
  const tmp = useTmpDir();
  const table = async (rows = ROWS, name = 'mini.csv.gz') => readTable(tmp.file(name, rows.join('\n') + '\n'), { columns: COLUMNS, label: 'label' });

  describe('names files', () => {
    it('reads the UCI style: class line, comments, final dots; the class becomes a last column `label`', () => {
      const n = parseNames('| a comment\nback,normal,smurf.\n\nduration: continuous.\nservice: symbolic. | what it is\n');
      assert.deepEqual(n.classes, ['back', 'normal', 'smurf']);
      assert.deepEqual(n.columns, [
        { name: 'duration', kind: 'continuous' },
        { name: 'service', kind: 'symbolic' },
        { name: 'label', kind: 'symbolic' },
      ]);
    });

    it('reads the shared copy\'s style: # comments, no dots, words after the kind, label declared', () => {
      const n = parseNames('# 41 columns\nduration: continuous\nlabel: symbolic (e.g. "normal.")\n');
      assert.equal(n.classes, undefined);
      assert.deepEqual(n.columns, [
        { name: 'duration', kind: 'continuous' },
        { name: 'label', kind: 'symbolic' },
      ]);
    });

    it('names the file and line of a bad declaration or a repeated column', () => {
      assert.throws(() => parseNames('a: continuous.\nb: numeric.\n', 'k.names'), {
        name: 'DataError', message: 'k.names line 2: expected "name: continuous" or "name: symbolic", found "b: numeric."',
      });
      assert.throws(() => parseNames('a: continuous.\na: symbolic.\n', 'k.names'), { message: 'k.names line 2, column "a": column "a" is declared twice (lines 1 and 2)' });
      assert.throws(() => parseNames('# nothing\n', 'k.names'), { message: 'k.names: no column declarations ("name: continuous" or "name: symbolic")' });
    });

    describe('the real kddcup.names.txt', () => {
      const file = join(DATA, 'kddcup99', 'kddcup.names.txt');
      skipWithout(file);
      it('41 features + label, the seven symbolic ones of the ALAD encoding', () => {
        const { columns } = readNames(file);
        assert.equal(columns.length, 42);
        assert.equal(columns[41].name, 'label');
        const symbolic = columns.filter((c) => c.kind === 'symbolic').map((c) => c.name);
        assert.deepEqual(symbolic, ['protocol_type', 'service', 'flag', 'land', 'logged_in', 'is_host_login', 'is_guest_login', 'label']);
      });
    });
  });

  describe('reading', () => {
    it('a header-less gzip file with a names file: numbers, category codes, the text label', async () => {
      const t = await table();
      assert.equal(t.rows, 5);
      assert.deepEqual(t.numeric, ['a', 'b']);
      assert.deepEqual(Array.from(t.values), [1, 10, 2, 20, 3, 30, 4, 40, 5, 50]);
      assert.deepEqual(t.categorical.map((c) => [c.name, c.levels, Array.from(c.codes)]), [
        ['proto', ['tcp', 'udp', 'icmp'], [0, 1, 0, 2, 0]],
        ['flag', ['SF', 'S0', 'REJ'], [0, 1, 0, 0, 2]],
      ]);
      assert.deepEqual(t.label!.levels, ['normal.', 'smurf.']);
      assert.deepEqual(t.features.map((f) => f.kind), ['continuous', 'symbolic', 'continuous', 'symbolic']);
    });

    it('a file with a header: numeric unless named symbolic; excluded columns dropped', async () => {
      const t = await readTable(tmp.file('h.csv', 'x0,kind,x1,y\n1.5,a,2,0\n2.5,b,3,1\n'), { label: 'y', symbolic: ['kind'], exclude: ['x1'] });
      assert.deepEqual(t.features, [{ name: 'x0', kind: 'continuous' }, { name: 'kind', kind: 'symbolic' }]);
      assert.deepEqual(Array.from(t.values), [1.5, 2.5]);
      assert.deepEqual(t.label!.levels, ['0', '1']);
    });

    it('a malformed row names the file, line and column', async () => {
      const bad = async (rows: string[]) => rejection(table(rows, 'bad.csv'));
      let e = await bad([ROWS[0], '2,udp,2O,S0,smurf.']);
      assert.ok(e instanceof DataError);
      assert.deepEqual([e.file, e.row, e.column, e.found], [join(tmp.path, 'bad.csv'), 2, 'b', '2O']);
      assert.equal(e.message, `${join(tmp.path, 'bad.csv')} line 2, column "b": text in a numeric column ("2O")`);
      e = await bad([ROWS[0], ROWS[1], '3,tcp,30,SF']);
      assert.equal(e.message, `${join(tmp.path, 'bad.csv')} line 3: expected 5 fields, found 4`);
      e = await bad(['1, ,10,SF,normal.']);
      assert.equal(e.message, `${join(tmp.path, 'bad.csv')} line 1, column "proto": empty category cell`);
      e = await bad(['1,tcp,inf,SF,normal.']);
      assert.deepEqual([e.row, e.column], [1, 'b']);
    });
  });

  describe('the one-hot encoder', () => {
    it('fits on the given rows only; column order is the file\'s, categories sorted, numbers pass through', async () => {
      const t = await table();
      const enc = CategoricalEncoder.fit(t, [0, 1, 2]); // rows 3 (icmp) and 4 (REJ) are not training rows
      assert.deepEqual(enc.outputColumns, ['a', 'proto=tcp', 'proto=udp', 'b', 'flag=S0', 'flag=SF']);
      const { series, unseen, unseenRows } = enc.transform(t);
      assert.deepEqual(series.columns, enc.outputColumns);
      // prettier-ignore
      assert.deepEqual(Array.from(series.data), [
        1, 1, 0, 10, 0, 1,
        2, 0, 1, 20, 1, 0,
        3, 1, 0, 30, 0, 1,
        4, 0, 0, 40, 0, 1, // icmp unseen: an all-zero proto block
        5, 1, 0, 50, 0, 0, // REJ unseen
      ]);
      assert.deepEqual(unseen, [
        { column: 'flag', value: 'REJ', rows: 1 },
        { column: 'proto', value: 'icmp', rows: 1 },
      ]);
      assert.equal(unseenRows, 2);
    });

    it("encodes a subset of rows in the caller's order; unseen 'error' names file, line, column and value", async () => {
      const t = await table();
      const enc = CategoricalEncoder.fit(t, [0, 1, 2]);
      assert.deepEqual(Array.from(enc.transform(t, { rows: [2, 1] }).series.data), [3, 1, 0, 30, 0, 1, 2, 0, 1, 20, 1, 0]);
      assert.equal(enc.transform(t, { rows: [0, 1], unseen: 'error' }).unseenRows, 0);
      assert.throws(() => enc.transform(t, { rows: [0, 3], unseen: 'error' }), {
        name: 'DataError', row: 4, column: 'proto', found: 'icmp',
        message: `${t.source} line 4, column "proto": category "icmp" was not seen when the encoder was fitted (known: tcp, udp)`,
      });
    });

    it('survives a JSON round trip and encodes new rows the same; bad JSON is refused', async () => {
      const t = await table();
      const enc = CategoricalEncoder.fit(t, [0, 1, 2]);
      const back = CategoricalEncoder.fromJSON(JSON.parse(JSON.stringify(enc)));
      assert.deepEqual(back.toJSON(), enc.toJSON());
      assert.deepEqual(back.outputColumns, enc.outputColumns);
      // A new file whose level order differs (udp first, a new category) encodes by name.
      const fresh = await table(['9,udp,90,SF,smurf.', '8,gre,80,S0,normal.'], 'new.csv');
      assert.deepEqual(Array.from(back.transform(fresh).series.data), [9, 0, 1, 90, 0, 1, 8, 0, 0, 80, 1, 0]);
      const json = enc.toJSON();
      assert.throws(() => CategoricalEncoder.fromJSON({ ...json, version: 2 }), /version 2 is not supported/);
      assert.throws(() => CategoricalEncoder.fromJSON({ ...json, columns: [{ name: 'p', kind: 'one-hot', categories: ['x', 'x'] }] }), /"p": a category is listed twice/);
      assert.throws(() => CategoricalEncoder.fromJSON({ columns: [] }), /not a vigil-categorical-encoder object/);
    });

    it('refuses data whose columns differ from the fitted ones', async () => {
      const t = await table();
      const enc = CategoricalEncoder.fit(t);
      const other = await readTable(tmp.file('o.csv', 'a,proto,c\n1,tcp,2\n'), { symbolic: ['proto'] });
      assert.throws(() => enc.transform(other), { column: 'c', message: /column "c": the encoder was not fitted with this column/ });
      const numericProto = await readTable(tmp.file('p.csv', 'a,proto,b,flag\n1,2,3,SF\n'), { symbolic: ['flag'] });
      assert.throws(() => enc.transform(numericProto), { column: 'proto', message: /was symbolic when the encoder was fitted, continuous here/ });
    });
  });

  describe('labels', () => {
    it('maps text classes to 0/1 by the anomalous classes; refuses classes that never occur', async () => {
      const t = await table();
      assert.deepEqual(Array.from(binaryLabels(t.label!, ['normal.'])), [1, 0, 0, 1, 0]);
      assert.deepEqual(Array.from(binaryLabels(t.label!, ['smurf.', 'back.'])), [0, 1, 1, 0, 1]);
      assert.throws(() => binaryLabels(t.label!, ['normal'], 'k.gz'), { message: 'k.gz, column "label": none of the anomalous classes "normal" occurs (the classes are: normal., smurf.)' });
    });
  });

  describe('splits', () => {
    // 1000 rows; label 1 on every fifth row (200) or on two rows in five (400).
    const every5 = Uint8Array.from({ length: 1000 }, (_, r) => (r % 5 === 0 ? 1 : 0));
    const two5 = Uint8Array.from({ length: 1000 }, (_, r) => (r % 5 < 2 ? 1 : 0));

    /** What holds for every seed: the protocol's rules, checked from the counts. */
    const checkPaper = (labels: Uint8Array, s: RowSplit) => {
      const n0 = labels.length - count1(labels, Array.from(labels.keys()));
      assert.equal(count1(labels, s.train), 0, 'no label-1 row in training');
      assert.deepEqual(Array.from(s.train), sorted(s.train));
      const testOnes = count1(labels, s.test);
      const testZeros = s.test.length - testOnes;
      assert.equal(s.train.length + testZeros, n0, 'every label-0 row of the test half is kept');
      const onesInTestHalf = labels.length - n0 - (500 - s.train.length);
      assert.equal(testOnes, Math.min(onesInTestHalf, Math.floor((testZeros * 0.2) / 0.8)));
      assert.ok(testOnes / s.test.length <= 0.2);
      assert.equal(new Set([...s.train, ...s.test]).size, s.train.length + s.test.length, 'train and test are disjoint');
    };

    it('paper protocol: exact sizes for seed 42, and the rules for other seeds', () => {
      const a = paperSplit(every5, { seed: 42 });
      assert.deepEqual([a.train.length, a.test.length, count1(every5, a.test)], [396, 500, 96]); // cap 101 not reached: all 96 kept
      const b = paperSplit(two5, { seed: 42 });
      assert.deepEqual([b.train.length, b.test.length, count1(two5, b.test)], [300, 375, 75]); // 200 in the test half, cut to 300 / 4
      assert.equal(count1(two5, b.test) / b.test.length, 0.2);
      for (const seed of [0, 1, 7, 42]) {
        checkPaper(every5, paperSplit(every5, { seed }));
        checkPaper(two5, paperSplit(two5, { seed }));
      }
      assert.deepEqual(paperSplit(two5, { seed: 3 }), paperSplit(two5, { seed: 3 }));
      assert.notDeepEqual(paperSplit(two5, { seed: 3 }).test, paperSplit(two5, { seed: 4 }).test);
      // The test is shuffled, not in file order.
      assert.notDeepEqual(Array.from(b.test), sorted(b.test));
    });

    it('honest protocol: a label-0 validation split out of the paper\'s training rows, the same test', () => {
      const p = paperSplit(two5, { seed: 42 });
      const h = honestSplit(two5, { seed: 42 });
      assert.deepEqual([h.train.length, h.validation!.length], [270, 30]);
      assert.deepEqual(sorted([...h.train, ...h.validation!]), Array.from(p.train));
      assert.deepEqual(h.test, p.test);
      assert.equal(count1(two5, h.validation!), 0);
      assert.deepEqual(honestSplit(two5, { seed: 42, validationFraction: 0.2 }).validation!.length, 60);
      assert.throws(() => honestSplit(two5, { validationFraction: 1 }), /validationFraction must be in \[0, 1\), got 1/);
    });

    it('the protocol on a table: vocabulary from training rows, labelled encoded parts, unseen counted', async () => {
      // Rows 0-7 label 0 (proto tcp/udp); rows 8-9 label 1 with proto icmp, which therefore never
      // reaches the vocabulary unless it is fitted on all rows.
      const rows = Array.from({ length: 10 }, (_, r) => `${r},${r >= 8 ? 'icmp' : r % 2 ? 'udp' : 'tcp'},${r},SF,${r >= 8 ? 'normal.' : 'smurf.'}`);
      const t = await table(rows);
      const p = tabularProtocol(t, { anomalous: ['normal.'], protocol: 'honest', validationFraction: 0.5, seed: 1 });
      assert.equal(p.train.rows + p.validation!.rows, p.split.train.length + p.split.validation!.length);
      assert.ok(!p.encoder.outputColumns.includes('proto=icmp'));
      assert.deepEqual(Array.from(p.train.labels!), new Array(p.train.rows).fill(0));
      assert.deepEqual(Array.from(p.test.labels!), Array.from(p.split.test, (r) => (r >= 8 ? 1 : 0)));
      const icmp = p.test.labels!.reduce((a, b) => a + b, 0);
      assert.ok(icmp > 0, 'seed 1 puts an icmp row in the test');
      assert.deepEqual(p.unseen.test, [{ column: 'proto', value: 'icmp', rows: icmp }]);
      // Column a (the row number) travels with its row through the split.
      assert.deepEqual(Array.from({ length: p.test.rows }, (_, i) => p.test.data[i * p.encoder.width]), Array.from(p.split.test));
      const all = tabularProtocol(t, { anomalous: ['normal.'], protocol: 'paper', vocabulary: 'all', seed: 1 });
      assert.ok(all.encoder.outputColumns.includes('proto=icmp'));
      assert.equal(all.validation, undefined);
    });
  });

  describe('presets', () => {
    const writeKdd = () => {
      tmp.file('kdd/kddcup.names.txt', NAMES);
      tmp.file('kdd/kddcup.data_10_percent.gz', Array.from({ length: 40 }, (_, r) => ROWS[r % 5]).join('\n') + '\n');
      return join(tmp.path, 'kdd');
    };

    it('kddcup99 on a folder: honest train/validation/test with the encoder; a file read with a given encoder', async () => {
      const d = await loadPreset('kddcup99', writeKdd());
      assert.ok(d.train && d.validation && d.test && d.encoder);
      // Every one of the 24 smurf. (label-0) rows is in training, validation or the test.
      const zerosInTest = d.test.rows - d.test.labels!.reduce((a, b) => a + b, 0);
      assert.equal(d.train.rows + d.validation.rows + zerosInTest, 24);
      assert.equal(d.validation.rows, Math.floor((d.train.rows + d.validation.rows) * 0.1));
      assert.deepEqual(d.train.columns, d.encoder.outputColumns);
      const paper = await loadPreset('kddcup99', join(tmp.path, 'kdd'), { tabular: { protocol: 'paper' } });
      assert.equal(paper.validation, undefined);
      assert.deepEqual(paper.test!.data, d.test.data);
      const file = tmp.file('kdd/more.gz', '7,icmp,70,SF,normal.\n');
      const s = await readPresetFile('kddcup99', file, { tabular: { encoder: d.encoder.toJSON() } });
      assert.deepEqual(s.columns, d.encoder.outputColumns);
      assert.deepEqual(Array.from(s.labels!), [1]);
      const e = await rejection(loadPreset('kddcup99', join(tmp.path, 'kdd'), { tabular: { file: 'absent.gz' } }));
      assert.match(e.message, /kddcup99: no absent.gz in this folder/);
    });

    describe('on the real files', function () {
      this.timeout(60000);
      const kdd = join(DATA, 'kddcup99');
      skipWithout(kdd);
      let t: Table;
      before(async () => {
        t = await readTable(join(kdd, 'kddcup.data_10_percent.gz'), { columns: readNames(join(kdd, 'kddcup.names.txt')).columns, label: 'label' });
      });

      it('KDD 10%: 494,021 rows; one-hot of all rows gives the 121 ALAD inputs', () => {
        assert.equal(t.rows, 494021);
        assert.equal(t.numeric.length, 34);
        assert.equal(CategoricalEncoder.fit(t).width, 121);
        assert.equal(count1(binaryLabels(t.label!, ['normal.']), Array.from({ length: t.rows }, (_, r) => r)), 97278);
      });

      it('KDD paper and honest protocols (seed 42): sizes, <= 20% label 1 in test, none in training', () => {
        const paper = tabularProtocol(t, { anomalous: ['normal.'], protocol: 'paper' });
        const ones = (s: { labels?: Uint8Array }) => s.labels!.reduce((a, b) => a + b, 0);
        assert.deepEqual([paper.train.rows, paper.test.rows, ones(paper.test)], [198364, 247011, 48632]);
        assert.equal(ones(paper.train), 0);
        assert.ok(ones(paper.test) / paper.test.rows <= 0.2); // 0.1969: every normal. row of the test half fits under the cap
        // The training rows (attacks of one half) lack 7 of the 66 services: 114 inputs, not 121.
        assert.equal(paper.encoder.width, 114);
        assert.deepEqual(paper.unseen.test.map((u) => u.value), ['domain_u', 'urp_i', 'ntp_u', 'urh_i', 'pm_dump', 'red_i', 'tftp_u']);
        const honest = tabularProtocol(t, { anomalous: ['normal.'] });
        assert.deepEqual([honest.train.rows, honest.validation!.rows, honest.test.rows], [178528, 19836, 247011]);
        assert.equal(ones(honest.train) + ones(honest.validation!), 0);
        assert.deepEqual(honest.split.test, paper.split.test);
      });
    });

    describe('on the real arrhythmia.csv', () => {
      const folder = join(DATA, 'arrhythmia');
      skipWithout(folder);
      it('452 rows, 274 inputs, paper and honest sizes', async () => {
        const h = await loadPreset('arrhythmia', folder);
        const p = await loadPreset('arrhythmia', folder, { tabular: { protocol: 'paper' } });
        const ones = (s: Series) => s.labels!.reduce((a, b) => a + b, 0);
        assert.equal(h.train!.columns.length, 274);
        assert.deepEqual([p.train!.rows, p.test!.rows, ones(p.test!)], [187, 226, 27]);
        assert.deepEqual([h.train!.rows, h.validation!.rows, h.test!.rows], [169, 18, 226]);
        assert.equal(ones(p.train!) + ones(h.validation!), 0);
      });
    });
  });
});
