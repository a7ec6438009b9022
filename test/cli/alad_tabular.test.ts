// `vigil train --model alad` on tabular rows end to end, through the CLI: a generated CSV with two
// categorical columns and a text class, split by the honest protocol; train (with --lr and
// --batch-size reaching ALAD's config) -> calibrate on the normal-only validation part ->
// evaluate (the rows report, honest and paper protocols named) -> detect on new rows, where the
// bundle's vocabulary is reapplied (category order in the file does not matter; an unseen
// category follows --unseen: zeros is counted, error names file, line and column).
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadBundle } from '../../lib/io/bundle';
import { Generator } from '../../lib/random';
import { useCliDir } from '../helpers/cli';

/** `n` rows: three numeric columns driven by two factors, proto and flag categories, class ok / odd (odd rows off the structure). */
function connections(n: number, seed: number): string[] {
  const g = new Generator(seed);
  const u = g.uniform([n, 4]).toArray(), e = g.normal([n, 5]).toArray();
  const lines: string[] = [];
  for (let r = 0; r < n; r++) {
    const a = e[r * 5], b = e[r * 5 + 1], odd = u[r * 4] < 0.3;
    const proto = u[r * 4 + 1] < 0.6 ? 'tcp' : u[r * 4 + 1] < 0.9 ? 'udp' : 'icmp';
    const row = [a + 0.1 * e[r * 5 + 2], a - b + 0.1 * e[r * 5 + 3] + (odd ? 4 : 0), b + 0.1 * e[r * 5 + 4] - (odd ? 3 : 0)];
    lines.push(`${row.map((v) => v.toFixed(4)).join(',')},${proto},${u[r * 4 + 2] < 0.8 ? 'SF' : 'REJ'},${odd ? 'odd' : 'ok'}`);
  }
  return lines;
}

const HEADER = 'duration,bytes,rate,proto,flag,class';
const FORMAT = ['--preset', 'tabular', '--label', 'class', '--symbolic', 'proto,flag', '--anomalous', 'odd'];
const SMALL = { latent: 4, encoderWidth: 16, generatorWidths: [16, 32], dxzWidth: 32, dxxWidth: 32, dzzWidth: 8 };

const scoresOf = (csv: string) => csv.trim().split('\n').slice(1).map((l) => Number(l.split(',')[2]));

describe('vigil CLI: ALAD on tabular rows', function () {
  this.timeout(120000);
  const work = useCliDir('vigil-alad-cli-');
  let rows: string[] = [];
  before(() => {
    rows = connections(1500, 7);
    writeFileSync(join(work.path, 'conn.csv'), [HEADER, ...rows].join('\n') + '\n');
    writeFileSync(join(work.path, 'small.json'), JSON.stringify(SMALL));
  });

  it('trains on the honest split with --lr/--batch-size; the bundle carries the encoding and the split', () => {
    const r = work.run(['train', '--model', 'alad', ...FORMAT, '--data', 'conn.csv', '--protocol', 'honest', '--config', 'small.json',
      '--epochs', '2', '--lr', '2e-3', '--batch-size', '32', '--out', 'm.vigil']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /tabular: 5 columns -> 8 inputs \(one-hot vocabulary of the training rows\), protocol honest \(split seed 42\), unseen categories: zeros/);
    assert.match(r.out, /validation windows \(the honest protocol's normal-only validation part\)/);
    // ALAD's loop watches no validation criterion: train says so rather than naming a validation loss
    assert.match(r.out, /saved m\.vigil: no validation criterion watched \(no early stopping\): the last epoch \(2\) is kept, its training losses summing to [\d.]+; threshold/);
    const b = loadBundle(join(work.path, 'm.vigil'));
    const config = b.config as { lr: number; batchSize: number };
    assert.equal(config.lr, 2e-3, '--lr reached ALAD');
    assert.equal(config.batchSize, 32, '--batch-size reached ALAD');
    const t = b.sections.tabular as { preset: string; protocol: string; seed: number; unseen: string; encoder: { columns: { name: string; categories?: string[] }[] } };
    assert.deepEqual([t.preset, t.protocol, t.seed, t.unseen], ['tabular', 'honest', 42, 'zeros']);
    assert.deepEqual(t.encoder.columns.find((c) => c.name === 'proto')?.categories, ['icmp', 'tcp', 'udp']);
    assert.deepEqual((b.sections.schema as { columns: string[] }).columns,
      ['duration', 'bytes', 'rate', 'proto=icmp', 'proto=tcp', 'proto=udp', 'flag=REJ', 'flag=SF']);
    assert.equal((b.sections.scaler as { columns: string[] }).columns.length, 8, 'the scaler is fitted on the encoded rows');
  });

  it('calibrates on the normal-only validation part; the paper protocol has none', () => {
    let r = work.run(['calibrate', '--model', 'm.vigil', ...FORMAT, '--data', 'conn.csv', '--method', 'quantile', '--q', '0.95']);
    assert.equal(r.code, 0, r.err);
    // 1500 rows: the training half's label-0 rows, 10% of them held out (the split of the bundle, not given again).
    assert.match(r.out, /threshold [\d.]+ \(quantile on \d+ scores of conn\.csv \(honest validation\)\)/);
    assert.match(r.out, /PCA baseline: threshold [\d.e+-]+ \(quantile on the same \d+ rows\)/, 'the PCA baseline is refitted by the same method');
    r = work.run(['calibrate', '--model', 'm.vigil', ...FORMAT, '--data', 'conn.csv', '--protocol', 'paper']);
    assert.equal(r.code, 2);
    assert.match(r.err, /the paper protocol has no validation part \(its threshold comes from the test scores/);
  });

  it('evaluates the test part in the rows report, naming the protocol; no VUS', () => {
    let r = work.run(['evaluate', '--model', 'm.vigil', ...FORMAT, '--data', 'conn.csv']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^honest protocol: thresholds fitted on the normal-only validation split, never on test labels or scores \(alad: quantile 0\.95; PCA: quantile 0\.95\)/);
    assert.match(r.out, /AUROC[\s\S]*AUPR[\s\S]*precision \(label 1\)[\s\S]*recall \(label 1\)[\s\S]*F1 \(label 1\)/);
    assert.doesNotMatch(r.out, /VUS-PR|event-wise|point-adjusted/);
    r = work.run(['evaluate', '--model', 'm.vigil', ...FORMAT, '--data', 'conn.csv', '--json']);
    assert.equal(r.code, 0, r.err);
    const rep = JSON.parse(r.out);
    assert.deepEqual(Object.keys(rep), ['protocol', 'alad', 'random', 'PCA']);
    assert.equal(rep.alad.threshold.method, 'quantile');
    assert.deepEqual([rep.PCA.threshold.method, rep.PCA.threshold.params.q], ['quantile', 0.95], 'PCA thresholded as calibrate refitted it, not by train\'s POT');
    assert.ok(rep.alad.positives > 0 && rep.alad.positives <= 0.2 * rep.alad.rows, 'the test is rebalanced to at most 20% label 1');
    assert.ok(rep.PCA.aucRoc > 0.9, `PCA AUROC ${rep.PCA.aucRoc} on rows made to be separable`);
    r = work.run(['evaluate', '--model', 'm.vigil', ...FORMAT, '--data', 'conn.csv', '--protocol', 'paper', '--json']);
    assert.equal(r.code, 0, r.err);
    const paper = JSON.parse(r.out);
    assert.match(paper.protocol, /^paper protocol \(threshold from test scores\)/);
    assert.deepEqual(paper.alad.threshold.params, { q: 0.8, of: 'test scores', inclusive: true });
    assert.equal(paper.alad.aucRoc, rep.alad.aucRoc, 'the same test rows under both protocols');
  });

  it('detect reapplies the training vocabulary: category order does not matter, unseen categories follow --unseen', () => {
    const some = rows.slice(0, 40);
    writeFileSync(join(work.path, 'new.csv'), [HEADER, ...some].join('\n') + '\n');
    writeFileSync(join(work.path, 'reversed.csv'), [HEADER, ...[...some].reverse()].join('\n') + '\n');
    const unseen = [...some.slice(0, 39), some[39].replace(/,(tcp|udp|icmp),/, ',sctp,')];
    writeFileSync(join(work.path, 'unseen.csv'), [HEADER, ...unseen].join('\n') + '\n');
    const detect = (file: string, ...more: string[]) => work.run(['detect', '--model', 'm.vigil', ...FORMAT, '--data', file, '--protocol', 'none', '--out', `${file}.scores`, ...more]);

    let r = detect('new.csv');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /40 rows scored, \d+ flagged at threshold [\d.]+ \(quantile\)/);
    const a = scoresOf(readFileSync(join(work.path, 'new.csv.scores'), 'utf8'));
    r = detect('reversed.csv');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(scoresOf(readFileSync(join(work.path, 'reversed.csv.scores'), 'utf8')).reverse(), a, 'the same rows score the same whatever order categories first appear in');

    r = detect('unseen.csv');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /unseen\.csv: categories the model's vocabulary lacks, encoded as all-zero blocks: proto=sctp \(1 rows\)/);
    const u = scoresOf(readFileSync(join(work.path, 'unseen.csv.scores'), 'utf8'));
    assert.deepEqual(u.slice(0, 39), a.slice(0, 39));
    assert.ok(Number.isFinite(u[39]) && u[39] !== a[39], 'the unseen row is scored, with a zero block');

    r = detect('unseen.csv', '--unseen', 'error');
    assert.equal(r.code, 1);
    // the file's line (the header is line 1), not the row among the data rows
    assert.match(r.err, /unseen\.csv line 41, column "proto": category "sctp" was not seen when the encoder was fitted \(known: icmp, tcp, udp\)/);

    writeFileSync(join(work.path, 'bad.csv'), [HEADER, ...some.slice(0, 3), '0.1,abc,0.3,tcp,SF,ok'].join('\n') + '\n');
    r = detect('bad.csv');
    assert.equal(r.code, 1);
    assert.match(r.err, /bad\.csv line 5, column "bytes": /);
  });

  it('refuses to read a tabular model\'s data with a time-series preset', () => {
    const r = work.run(['detect', '--model', 'm.vigil', '--preset', 'generic', '--data', 'conn.csv', '--out', 'x.csv']);
    assert.equal(r.code, 2);
    assert.match(r.err, /trained on tabular rows \(--preset tabular\); read the data with a tabular preset, not generic/);
  });
  it('exports the scoring path to ONNX; --verify compares the scores with onnxruntime', () => {
    const r = work.run(['export', '--model', 'm.vigil', '--out', 'm.onnx', '--verify']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /vigil export: alad, input x \[batch, 1, 8\]/);
    assert.match(r.out, /outputs: reconstruction \[batch, 8\], scores \[batch\]/);
    assert.match(r.out, /verified: onnxruntime CPU vs native on 8 random windows: max \|diff\| of scores /);
  });

  it('a threshold train cannot fit (POT over tied scores) keeps the model, exits 1 and says how to calibrate', () => {
    // Every normal row one of two records (KDD's duplicates, in small): the validation scores tie.
    const twins = ['0.5,1.0,-0.5,tcp,SF,ok', '1.5,-1.0,0.5,udp,REJ,ok'];
    const tied = Array.from({ length: 900 }, (_, i) => (i % 30 === 0 ? '9,9,9,icmp,SF,odd' : twins[i % 7 === 0 ? 1 : 0]));
    writeFileSync(join(work.path, 'tied.csv'), [HEADER, ...tied].join('\n') + '\n');
    const flags = [...FORMAT, '--data', 'tied.csv', '--protocol', 'honest'];
    let r = work.run(['train', '--model', 'alad', ...flags, '--validation', '0.2', '--config', 'small.json', '--epochs', '1', '--out', 'tied.vigil']);
    assert.equal(r.code, 1, r.out);
    assert.match(r.err, /the default threshold \(pot\) could not be fitted on the \d+ validation scores: only \d+ of \d+ scores exceed the initial threshold \(quantile [\d.]+\); at least 10 are needed.*\(the \d+ scores hold 2 distinct values: ties\); the trained model is saved in tied\.vigil/);
    const command = /\n\s+(vigil calibrate --model tied\.vigil .*--method quantile --q 0\.99)\n/.exec(r.err)?.[1];
    assert.ok(command, r.err);
    assert.equal(command, `vigil calibrate --model tied.vigil ${flags.join(' ')} --method quantile --q 0.99`, 'it repeats the data flags (the split is the bundle\'s)');
    const b = loadBundle(join(work.path, 'tied.vigil'));
    assert.deepEqual((b.sections.threshold as { params: { provisional: boolean } }).params.provisional, true);
    r = work.run(command.split(' ').slice(1));
    assert.equal(r.code, 0, r.err);
    r = work.run(['evaluate', '--model', 'tied.vigil', ...FORMAT, '--data', 'tied.csv', '--json']);
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).alad.threshold.params.q, 0.99);
  });
});
