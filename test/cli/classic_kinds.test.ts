// The classic detectors through bin/vigil.js on a small synthetic series: `train --model pca`
// then `evaluate` prints the PCA column's numbers in the model's column; `train --model iforest`,
// `detect` then `evaluate --scores` agree with `evaluate` scoring itself; `export` writes pca's
// graph and refuses iforest's with its reason (exit 1).
import { strict as assert } from 'node:assert';

import { dataFlags, useCliDir, writeTrainTest, type CliResult } from '../helpers/cli';

function json(r: CliResult, what: string): Record<string, any> {
  assert.equal(r.code, 0, `${what}: exit ${r.code}: ${r.err}`);
  return JSON.parse(r.out);
}

describe('vigil: the classic model kinds (pca, iforest)', function () {
  this.timeout(240000);
  const work = useCliDir('vigil-classic-');
  before(() => writeTrainTest(work.path, 800, 400));

  it('pca: train then evaluate gives the PCA column; export writes its graph', () => {
    json(work.run(['train', '--model', 'pca', ...dataFlags('train.csv'), '--out', 'pca.vigil', '--json']), 'train');
    const e = json(work.run(['evaluate', '--model', 'pca.vigil', '--data', 'test.csv', '--json']), 'evaluate');
    assert.deepEqual(Object.keys(e), ['pca', 'random', 'PCA']);
    assert.deepEqual(e.pca, e.PCA);
    const x = json(work.run(['export', '--model', 'pca.vigil', '--out', 'pca.onnx', '--json']), 'export');
    assert.deepEqual(Object.keys(x.outputs), ['channel_errors', 'scores']);
  });

  it('iforest: train, detect, evaluate the written scores as evaluate scores itself; export refused', () => {
    json(work.run(['train', '--model', 'iforest', ...dataFlags('train.csv'), '--window', '5', '--seed', '2', '--out', 'if.vigil', '--json']), 'train');
    assert.equal(work.run(['detect', '--model', 'if.vigil', '--data', 'test.csv', '--out', 'scores.csv']).code, 0);
    const fromFile = json(work.run(['evaluate', '--model', 'if.vigil', '--data', 'test.csv', '--scores', 'scores.csv', '--json']), 'evaluate');
    const own = json(work.run(['evaluate', '--model', 'if.vigil', '--data', 'test.csv', '--json']), 'evaluate');
    assert.deepEqual(fromFile.iforest.thresholdFree, own.iforest.thresholdFree);
    assert.ok(own.iforest.thresholdFree.aucRoc > own.random.thresholdFree.aucRoc, 'the forest ranks the planted faults above chance');
    const r = work.run(['export', '--model', 'if.vigil', '--out', 'if.onnx']);
    assert.equal(r.code, 1);
    assert.match(r.err, /iforest: no ONNX export .*native backend/);
  });
});
