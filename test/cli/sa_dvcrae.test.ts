// Sa-DVCRAE through the `vigil` CLI on the generated 4-channel CSV files: train (default config,
// --window), calibrate (quantile), evaluate, export --verify (the matrices built in the ONNX
// graph, onnxruntime against the native engine), detect natively and on onnxruntime; --config with the seed preset (its
// sizes shrunk by the JSON file) keeps the seed's oddities (one decoded frame, ReLU output).
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { dataFlags, useCliDir, writeTrainTest } from '../helpers/cli';
import { loadBundle } from '../../lib/io/bundle';

describe('vigil CLI with sa-dvcrae', function () {
  this.timeout(120000);
  const work = useCliDir('vigil-sa-dvcrae-');
  before(() => writeTrainTest(work.path, 700, 400));

  it('train -> calibrate -> evaluate -> export --verify -> detect', () => {
    let r = work.run(['train', '--model', 'sa-dvcrae', ...dataFlags('train.csv'), '--window', '20', '--epochs', '2', '--batch-size', '32', '--lr', '3e-3', '--out', 'm.vigil']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /vigil train: sa-dvcrae, \d+ parameters; 700 rows x 4 channels/);
    assert.match(r.out, /\d+ training windows \(length 50, stride 1\)/); // 3 gaps of 10 + the window of 20
    assert.match(r.out + r.err, /train loss [\d.]+ \(rec [\d.]+, kl [\d.]+\)/); // the two loss terms in the progress
    let b = loadBundle(join(work.path, 'm.vigil'));
    assert.equal(b.kind, 'sa-dvcrae');
    assert.deepEqual({ scales: b.config.scales, padTo: b.config.padTo, decoderSteps: b.config.decoderSteps }, { scales: [20], padTo: 8, decoderSteps: 'all' });

    r = work.run(['calibrate', '--model', 'm.vigil', ...dataFlags('train.csv'), '--rows', '400:700', '--method', 'quantile']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /threshold [\d.]+ \(quantile on \d+ scores/);

    r = work.run(['evaluate', '--model', 'm.vigil', ...dataFlags('test.csv')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /sa-dvcrae/);
    assert.match(r.out, /PCA/);

    r = work.run(['export', '--model', 'm.vigil', '--out', 'm.onnx', '--verify']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /vigil export: sa-dvcrae, input x \[batch, 50, 4\]/);
    assert.match(r.out, /outputs: scores \[batch\], channel_errors \[batch, 4\], reconstruction \[batch, 4, 1, 8, 8\]/);
    assert.match(r.out, /verified: onnxruntime CPU vs native/);
    assert.ok(existsSync(join(work.path, 'm.onnx')));

    // detect on the Detector (the model builds its matrices from windows of rows), natively and on
    // onnxruntime (the exported graph, matrices built in it): the same scores within 1e-4.
    r = work.run(['detect', '--model', 'm.vigil', ...dataFlags('test.csv'), '--out', 's.csv']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /400 rows scored/);
    r = work.run(['detect', '--model', 'm.vigil', ...dataFlags('test.csv'), '--out', 'ort.csv', '--backend', 'onnxruntime']);
    assert.equal(r.code, 0, r.err);
    const read = (f: string) => readFileSync(join(work.path, f), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const native = read('s.csv'), ort = read('ort.csv');
    assert.equal(native.length, 400);
    assert.equal(native.filter((c) => c[2] !== '').length, 400 - 49, 'scores from the first full context (50 rows) on');
    native.forEach((c, i) => {
      if (c[2] === '') return assert.equal(ort[i][2], '', `row ${i}: no score`);
      const a = Number(c[2]), b = Number(ort[i][2]);
      assert.ok(Math.abs(a - b) <= 1e-4 * (1 + Math.abs(a)), `row ${i}: native ${a}, onnxruntime ${b}`);
    });
  });

  it("--config: the seed preset with sizes from a JSON file keeps the seed's one frame and ReLU output; an unknown name lists the named configs", () => {
    writeFileSync(join(work.path, 'tiny.json'), JSON.stringify({
      preset: 'seed', scales: [12], measure: 'pearson', encoder: [4, 4, 4], encoderLstm: [4], latent: 4, hidden: 8, decoderChannels: 4, decoderLstm: [4], decoder: [4, 4, 4],
    }));
    let r = work.run(['train', '--model', 'sa-dvcrae', ...dataFlags('train.csv'), '--rows', '0:300', '--config', 'tiny.json', '--epochs', '1', '--out', 's.vigil']);
    assert.equal(r.code, 0, r.err);
    const b = loadBundle(join(work.path, 's.vigil'));
    assert.deepEqual(
      { steps: b.config.steps, gap: b.config.gap, decoderSteps: b.config.decoderSteps, output: b.config.output, outputDropout: b.config.outputDropout, loss: b.config.loss },
      { steps: 4, gap: 1, decoderSteps: 'one', output: 'relu', outputDropout: true, loss: 'seed' });
    r = work.run(['export', '--model', 's.vigil', '--out', 's.onnx', '--verify']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /reconstruction \[batch, 1, 1, 8, 8\]/);
    // The kind's flags set its config fields (and are refused for another kind).
    r = work.run(['train', '--model', 'sa-dvcrae', ...dataFlags('train.csv'), '--rows', '0:300', '--config', 'tiny.json', '--score-by', 'probability',
      '--latent-samples', '3', '--decoder-variance', 'estimated', '--epochs', '1', '--out', 'p.vigil']);
    assert.equal(r.code, 0, r.err);
    const p = loadBundle(join(work.path, 'p.vigil'));
    assert.deepEqual([p.config.scoreBy, p.config.latentSamples, p.config.decoderVariance], ['probability', 3, 'estimated']);
    r = work.run(['train', '--help']);
    assert.match(r.out, /--score-by .*sa-dvcrae: error .* or probability/);
    r = work.run(['train', '--model', 'lstm-ae', ...dataFlags('train.csv'), '--score-by', 'probability', '--out', 'x.vigil']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--score-by is a sa-dvcrae option; the model is lstm-ae/);
    const bad = work.run(['train', '--model', 'sa-dvcrae', ...dataFlags('train.csv'), '--config', 'nonesuch', '--out', 'x.vigil']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /named configs: default, seed/);
  });
});
