// STAEAD through the `vigil` CLI on the generated 4-channel CSV files: train (default config,
// --window), calibrate by the seed's max-scale rule, evaluate, export --verify (the matrices
// built in the ONNX graph, onnxruntime against the native engine); --config with the seed
// preset (its sizes shrunk by the JSON file) trains as the seed (AMSGrad, per-tensor clipnorm,
// cyclic rate).
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { dataFlags, useCliDir, writeTrainTest } from '../helpers/cli';
import { loadBundle } from '../../lib/io/bundle';

describe('vigil CLI with staead', function () {
  this.timeout(120000);
  const work = useCliDir('vigil-staead-');
  before(() => writeTrainTest(work.path, 700, 400));

  it('train -> calibrate --method max-scale -> evaluate -> export --verify', () => {
    let r = work.run(['train', '--model', 'staead', ...dataFlags('train.csv'), '--window', '20', '--epochs', '2', '--batch-size', '32', '--lr', '3e-3', '--out', 'm.vigil']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /vigil train: staead, \d+ parameters; 700 rows x 4 channels/);
    assert.match(r.out, /\d+ training windows \(length 50, stride 1\)/); // 3 gaps of 10 + the window of 20
    assert.match(r.out, /saved m\.vigil: best validation loss [\d.]+ \(epoch \d+\)/, 'its own fit runs lib/train\'s, which watches the loss');
    let b = loadBundle(join(work.path, 'm.vigil'));
    assert.equal(b.kind, 'staead');
    assert.deepEqual(b.config.scales, [20]);
    assert.equal(b.config.padTo, 4);
    assert.equal(b.sections.errorScale, undefined);

    r = work.run(['calibrate', '--model', 'm.vigil', ...dataFlags('train.csv'), '--rows', '400:700', '--method', 'max-scale', '--c', '1.2']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /threshold [\d.]+ \(max-scale: 1\.2 x [\d.]+, the largest score of the normal \(label 0\) rows; \d+ scores of/);
    b = loadBundle(join(work.path, 'm.vigil'));
    assert.equal((b.sections.threshold as { params: { rule: string } }).params.rule, 'max-scale');

    r = work.run(['evaluate', '--model', 'm.vigil', ...dataFlags('test.csv')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /staead/);
    assert.match(r.out, /PCA/);

    r = work.run(['export', '--model', 'm.vigil', '--out', 'm.onnx', '--verify']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /vigil export: staead, input x \[batch, 50, 4\]/);
    assert.match(r.out, /outputs: scores \[batch\], channel_errors \[batch, 4\], reconstruction \[batch, 4, 1, 4, 4\]/);
    assert.match(r.out, /verified: onnxruntime CPU vs native/);
    assert.ok(existsSync(join(work.path, 'm.onnx')));
  });

  it('--config: the seed preset with overrides from a JSON file; an unknown name lists the named configs', () => {
    writeFileSync(join(work.path, 'tiny.json'), JSON.stringify({ preset: 'seed', scales: [12], measure: 'pearson', encoder: [4, 4], attention: [4, 4], recurrent: [4], decoder: [4] }));
    const r = work.run(['train', '--model', 'staead', ...dataFlags('train.csv'), '--rows', '0:300', '--config', 'tiny.json', '--epochs', '1', '--out', 's.vigil']);
    assert.equal(r.code, 0, r.err);
    const b = loadBundle(join(work.path, 's.vigil'));
    assert.deepEqual({ steps: b.config.steps, gap: b.config.gap, dropout: b.config.dropout, kernel: b.config.kernel }, { steps: 4, gap: 1, dropout: 0.3, kernel: 3 });
    assert.deepEqual(b.config.training, { amsgrad: true, clipNormPerTensor: 1, cyclicLr: { baseLr: 1e-3, maxLr: 6e-3, stepSize: 2000 } }, 'trained as the seed');
    const bad = work.run(['train', '--model', 'staead', ...dataFlags('train.csv'), '--config', 'nonesuch', '--out', 'x.vigil']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /named configs: default, seed/);
  });

  // `vigil detect` scores a STAEAD bundle on the Detector (the model builds its matrices from
  // windows of rows): one CSV row per input row, scores from the first full context on, flags at
  // the bundle's threshold and the blamed channels; onnxruntime (the exported graph, matrices
  // built in it) gives the same scores within 1e-4.
  it('detect -> scores CSV with flags and channels, native and onnxruntime alike', () => {
    let r = work.run(['train', '--model', 'staead', ...dataFlags('train.csv'), '--window', '20', '--epochs', '1', '--out', 'd.vigil']);
    assert.equal(r.code, 0, r.err);
    r = work.run(['detect', '--model', 'd.vigil', ...dataFlags('test.csv'), '--out', 'scores.csv']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /vigil detect: 400 rows scored, \d+ flagged at threshold [\d.e+-]+ \([\w-]+\); wrote scores\.csv/);
    const lines = readFileSync(join(work.path, 'scores.csv'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 401);
    assert.equal(lines[0], 'row,time,score,flag,top_channels');
    const cells = lines.slice(1).map((l) => l.split(','));
    const scored = cells.filter((c) => c[2] !== '');
    const columns = readFileSync(join(work.path, 'test.csv'), 'utf8').split('\n')[0].split(',');
    assert.equal(scored.length, 400 - 49, 'every row from the first full context (50 rows) on is scored');
    for (const c of scored) {
      assert.ok(Number.isFinite(Number(c[2])) && (c[3] === '0' || c[3] === '1'), `a score and a 0/1 flag: ${c.join(',')}`);
      const named = c[4].split(';');
      assert.ok(named.length >= 1 && named.length <= 3 && named.every((n) => columns.includes(n)), `blamed channels of the data: ${c[4]}`);
    }
    r = work.run(['detect', '--model', 'd.vigil', ...dataFlags('test.csv'), '--out', 'ort.csv', '--backend', 'onnxruntime']);
    assert.equal(r.code, 0, r.err);
    const ort = readFileSync(join(work.path, 'ort.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    cells.forEach((c, i) => {
      if (c[2] === '') return assert.equal(ort[i][2], '', `row ${i}: no score`);
      const a = Number(c[2]), b = Number(ort[i][2]);
      assert.ok(Math.abs(a - b) <= 1e-4 * (1 + Math.abs(a)), `row ${i}: native ${a}, onnxruntime ${b}`);
    });
  });
});
