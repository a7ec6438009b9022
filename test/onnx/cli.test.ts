// `vigil export` end to end: a tiny LSTM-AE and a tiny DC-VAE trained through the CLI on
// generated CSV files, exported, loaded with onnxruntime-node and compared with the native
// engine on the scaled windows of a test file (1e-4 + 1e-4 |native|); the metadata against the
// bundle's sections; --verify; --help and the one-line errors.
import { strict as assert } from 'node:assert';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { dataFlags, useCliDir, writeTrainTest } from '../helpers/cli';
import { readCsv } from '../../lib/data/csv';
import { Scaler } from '../../lib/data/scaler';
import { Windows } from '../../lib/data/windows';
import '../../models';
import { loadDetector } from '../../lib/detect/detector_bundle';
import { loadBundle } from '../../lib/io/bundle';
import { OnnxRunner } from '../../lib/onnx/export/runner';
import { assertParity, nativeForward, recordParity } from './helpers';

describe('vigil export (CLI, end to end)', function () {
  this.timeout(180000);
  const work = useCliDir('vigil-export-');
  before(() => {
    writeTrainTest(work.path, 600, 300);
    writeFileSync(join(work.path, 'tiny.json'), JSON.stringify({ window: 8, encoder: [6, 4], latent: 2, decoderDense: 4, decoder: [4, 6] }));
    writeFileSync(join(work.path, 'settings.txt'), ['T = 12', 'cnn_units = [6, 6, 6, 6]', 'dil_rate = [1, 2, 4, 8, 16]', 'J = 2', 'kernel = 2',
      'batch_size = 32', 'epochs = 1', 'lr = 3e-3', 'val_percent = 0.2', 'seed = 1'].join('\n'));
  });

  /** The scaled windows of test.csv as the bundle's scaler makes them. */
  async function testWindows(model: string) {
    const det = loadDetector(join(work.path, model));
    const series = await readCsv(join(work.path, 'test.csv'), { timestamp: 'time', labels: ['attack'] });
    const w = new Windows(Scaler.fromJSON(det.info.scaler).transform(series), { length: det.info.windows.length });
    const x = w.batch(Int32Array.from({ length: w.count }, (_, i) => i));
    return { det, x, count: w.count, shape: [w.count, w.length, 4] };
  }

  for (const kind of ['lstm-ae', 'dc-vae'] as const) {
    it(`${kind}: train -> export -> onnxruntime equals the native channel errors on every test window; metadata = bundle sections`, async () => {
      const train = kind === 'lstm-ae' ? ['--config', 'tiny.json', '--epochs', '1'] : ['--settings', 'settings.txt'];
      let r = work.run(['train', ...dataFlags('train.csv'), ...train, '--out', `${kind}.vigil`]);
      assert.equal(r.code, 0, r.err);
      if (kind === 'dc-vae') {
        r = work.run(['calibrate', '--model', `${kind}.vigil`, ...dataFlags('train.csv'), '--method', 'alpha', '--fraction', '0.01']);
        assert.equal(r.code, 0, r.err);
      }
      r = work.run(['export', '--model', `${kind}.vigil`, '--out', `${kind}.onnx`, '--verify']);
      assert.equal(r.code, 0, r.err);
      const T = kind === 'lstm-ae' ? 8 : 12;
      assert.match(r.out, new RegExp(`vigil export: ${kind}, input x \\[batch, ${T}, 4\\] -> ${kind}\\.onnx \\([\\d.]+ KB, opset 17\\)`));
      assert.match(r.out, kind === 'lstm-ae' ? /outputs: reconstruction \[batch, 8, 4\], channel_errors \[batch, 4\]/
        : /outputs: x_mean \[batch, 12, 4\], x_log_var \[batch, 12, 4\], channel_errors \[batch, 4\]/);
      assert.match(r.out, /verified: onnxruntime CPU vs native on 8 random windows: max \|diff\| of channel_errors [\d.]+e[-+]\d+/);

      const { det, x, count, shape } = await testWindows(`${kind}.vigil`);
      const runner = await OnnxRunner.create(join(work.path, `${kind}.onnx`));
      const out = await runner.run(x, count);
      await runner.dispose();
      recordParity(`${kind} (CLI) channel_errors`, assertParity(out.channel_errors, nativeForward((t) => det.model.channelErrors(t), x, shape), `${kind} channel_errors`));
      const b = loadBundle(join(work.path, `${kind}.vigil`));
      assert.equal(runner.metadata['vigil.kind'], kind);
      assert.deepEqual(JSON.parse(runner.metadata['vigil.config']), b.config);
      const sections = kind === 'dc-vae' ? ['schema', 'scaler', 'windows', 'threshold', 'errorScale', 'alpha'] : ['schema', 'scaler', 'windows', 'threshold', 'errorScale'];
      for (const k of sections) assert.deepEqual(JSON.parse(runner.metadata[`vigil.${k}`]), b.sections[k], `vigil.${k}`);
      assert.equal('vigil.alpha' in runner.metadata, kind === 'dc-vae');
      det.model.dispose();
    });
  }

  it('--help, and one-line errors for missing flags and a missing bundle', () => {
    let r = work.run(['export', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /vigil export — write a trained detector as an ONNX file[\s\S]*--model <string>[\s\S]*--out <string>[\s\S]*--verify/);
    r = work.run(['--help']);
    assert.match(r.out, /export {6}write a trained detector as an ONNX file/);
    r = work.run(['export', '--out', 'x.onnx']);
    assert.equal(r.code, 2);
    assert.match(r.err, /vigil: --model is required/);
    r = work.run(['export', '--model', 'lstm-ae.vigil']);
    assert.equal(r.code, 2);
    assert.match(r.err, /vigil: --out is required/);
    r = work.run(['export', '--model', 'nosuch.vigil', '--out', 'x.onnx']);
    assert.equal(r.code, 1);
    assert.match(r.err, /^vigil export: .*nosuch\.vigil/);
    assert.ok(!existsSync(join(work.path, 'x.onnx')), 'nothing written');
  });
});
