// The CLI end to end on generated CSV files: train -> calibrate -> detect -> evaluate, the
// bundle scoring identically after reload, --help everywhere, and one-line errors with a
// non-zero exit for wrong arguments.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { dataFlags, useCliDir, writeTrainTest } from '../helpers/cli';

describe('vigil CLI', function () {
  this.timeout(180000);
  const work = useCliDir('vigil-cli-');
  before(() => {
    writeTrainTest(work.path, 1200, 800);
    writeFileSync(join(work.path, 'small.json'), JSON.stringify({ window: 16, encoder: [16, 8], latent: 4, decoderDense: 8, decoder: [8, 16], bnMomentum: 0.1 }));
  });

  it('train -> calibrate -> detect -> evaluate on generated data', () => {
    let r = work.run(['train', ...dataFlags('train.csv'), '--config', 'small.json', '--epochs', '12', '--lr', '3e-3', '--out', 'm.vigil', '--log', 'm.jsonl']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /saved m\.vigil: best validation loss [\d.]+ \(epoch \d+\); threshold [\d.e+-]+ \(pot on \d+ validation scores\)/);
    assert.equal(readFileSync(join(work.path, 'm.jsonl'), 'utf8').trim().split('\n').length, 12);

    r = work.run(['calibrate', '--model', 'm.vigil', ...dataFlags('train.csv'), '--method', 'quantile', '--q', '0.99']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /threshold [\d.]+ \(quantile on 1185 scores/);

    r = work.run(['detect', '--model', 'm.vigil', ...dataFlags('test.csv'), '--out', 'scores.csv', '--top', '2']);
    assert.equal(r.code, 0, r.err);
    const lines = readFileSync(join(work.path, 'scores.csv'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 801);
    assert.equal(lines[0], 'row,time,score,flag,top_channels');
    assert.match(lines[1], /^0,2024-01-01T00:20:00.000Z,,,$/); // no full window yet
    assert.match(lines[16], /^15,2024-01-01T00:20:15.000Z,[\d.e-]+,[01],[abcd];[abcd]$/); // first full window

    r = work.run(['evaluate', '--scores', 'scores.csv', '--model', 'm.vigil', ...dataFlags('test.csv'), '--json']);
    assert.equal(r.code, 0, r.err);
    const rep = JSON.parse(r.out);
    assert.deepEqual(Object.keys(rep), ['lstm-ae', 'random', 'PCA']);
    assert.equal(rep['lstm-ae'].thresholdFree.vusWindow, 100);
    assert.equal(rep['lstm-ae'].threshold.method, 'quantile');
    // The injected faults are found better than by chance (measured: AUC-ROC 0.63, AUC-PR 0.56 vs 0.32).
    assert.ok(rep['lstm-ae'].thresholdFree.aucRoc > 0.55, `AUC-ROC ${rep['lstm-ae'].thresholdFree.aucRoc}`);
    assert.ok(rep['lstm-ae'].thresholdFree.aucPr > rep.random.thresholdFree.aucPr, 'AUC-PR above the random score');
    assert.ok('pointAdjusted' in rep['lstm-ae'].diagnostic);
  });

  it('scores identically from scores.csv and from a reloaded bundle', () => {
    const a = work.run(['evaluate', '--scores', 'scores.csv', '--model', 'm.vigil', ...dataFlags('test.csv'), '--json']);
    const b = work.run(['evaluate', '--model', 'm.vigil', ...dataFlags('test.csv'), '--json']);
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0, b.err);
    assert.deepEqual(JSON.parse(a.out)['lstm-ae'].thresholdFree, JSON.parse(b.out)['lstm-ae'].thresholdFree);
  });

  it('refuses data whose columns differ from the training schema, naming them', () => {
    writeFileSync(join(work.path, 'other.csv'), readFileSync(join(work.path, 'test.csv'), 'utf8').replace('time,a,b,c,d', 'time,a,c,b,d'));
    const r = work.run(['detect', '--model', 'm.vigil', ...dataFlags('other.csv'), '--out', 'x.csv']);
    assert.equal(r.code, 1);
    assert.match(r.err, /reordered/);
    assert.match(r.err, /\bb\b/);
  });

  it('--help works for every command; bad arguments give one line and a non-zero exit', () => {
    for (const cmd of ['train', 'calibrate', 'detect', 'evaluate', 'demo']) {
      const r = work.run([cmd, '--help']);
      assert.equal(r.code, 0, `${cmd} --help: ${r.err}`);
      assert.match(r.out, new RegExp(`^vigil ${cmd} — `));
    }
    for (const [args, msg] of [
      [['train', '--bogus'], /unknown option --bogus/],
      [['train', '--data', 'train.csv'], /--out is required/],
      [['detect', '--model'], /--model needs a value/],
      [['train', '--epochs', 'many', '--out', 'x'], /--epochs must be a number/],
      [['nope'], /unknown command "nope"/],
      [['detect', '--model', 'missing.vigil', '--data', 'test.csv', '--out', 'x.csv'], /cannot read: ENOENT/],
    ] as [string[], RegExp][]) {
      const r = work.run(args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.err, msg);
      assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
    }
  });
});
