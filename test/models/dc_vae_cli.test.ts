// DC-VAE through the CLI on generated CSV files, as upstream's three steps: train (from an
// upstream-style settings file), calibrate --method alpha (label-free, with global labels on
// the first half of the test period, with per-channel labels), detect with the alphas, and
// evaluate; the bundle's sections; the named May-2022 config; errors.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { dataFlags, useCliDir, writeTrainTest } from '../helpers/cli';
import { loadBundle } from '../../lib/io/bundle';
import { readCsv } from '../../lib/data/csv';
import { Scaler } from '../../lib/data/scaler';
import { Windows } from '../../lib/data/windows';
import { alphasFromJSON } from '../../lib/calibrate/alpha';
import '../../models'; // registers the model kinds
import { loadDetector } from '../../lib/detect/detector_bundle';
import type { DcVae } from '../../models/dc_vae/model';
import { Tensor, tidy } from '../../lib/tensor';
import { noGrad } from '../../lib/autograd/grad_mode';

describe('vigil CLI with dc-vae', function () {
  this.timeout(180000);
  const work = useCliDir('vigil-dcvae-');
  before(() => {
    writeTrainTest(work.path, 1200, 800, true);
    writeFileSync(join(work.path, 'settings.txt'), [
      '# a small DC-VAE in upstream settings keys',
      'T = 16', 'cnn_units = [16, 16, 16, 16]', 'dil_rate = [1, 2, 4, 8, 16]', 'J = 2', 'kernel = 2', 'strs = 1',
      'batch_size = 32', 'epochs = 10', 'lr = 3e-3', 'val_percent = 0.2', 'seed = 1', 'wo_outliers = true', 'max_std = 7', 'scale = true',
    ].join('\n'));
  });

  it('train --settings -> calibrate --method alpha (label-free) -> detect flags by the alphas -> evaluate', () => {
    let r = work.run(['train', ...dataFlags('train.csv'), '--settings', 'settings.txt', '--out', 'm.vigil', '--log', 'm.jsonl']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /vigil train: dc-vae, \d+ parameters; 1200 rows x 4 channels/);
    assert.match(r.out, /cleaning: \d+ training and \d+ validation values beyond 7 training stds forward-filled/);
    assert.match(r.out, /945 training windows \(length 16, stride 1\), 225 validation windows \(the last 20% of rows\)/);
    const log = readFileSync(join(work.path, 'm.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(log.length >= 1 && log.length <= 10);
    assert.ok('nll' in log[0].trainTerms && 'kl' in log[0].trainTerms, 'the loss terms are logged');
    let b = loadBundle(join(work.path, 'm.vigil'));
    assert.equal(b.kind, 'dc-vae');
    assert.equal(b.config.window, 16);
    assert.equal(b.config.latent, 2);
    assert.deepEqual(b.config.encoder.map((l: any) => l.dilation), [1, 2, 4]);
    assert.equal((b.sections.cleaning as any).maxStd, 7);

    // The training file's label column is all zero: no labels, so the false-alarm budget.
    r = work.run(['calibrate', '--model', 'm.vigil', ...dataFlags('train.csv'), '--method', 'alpha', '--fraction', '0.01']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /alphas for 4 channels, label-free: false-alarm budget 0\.01 of the steps \(flags 0\.\d+ of them here\), on 1185 rows/);
    b = loadBundle(join(work.path, 'm.vigil'));
    const alpha = b.sections.alpha as any;
    assert.equal(alpha.method, 'false-alarm-budget');
    assert.equal(alpha.up.length, 4);
    assert.ok(b.sections.threshold, 'the threshold stays beside the alphas');

    r = work.run(['detect', '--model', 'm.vigil', ...dataFlags('test.csv'), '--out', 'scores.csv']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /800 rows scored, \d+ flagged by per-channel alphas \(false-alarm-budget\)/);
    const lines = readFileSync(join(work.path, 'scores.csv'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 801);
    assert.match(lines[15], /^14,[^,]*,,,$/);
    assert.match(lines[16], /^15,2024-01-01T00:20:15.000Z,[\d.e-]+,[01],[abcd];[abcd];[abcd]$/);

    // The flags are x outside [mu - down sigma, mu + up sigma] on some channel, recomputed here.
    const det = loadDetector(join(work.path, 'm.vigil'));
    const a = alphasFromJSON(alpha);
    const test = readCsv(join(work.path, 'test.csv'), { timestamp: 'time', labels: ['attack'] });
    return test.then((series) => {
      const win = new Windows(Scaler.fromJSON(det.info.scaler).transform(series), { length: 16 });
      let agree = 0;
      noGrad(() => tidy(() => {
        const x = win.batch(Int32Array.from({ length: win.count }, (_, i) => i));
        const { mu, sigma } = (det.model as DcVae).lastStep(Tensor.fromArray(x, [win.count, 16, 4]));
        const m = mu.toArray(), s = sigma.toArray();
        for (let i = 0; i < win.count; i++) {
          let flag = 0;
          for (let c = 0; c < 4; c++) {
            const v = x[(i * 16 + 15) * 4 + c], k = i * 4 + c;
            if (v > m[k] + a.up[c] * s[k] || v < m[k] - a.down[c] * s[k]) flag = 1;
          }
          if (String(flag) === lines[i + 16].split(',')[3]) agree++;
        }
      }));
      det.model.dispose();
      assert.equal(agree, win.count, 'every flag follows the alpha rule');

      r = work.run(['evaluate', '--scores', 'scores.csv', '--model', 'm.vigil', ...dataFlags('test.csv'), '--json']);
      assert.equal(r.code, 0, r.err);
      const rep = JSON.parse(r.out);
      assert.deepEqual(Object.keys(rep), ['dc-vae', 'dc-vae (alphas)', 'random', 'PCA']);
      // measured: AUC-PR 0.45 vs 0.32 for the random score after 10 epochs
      assert.ok(rep['dc-vae'].thresholdFree.aucPr > rep.random.thresholdFree.aucPr, `AUC-PR ${rep['dc-vae'].thresholdFree.aucPr}`);
      // The alpha column: threshold 1 on the alpha-normalised score flags exactly detect's rows.
      const al = rep['dc-vae (alphas)'];
      assert.equal(al.threshold.value, 1);
      assert.equal(al.threshold.method, 'fixed');
      assert.equal(al.threshold.params.alphaMethod, 'false-alarm-budget');
      const count = { tp: 0, fp: 0, fn: 0, tn: 0 };
      for (let row = 15; row < 800; row++) {
        const flag = lines[row + 1].split(',')[3] === '1', label = series.labels![row] === 1;
        count[flag ? (label ? 'tp' : 'fp') : label ? 'fn' : 'tn']++;
      }
      assert.deepEqual({ tp: al.point.tp, fp: al.point.fp, fn: al.point.fn, tn: al.point.tn }, count);
      assert.ok(count.tp + count.fp > 0, 'the alphas flag something on the faulty test data');
      assert.equal(al.steps, 785);
      assert.ok(Number.isFinite(al.thresholdFree.aucPr) && al.event.events === rep['dc-vae'].event.events);

      // The table names the column and says what it is.
      r = work.run(['evaluate', '--model', 'm.vigil', ...dataFlags('test.csv')]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^\s+dc-vae\s+dc-vae \(alphas\)\s+random\s+PCA/m);
      assert.match(r.out, /"dc-vae \(alphas\)": flags of the per-channel alphas \(false-alarm-budget\), as detect raises them/);
      assert.match(r.out, /threshold method\s+pot\s+fixed\s+fixed/);
    });
  });

  it('calibrates alphas on labelled validation rows (global or per-channel labels) and detects on the rest', () => {
    let r = work.run(['calibrate', '--model', 'm.vigil', ...dataFlags('test.csv'), '--rows', '0:50%', '--method', 'alpha',
      '--alpha-metric', 'range', '--range-bias', 'front', '--out', 'm_global.vigil']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /best range F1 of the any-channel flag against the labels \(F1 0\.\d+\), on 385 rows/);
    const g = loadBundle(join(work.path, 'm_global.vigil')).sections.alpha as any;
    assert.equal(g.method, 'best-f1');
    assert.equal(g.params.labels, 'global');
    assert.equal(g.params.rangeBias, 'front');

    r = work.run(['calibrate', '--model', 'm.vigil', ...dataFlags('test.csv'), '--rows', '0:50%', '--method', 'alpha',
      '--channel-labels', 'test_channel_labels.csv', '--alpha-grid', '6,4,3,2', '--out', 'm_channel.vigil']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /best point F1 per channel against per-channel labels/);
    const c = loadBundle(join(work.path, 'm_channel.vigil')).sections.alpha as any;
    assert.equal(c.params.labels, 'per-channel');
    assert.equal(c.channelF1.length, 4);
    assert.ok(c.up.every((v: number) => [6, 4, 3, 2].includes(v)));

    r = work.run(['detect', '--model', 'm_global.vigil', ...dataFlags('test.csv'), '--rows', '50%:', '--out', 'second.csv']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /400 rows scored, \d+ flagged by per-channel alphas \(best-f1\)/);
  });

  it('trains the named May-2022 config; refuses settings for another model and alphas for a model without Gaussians', () => {
    let r = work.run(['train', ...dataFlags('train.csv'), '--model', 'dc-vae', '--config', 'may-2022', '--window', '24', '--epochs', '1', '--out', 'may.vigil']);
    assert.equal(r.code, 0, r.err);
    const may = loadBundle(join(work.path, 'may.vigil')).config as any;
    assert.equal(may.reduction, 'sum');
    assert.equal(may.decoder.length, 9);
    assert.equal(may.window, 24);

    r = work.run(['train', ...dataFlags('train.csv'), '--model', 'lstm-ae', '--settings', 'settings.txt', '--out', 'x.vigil']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--settings is a dc-vae settings file: it needs --model dc-vae, not lstm-ae/);

    writeFileSync(join(work.path, 'tiny.json'), JSON.stringify({ window: 8, encoder: [4], latent: 2, decoderDense: 4, decoder: [4] }));
    r = work.run(['train', ...dataFlags('train.csv'), '--config', 'tiny.json', '--epochs', '1', '--out', 'ae.vigil']);
    assert.equal(r.code, 0, r.err);
    r = work.run(['calibrate', '--model', 'ae.vigil', ...dataFlags('train.csv'), '--method', 'alpha']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--method alpha needs a model with per-channel Gaussian outputs \(dc-vae\); this bundle holds lstm-ae/);

    r = work.run(['calibrate', '--model', 'm.vigil', ...dataFlags('train.csv'), '--method', 'alpha', '--alpha-metric', 'best']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--alpha-metric must be point or range/);
    r = work.run(['train', ...dataFlags('train.csv'), '--model', 'dc-vae', '--config', 'nosuch', '--out', 'x.vigil']);
    assert.match(r.err, /--config nosuch: no such file \(named configs: head, may-2022\)/);
  });
});
