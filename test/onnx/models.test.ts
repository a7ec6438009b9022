// LSTM-AE and DC-VAE exported whole: onnxruntime-node's outputs equal the native eval-mode
// forward and channelErrors() on seeded random weights, statistics and windows, batch 1 and 3.
// Tolerance: |onnx - native| <= 1e-4 + 1e-4 |native| (helpers.ts). Also the export contract:
// input/output names and dims, opset, metadata_props of a detector, refusals.
import { strict as assert } from 'node:assert';
import { onnx } from 'onnx-proto';
import '../../models';
import { LstmAe, type LstmAeConfig } from '../../models/lstm_ae/model';
import { DcVae, type DcVaeConfig } from '../../models/dc_vae/model';
import { exportDetectorOnnx, exportModelOnnx, META_KEYS } from '../../lib/onnx/export/export';
import { readOnnxMetadata, valueDims } from '../../lib/onnx/export/metadata';
import { OnnxRunner } from '../../lib/onnx/export/runner';
import type { LoadedDetector } from '../../lib/detect/detector_bundle';
import { Generator } from '../../lib/random';
import { assertModelParity, assertParity, nativeForward, randomizeState, runOnnx, uniform } from './helpers';

const AE: LstmAeConfig = { inputs: 3, window: 6, encoder: [5, 4], latent: 2, decoderDense: 4, decoder: [4, 5], bnMomentum: 0.01, bnEps: 1e-3 };
const VAE: DcVaeConfig = {
  inputs: 3, window: 10, kernel: 2, latent: 2, encoder: [{ units: 4, dilation: 1 }, { units: 5, dilation: 2 }], latentDilation: 2,
  decoder: [{ units: 5, dilation: 4 }, { units: 4, dilation: 1 }], outputDilation: 1,
  bnMomentum: 0.01, bnEps: 1e-3, klWeight: 1, varianceFloor: 1e-4, reduction: 'mean',
};

function ae(): LstmAe {
  const m = new LstmAe(AE, new Generator(1));
  randomizeState(m, 20);
  return m.eval();
}
function vae(config: Partial<DcVaeConfig> = {}): DcVae {
  const m = new DcVae({ ...VAE, ...config }, new Generator(2));
  randomizeState(m, 40);
  return m.eval();
}

describe('onnx: model export parity (onnxruntime CPU vs native eval)', function () {
  this.timeout(60000);
  for (const batch of [1, 3]) {
    it(`LSTM-AE: reconstruction and channel_errors, batch ${batch}`, async () => {
      const m = ae();
      await assertModelParity('lstm-ae', m, uniform(batch * AE.window * AE.inputs, 50 + batch, -2, 2), [batch, AE.window, AE.inputs]);
      m.dispose();
    });

    it(`DC-VAE: x_mean, x_log_var (mean path) and channel_errors (last step), batch ${batch}`, async () => {
      const m = vae();
      await assertModelParity('dc-vae', m, uniform(batch * VAE.window * VAE.inputs, 60 + batch, -2, 2), [batch, VAE.window, VAE.inputs]);
      m.dispose();
    });
  }

  it('DC-VAE: the variance floor is in the graph (log-variances far below log f come out near log f), and floor 0 exports too', async () => {
    const m = vae();
    m.stateDict().get('x_log_var.bias')!.assign([-30, -30, -30]);
    const x = uniform(VAE.window * VAE.inputs, 7);
    const out = await runOnnx(exportModelOnnx(m), x, 1);
    assert.ok(out.x_log_var.every((v) => v >= Math.log(1e-4) - 1e-4), `min log-var ${Math.min(...out.x_log_var)}`);
    assertParity(out.channel_errors, nativeForward((t) => m.channelErrors(t), x, [1, VAE.window, VAE.inputs]), 'channel_errors, floored');
    const m0 = vae({ varianceFloor: 0 });
    const out0 = await runOnnx(exportModelOnnx(m0), x, 1);
    assertParity(out0.channel_errors, nativeForward((t) => m0.channelErrors(t), x, [1, VAE.window, VAE.inputs]), 'channel_errors, no floor');
    m.dispose();
    m0.dispose();
  });

  it('declares x [batch, window, channels] and the contract outputs; opset 17, IR 8, producer vigil', () => {
    const m = ae(), v = vae();
    const a = onnx.ModelProto.decode(exportModelOnnx(m));
    assert.deepEqual(valueDims(a.graph!.input), { x: ['batch', 6, 3] });
    assert.deepEqual(valueDims(a.graph!.output), { reconstruction: ['batch', 6, 3], channel_errors: ['batch', 3] });
    assert.equal(Number(a.irVersion), 8);
    assert.deepEqual(a.opsetImport.map((o) => [o.domain, Number(o.version)]), [['', 17]]);
    assert.equal(a.producerName, 'vigil');
    const b = onnx.ModelProto.decode(exportModelOnnx(v));
    assert.deepEqual(valueDims(b.graph!.output), { x_mean: ['batch', 10, 3], x_log_var: ['batch', 10, 3], channel_errors: ['batch', 3] });
    m.dispose();
    v.dispose();
  });

  it('a detector carries kind, config, schema, scaler, windows, threshold, alpha and errorScale as JSON in metadata_props', async () => {
    const m = vae();
    const info = {
      schema: { columns: ['a', 'b', 'c'] }, scaler: { kind: 'standard', mean: [0, 1, 2], std: [1, 1, 1] }, windows: { length: 10, stride: 1 },
      threshold: { method: 'quantile', value: 2.5 }, alpha: { method: 'false-alarm-budget', up: [3, 4, null], down: [3, 4, null] },
      errorScale: [0.5, 0.1 + 0.2, 3e-7],
    };
    const det = { kind: 'dc-vae', config: VAE, model: m, info } as unknown as LoadedDetector;
    const bytes = exportDetectorOnnx(det);
    const meta = readOnnxMetadata(bytes);
    assert.deepEqual(Object.keys(meta).sort(), Object.values(META_KEYS).sort());
    assert.equal(meta['vigil.kind'], 'dc-vae');
    assert.deepEqual(JSON.parse(meta['vigil.config']), VAE);
    for (const k of ['schema', 'scaler', 'windows', 'threshold', 'alpha', 'errorScale'] as const) assert.deepEqual(JSON.parse(meta[`vigil.${k}`]), info[k]);
    const r = await OnnxRunner.create(bytes);
    assert.deepEqual(r.metadata, meta, 'the runner reads the same metadata');
    assert.equal(r.window, 10);
    assert.equal(r.channels, 3);
    await r.dispose();
    const noAlpha = readOnnxMetadata(exportDetectorOnnx({ ...det, info: { ...info, alpha: undefined } } as unknown as LoadedDetector));
    assert.ok(!('vigil.alpha' in noAlpha), 'no alpha key without an alpha section');
    m.dispose();
  });

  it('refuses a model without an ONNX graph', () => {
    const fake = { window: 4, config: { inputs: 2 }, constructor: { name: 'Fake' } } as any;
    assert.throws(() => exportModelOnnx(fake), /has no ONNX graph/);
  });
});
