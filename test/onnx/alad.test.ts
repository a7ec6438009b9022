// ALAD's scoring path exported (models/alad toOnnx): onnxruntime-node's `scores` and
// `reconstruction` equal the native eval-mode scores() and reconstruct() with seeded random
// weights for each of the four scores, and a detector trained through the pipeline on tabular
// rows with categorical columns (one-hot inputs, scaled by its bundle's scaler) exports and scores
// its test rows as scoreSeries does. Tolerance: |onnx - native| <= 1e-4 + 1e-4 |native|
// (helpers.ts); the largest differences are printed with VIGIL_PRINT_PARITY=1.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';

import '../../models';
import { loadSeries, loadTrainingData, type DataSource } from '../../lib/data/load';
import { Scaler } from '../../lib/data/scaler';
import { exportDetectorOnnx, exportModelOnnx } from '../../lib/onnx/export/export';
import { readOnnxMetadata, valueDims } from '../../lib/onnx/export/metadata';
import { describeVerified, verifyOnnx } from '../../lib/onnx/export/verify';
import { fitDetector } from '../../lib/pipeline/fit';
import { scoreSeries } from '../../lib/pipeline/score';
import { add } from '../../lib/ops';
import { Generator } from '../../lib/random';
import type { Tensor } from '../../lib/tensor';
import { Alad, aladDefaults, type AladScore } from '../../models/alad';
import { assertParity, nativeForward, randomizeState, recordParity, runOnnx, uniform } from './helpers';

const SMALL = { latent: 4, encoderWidth: 16, generatorWidths: [16, 32] as [number, number], dxzWidth: 32, dxxWidth: 32, dzzWidth: 8 };

/** A small ALAD with every parameter and statistic seeded (dropout on: it must vanish in eval mode), in eval mode. */
function alad(inputs: number, score: AladScore): Alad {
  const m = new Alad({ ...aladDefaults(inputs), ...SMALL, score }, new Generator(1));
  randomizeState(m, 70);
  return m.eval();
}

/** `batch` rows of `numeric` numeric columns then one-hot blocks of the given sizes (exactly one 1 per block; some blocks all zero: an unseen category). */
function rowsWithOneHot(batch: number, numeric: number, blocks: number[], seed: number): Float32Array {
  const F = numeric + blocks.reduce((a, b) => a + b, 0);
  const u = uniform(batch * (numeric + blocks.length), seed, 0, 1);
  const x = new Float32Array(batch * F);
  for (let r = 0; r < batch; r++) {
    const at = (k: number) => u[r * (numeric + blocks.length) + k];
    for (let c = 0; c < numeric; c++) x[r * F + c] = 4 * at(c) - 2;
    let off = numeric;
    blocks.forEach((size, b) => {
      const v = at(numeric + b);
      if (v < 0.9) x[r * F + off + Math.floor((v / 0.9) * size)] = 1;
      off += size;
    });
  }
  return x;
}

describe('onnx: ALAD scoring path (onnxruntime CPU vs native eval)', function () {
  this.timeout(120000);
  const F = 3 + 3 + 4;

  for (const score of ['fm', 'logit', 'l1', 'l2'] as const)
    for (const batch of [1, 5]) {
      it(`${score} score: scores and reconstruction, batch ${batch}, one-hot inputs`, async () => {
        const m = alad(F, score);
        const x = rowsWithOneHot(batch, 3, [3, 4], 10 + batch);
        const out = await runOnnx(exportModelOnnx(m), x, batch);
        recordParity(`alad ${score} scores`, assertParity(out.scores, nativeForward((t) => m.scores(t), x, [batch, F]), `${score} scores`));
        recordParity(`alad ${score} reconstruction`, assertParity(out.reconstruction, nativeForward((t) => m.reconstruct(t), x, [batch, F]), 'reconstruction'));
        m.dispose();
      });
    }

  it('declares x [batch, 1, inputs] and outputs reconstruction [batch, inputs] and scores [batch]; D_xx\'s weights once', () => {
    const m = alad(F, 'fm');
    const model = onnx.ModelProto.decode(exportModelOnnx(m));
    assert.deepEqual(valueDims(model.graph!.input), { x: ['batch', 1, F] });
    assert.deepEqual(valueDims(model.graph!.output), { reconstruction: ['batch', F], scores: ['batch'] });
    const names = model.graph!.initializer!.map((t) => t.name!);
    assert.equal(names.filter((n) => n.startsWith('dxx.fc.weight')).length, 1, 'the two pairs share one copy of f_xx');
    assert.ok(!names.some((n) => n.startsWith('dxz') || n.startsWith('dzz')), 'D_xz and D_zz are not on the scoring path');
    m.dispose();
  });

  it('verifyOnnx compares scores for a model without channel errors', async () => {
    const m = alad(F, 'fm');
    const r = await verifyOnnx(m, exportModelOnnx(m), rowsWithOneHot(6, 3, [3, 4], 3), 6);
    assert.deepEqual(r.compared.map((c) => c.output), ['scores']);
    assert.ok(r.ok, describeVerified(r));
    // A graph whose score differs from the native one fails: here the native score is moved instead.
    const moved = Object.assign(Object.create(m), { scores: (t: Tensor) => add(m.scores(t), 1) });
    const bad = await verifyOnnx(moved, exportModelOnnx(m), rowsWithOneHot(6, 3, [3, 4], 3), 6);
    assert.equal(bad.ok, false);
    assert.ok(Math.abs(bad.compared[0].maxAbs - 1) < 1e-3, describeVerified(bad));
    m.dispose();
  });

  describe('a detector trained on tabular rows with categories', () => {
    let dir = '';
    before(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-alad-onnx-'))));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('exports, carries its metadata, and scores its scaled one-hot test rows as scoreSeries does', async () => {
      const g = new Generator(4);
      const n = 600, u = g.uniform([n, 4]).toArray(), e = g.normal([n, 3]).toArray();
      const lines = ['duration,bytes,proto,flag,class'];
      for (let r = 0; r < n; r++) {
        const odd = u[r * 4] < 0.2;
        const proto = u[r * 4 + 1] < 0.6 ? 'tcp' : u[r * 4 + 1] < 0.9 ? 'udp' : 'icmp';
        lines.push(`${(e[r * 3] + (odd ? 3 : 0)).toFixed(4)},${(e[r * 3] - e[r * 3 + 1]).toFixed(4)},${proto},${u[r * 4 + 2] < 0.8 ? 'SF' : 'REJ'},${odd ? 'odd' : 'ok'}`);
      }
      const file = join(dir, 'conn.csv');
      writeFileSync(file, lines.join('\n') + '\n');
      const src: DataSource = { path: file, preset: 'tabular', labels: ['class'], tabular: { protocol: 'honest', symbolic: ['proto', 'flag'], anomalous: ['odd'] } };
      const { train, validation, tabular } = await loadTrainingData(src);
      const det = await fitDetector(train, { kind: 'alad', config: SMALL, validationData: validation, tabular, epochs: 1, seed: 1, progress: false });
      try {
        assert.deepEqual(det.info.schema.columns, ['duration', 'bytes', 'proto=icmp', 'proto=tcp', 'proto=udp', 'flag=REJ', 'flag=SF']);
        const bytes = exportDetectorOnnx(det);
        const meta = readOnnxMetadata(bytes);
        assert.equal(meta['vigil.kind'], 'alad');
        assert.deepEqual(JSON.parse(meta['vigil.threshold']), det.info.threshold);
        assert.ok(!('vigil.errorScale' in meta), 'its own score: no error scale');

        const test = await loadSeries({ ...src, tabular: { ...src.tabular, encoder: tabular!.encoder } }, 'test');
        const native = scoreSeries(det, test).scores;
        const x = Scaler.fromJSON(det.info.scaler).transform(test).data; // [rows, 1, inputs]: window 1
        const out = await runOnnx(bytes, Float32Array.from(x), test.rows);
        recordParity('alad detector scores', assertParity(out.scores, native, 'detector scores'));
        assert.ok(test.rows > 50, `${test.rows} test rows`);
      } finally {
        det.model.dispose();
      }
    });
  });
});
