// Upstream DC-VAE settings files (models/dc_vae/settings.ts): both file formats, what each
// key becomes, and clear errors.
import { strict as assert } from 'node:assert';

import { rowBounds } from '../../lib/data/load';
import { parseSettings, settingsOptions } from '../../models/dc_vae/settings';
import { flagGiven } from '../../tools/cli/args';

// settings/model_settings.txt at upstream HEAD (a JSON object, read with json.load).
const HEAD = `{
"dataset_name": "TELCO",
"model_name":  "dc-vae",
"scale": true,
"wo_outliers": true,
"max_std": 7,
"T": 128,
"M": 12,
"cnn_units": [64, 64, 64, 64, 64, 64],
"dil_rate": [1, 2, 4, 8, 16, 32, 64],
"kernel": 2,
"strs": 1,
"activation": "tanh",
"alpha_reg": 1e-4,
"batch_size": 32,
"J": 4,
"epochs": 100,
"lr": 1e-4,
"lr_decay": false,
"decay_rate": 0.96,
"decay_step": 7000,
"val_percent": 0.2,
"seed": 123,
"summary": true,
"custom_metrics": true
}`;

describe('DC-VAE settings files', () => {
  it('reads upstream HEAD\'s JSON settings into the model config, training flags and cleaning', () => {
    const o = settingsOptions(parseSettings(HEAD), 12);
    assert.equal(o.config.window, 128);
    assert.equal(o.config.latent, 4);
    assert.equal(o.config.kernel, 2);
    assert.deepEqual(o.config.encoder!.map((l) => l.dilation), [1, 2, 4, 8, 16]);
    assert.equal(o.config.latentDilation, 16);
    assert.deepEqual(o.config.decoder!.map((l) => l.dilation), [64, 32, 16, 8, 4]);
    assert.deepEqual(o.flags, { 'batch-size': 32, epochs: 100, lr: 1e-4, validation: 0.2, seed: 123, patience: 5, 'min-delta': 0.01 });
    assert.equal(o.clean, 7);
    assert.equal(o.rangeF1, true);
    assert.deepEqual(o.notes, ['activation: ignored (unused upstream too)', 'alpha_reg: ignored (unused upstream too)']);
  });

  it('reads key = value lines with comments, Python literals and bare strings', () => {
    const s = parseSettings([
      '# a small DC-VAE',
      'model_name = my-model',
      'T = 16            # window',
      'cnn_units = [8, 8, 8]',
      "dil_rate: [1, 2, 4, 8]",
      'J = 2',
      'scale = False',
      'wo_outliers = True',
      'lr_decay = true',
      'lr = 1e-3,',
    ].join('\n'));
    assert.deepEqual(s, { model_name: 'my-model', T: 16, cnn_units: [8, 8, 8], dil_rate: [1, 2, 4, 8], J: 2, scale: false, wo_outliers: true, lr_decay: true, lr: 1e-3 });
    const o = settingsOptions(s, 5);
    assert.deepEqual(o.config.encoder, [{ units: 8, dilation: 1 }, { units: 8, dilation: 2 }]);
    assert.equal(o.config.latentDilation, 2);
    assert.deepEqual(o.config.decoder, [{ units: 8, dilation: 8 }, { units: 8, dilation: 4 }]);
    assert.equal(o.clean, 7);
    assert.equal(o.notes.length, 2);
    assert.match(o.notes[0], /scale = false: ignored/);
    assert.match(o.notes[1], /lr_decay = true: ignored/);
  });

  it('refuses what it cannot honour, naming the file and key', () => {
    assert.throws(() => settingsOptions({ M: 12 }, 5, 's.txt'), /s\.txt: M = 12 but the data has 5 channels/);
    assert.throws(() => settingsOptions({ strs: 2 }, 5, 's.txt'), /only stride 1/);
    assert.throws(() => settingsOptions({ T: 'long' }, 5, 's.txt'), /"T" must be a number/);
    assert.throws(() => settingsOptions({ cnn_units: [8, 8, 8] }, 5, 's.txt'), /cnn_units and dil_rate come together/);
    assert.throws(() => settingsOptions({ cnn_units: [8, 8], dil_rate: [1, 2] }, 5, 's.txt'), /s\.txt: dc-vae: cnn_units needs at least 3/);
    assert.throws(() => settingsOptions({ dropout: 0.1 }, 5, 's.txt'), /unknown setting\(s\) dropout/);
    assert.throws(() => parseSettings('{"T": 12,', 's.txt'), /s\.txt: not valid JSON/);
    assert.throws(() => parseSettings('just words here', 's.txt'), /s\.txt:1: expected "key = value"/);
  });

  it('tells flags given on the command line from defaults', () => {
    assert.ok(flagGiven(['--epochs', '3'], 'epochs'));
    assert.ok(flagGiven(['--epochs=3'], 'epochs'));
    assert.ok(!flagGiven(['--epochs-max', '3'], 'epochs'));
  });

  it('--rows START:END: row numbers, negative from the end, percentages, open ends', () => {
    assert.deepEqual(rowBounds(4177, '0:50%'), [0, 2089]);
    assert.deepEqual(rowBounds(4177, '50%:'), [2089, 4177]);
    assert.deepEqual(rowBounds(100, '-10:'), [90, 100]);
    assert.deepEqual(rowBounds(100, '10:-10'), [10, 90]);
    assert.deepEqual(rowBounds(100, ':500'), [0, 100]);
    assert.throws(() => rowBounds(100, '50'), /--rows must be START:END/);
    assert.throws(() => rowBounds(100, '60:40'), /selects no rows of the 100/);
    assert.throws(() => rowBounds(100, 'a:b'), /"a" is not a row number or a percentage/);
  });
});
