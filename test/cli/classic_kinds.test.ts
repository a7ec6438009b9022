// The classic detectors through bin/vigil.js on a small synthetic series: `train --model pca`
// then `evaluate` prints the PCA column's numbers in the model's column; `train --model iforest`,
// `detect` then `evaluate --scores` agree with `evaluate` scoring itself; `export` writes pca's
// graph and refuses iforest's with its reason (exit 1); `train --model knn` with a config file,
// then calibrate, detect, evaluate and a verified export, listed by `vigil models`.
import { strict as assert } from 'node:assert';

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { dataFlags, useCliDir, writeTrainTest, type CliResult } from '../helpers/cli';

function json(r: CliResult, what: string): Record<string, any> {
  assert.equal(r.code, 0, `${what}: exit ${r.code}: ${r.err}`);
  return JSON.parse(r.out);
}

describe('vigil: the classic model kinds (pca, iforest, knn)', function () {
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

  it('knn: train with a config file, calibrate, detect, evaluate; listed by models; export verified', () => {
    writeFileSync(join(work.path, 'knn.json'), JSON.stringify({ k: 3, score: 'lof', reference: 400 }));
    const t = json(work.run(['train', '--model', 'knn', ...dataFlags('train.csv'), '--config', 'knn.json', '--window', '5', '--seed', '2', '--out', 'knn.vigil', '--json']), 'train');
    assert.equal(t.model, 'knn');
    assert.equal(t.window, 5);
    const c = json(work.run(['calibrate', '--model', 'knn.vigil', '--data', 'train.csv', '--method', 'quantile', '--q', '0.99', '--json']), 'calibrate');
    assert.equal(c.value.method, 'quantile');
    const d = json(work.run(['detect', '--model', 'knn.vigil', '--data', 'test.csv', '--out', 'knn.csv', '--json']), 'detect');
    assert.equal(d.threshold.value, c.value.value);
    const fromFile = json(work.run(['evaluate', '--model', 'knn.vigil', '--data', 'test.csv', '--scores', 'knn.csv', '--json']), 'evaluate');
    const own = json(work.run(['evaluate', '--model', 'knn.vigil', '--data', 'test.csv', '--json']), 'evaluate');
    assert.deepEqual(Object.keys(own), ['knn', 'random', 'PCA']);
    assert.deepEqual(fromFile.knn.thresholdFree, own.knn.thresholdFree);
    assert.ok(own.knn.thresholdFree.aucRoc > own.random.thresholdFree.aucRoc, 'LOF ranks the planted faults above chance');
    const m = json(work.run(['models', '--channels', '4', '--json']), 'models');
    const listed = m.models.find((k: { kind: string }) => k.kind === 'knn');
    assert.deepEqual(listed.defaultConfig, { window: 10, k: 5, score: 'kth', reference: 2000, inputs: 4 });
    const x = json(work.run(['export', '--model', 'knn.vigil', '--out', 'knn.onnx', '--verify', '--json']), 'export');
    assert.deepEqual(Object.keys(x.outputs), ['channel_errors', 'scores']);
    assert.ok(x.verified, 'onnxruntime agrees with the native engine');
  });
});
