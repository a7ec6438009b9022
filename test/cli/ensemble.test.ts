// The ensemble kind through bin/vigil.js on a small synthetic series: `train --model ensemble
// --config members.json` (a small LSTM-AE, PCA and an Isolation Forest), `detect` then
// `evaluate --scores` agree with `evaluate` scoring itself; `export` is refused with the reason
// (exit 1); a config naming an unknown member fails naming it.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { dataFlags, useCliDir, writeTrainTest } from '../helpers/cli';

describe('vigil: the ensemble model kind', function () {
  this.timeout(240000);
  const work = useCliDir('vigil-ensemble-');
  /** Runs a command that must succeed with --json; its parsed output. */
  const json = (args: string[]): Record<string, any> => {
    const r = work.run([...args, '--json']);
    assert.equal(r.code, 0, `vigil ${args[0]}: exit ${r.code}: ${r.err}`);
    return JSON.parse(r.out);
  };
  before(() => {
    writeTrainTest(work.path, 1200, 400);
    const members = [{ kind: 'lstm-ae', config: { window: 8, encoder: [8], latent: 4, decoderDense: 8, decoder: [8] } }, 'pca', { kind: 'iforest', config: { trees: 30 } }];
    writeFileSync(join(work.path, 'members.json'), JSON.stringify({ members }));
    writeFileSync(join(work.path, 'bad.json'), JSON.stringify({ members: ['pca', 'no-such-kind'] }));
  });

  it('train, detect, evaluate the written scores as evaluate scores itself; export refused', () => {
    json(['train', '--model', 'ensemble', '--config', 'members.json', ...dataFlags('train.csv'), '--epochs', '2', '--out', 'ens.vigil']);
    assert.equal(work.run(['detect', '--model', 'ens.vigil', '--data', 'test.csv', '--out', 'scores.csv']).code, 0);
    const fromFile = json(['evaluate', '--model', 'ens.vigil', '--data', 'test.csv', '--scores', 'scores.csv']);
    const own = json(['evaluate', '--model', 'ens.vigil', '--data', 'test.csv']);
    assert.deepEqual(Object.keys(own), ['ensemble', 'random', 'PCA']);
    assert.deepEqual(fromFile.ensemble.thresholdFree, own.ensemble.thresholdFree);
    assert.ok(own.ensemble.thresholdFree.aucRoc > own.random.thresholdFree.aucRoc, 'the ensemble ranks the planted faults above chance');
    const r = work.run(['export', '--model', 'ens.vigil', '--out', 'ens.onnx']);
    assert.equal(r.code, 1);
    assert.match(r.err, /ensemble: no ONNX export .*members that cannot export either: iforest \(iforest: no ONNX export .*native backend/);
  });

  it('a member of no known kind fails naming it', () => {
    const r = work.run(['train', '--model', 'ensemble', '--config', 'bad.json', ...dataFlags('train.csv'), '--out', 'bad.vigil']);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /unknown model "no-such-kind"/);
  });
});
