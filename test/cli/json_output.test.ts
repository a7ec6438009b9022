// --json on every command that prints results: stdout is exactly one JSON object (what a script
// parses), the report lines and progress go to stderr. Run through bin/vigil.js, so a stray
// write to stdout anywhere on the way would break the parse.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { modelKinds } from '../../lib/model';
import '../../models';
import { dataFlags, useCliDir, writeTrainTest, type CliResult } from '../helpers/cli';

/** The one JSON object on stdout (JSON.parse refuses anything before or after it). */
function parsed(r: CliResult, what: string): Record<string, any> {
  assert.equal(r.code, 0, `${what}: exit ${r.code}: ${r.err}`);
  const v = JSON.parse(r.out);
  assert.equal(typeof v, 'object', what);
  assert.ok(v !== null && !Array.isArray(v), `${what}: an object`);
  return v;
}

describe('vigil --json', function () {
  this.timeout(240000);
  const work = useCliDir('vigil-json-');
  before(() => {
    writeTrainTest(work.path, 600, 400);
    writeFileSync(join(work.path, 'small.json'), JSON.stringify({ window: 16, encoder: [8], latent: 4, decoderDense: 8, decoder: [8], bnMomentum: 0.1 }));
  });

  it('train, calibrate, detect, evaluate and export print one JSON object; their report lines go to stderr', () => {
    const t = parsed(work.run(['train', ...dataFlags('train.csv'), '--config', 'small.json', '--epochs', '2', '--out', 'm.vigil', '--json']), 'train');
    assert.equal(t.model, 'lstm-ae');
    assert.equal(t.out, 'm.vigil');
    assert.equal(t.rows, 600);
    assert.equal(t.channels, 4);
    assert.equal(t.window, 16);
    assert.equal(t.epochs, 2);
    assert.ok(['pot', 'quantile'].includes(t.threshold.method), t.threshold.method);
    assert.ok(t.trainingWindows > 0 && t.validationWindows > 0);
    assert.ok(t.estimate.seconds > 0, 'the run-time estimate');

    const c = work.run(['calibrate', '--model', 'm.vigil', '--data', 'train.csv', '--method', 'quantile', '--q', '0.99', '--json']);
    const cj = parsed(c, 'calibrate');
    assert.equal(cj.section, 'threshold');
    assert.equal(cj.value.method, 'quantile');
    assert.equal(cj.out, 'm.vigil');
    assert.match(c.err, /vigil calibrate: threshold [\d.]+ \(quantile on \d+ scores of train\.csv\)/, 'the report line, on stderr');

    const d = work.run(['detect', '--model', 'm.vigil', '--data', 'test.csv', '--out', 'scores.csv', '--json']);
    const dj = parsed(d, 'detect');
    const rows = readFileSync(join(work.path, 'scores.csv'), 'utf8').trim().split('\n').slice(1);
    assert.equal(dj.rows, 400);
    assert.equal(dj.scored, rows.filter((l) => l.split(',')[2] !== '').length);
    assert.equal(dj.flagged, rows.filter((l) => l.split(',')[3] === '1').length);
    assert.equal(dj.threshold.value, cj.value.value);
    assert.match(d.err, /vigil detect: 400 rows scored/);

    const e = parsed(work.run(['evaluate', '--model', 'm.vigil', '--data', 'test.csv', '--scores', 'scores.csv', '--json']), 'evaluate');
    assert.deepEqual(Object.keys(e), ['lstm-ae', 'random', 'PCA']);

    const x = parsed(work.run(['export', '--model', 'm.vigil', '--out', 'm.onnx', '--json']), 'export');
    assert.equal(x.kind, 'lstm-ae');
    assert.deepEqual(x.input.x, ['batch', 16, 4]);
    assert.deepEqual(Object.keys(x.outputs), ['reconstruction', 'channel_errors']);
    assert.equal(x.verified, null);
    assert.ok(existsSync(join(work.path, 'm.onnx')));
  });

  it('models lists every registered kind with its input, seed and default config', () => {
    const m = parsed(work.run(['models', '--channels', '5', '--json']), 'models');
    assert.deepEqual(m.models.map((k: { kind: string }) => k.kind), modelKinds());
    for (const k of m.models) {
      assert.ok(['windows', 'matrix-series', 'rows'].includes(k.input), `${k.kind}: input ${k.input}`);
      // The five published systems name their seed; the others (classic detectors, the ensemble) none.
      if (['lstm-ae', 'dc-vae', 'staead', 'sa-dvcrae', 'alad'].includes(k.kind)) assert.match(k.seed, /seed \d{3}$/, `${k.kind}: the seed system`);
      else assert.equal(k.seed, null, `${k.kind}: no seed`);
      assert.doesNotMatch(k.summary, /seed \d{3}/, `${k.kind}: the seed is split off the summary`);
      assert.equal(k.defaultConfig.inputs, 5, `${k.kind}: the default config for --channels`);
    }
  });

  it('info and simulate print one JSON object', () => {
    const i = parsed(work.run(['info', '--json']), 'info');
    assert.equal(typeof i.cuda.compiled, 'boolean');
    assert.ok(i.threads >= 1);
    const r = work.run(['simulate', '--hours', '15', '--attack-from', '3', '--sample', '60', '--out', 'plant.csv', '--json']);
    const s = parsed(r, 'simulate');
    assert.equal(s.rows, 15 * 60);
    assert.equal(s.channels.length, 18);
    assert.equal(s.firstAttackRow, Math.min(...s.attacks.map((a: { startRow: number }) => a.startRow)));
    assert.ok(s.firstAttackRow >= 180, 'no attack in the first three (normal) hours');
    assert.match(r.err, new RegExp(`vigil train --data plant\\.csv --preset vigil-sim --rows 0:${s.firstAttackRow} --out plant\\.vigil`), 'the next step trains on the normal rows only');
  });
});
