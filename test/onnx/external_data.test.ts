// A model whose tensors live in another file (ONNX external data) is refused by the runner,
// naming the tensor and the file, before onnxruntime could read a file from the working
// directory; the same model with its data inside loads.
import { strict as assert } from 'node:assert';
import { onnx } from 'onnx-proto';
import '../../models';
import { LstmAe } from '../../models/lstm_ae/model';
import { exportModelOnnx } from '../../lib/onnx/export/export';
import { OnnxRunner } from '../../lib/onnx/export/runner';
import { Generator } from '../../lib/random';

describe('onnx: external data', function () {
  this.timeout(60000);

  it('an initializer that references an external file is refused; the original loads', async () => {
    const m = new LstmAe({ inputs: 3, window: 6, encoder: [5], latent: 2, decoderDense: 4, decoder: [5], bnMomentum: 0.01, bnEps: 1e-3 }, new Generator(1)).eval();
    const bytes = exportModelOnnx(m);
    m.dispose();
    const r = await OnnxRunner.create(bytes);
    await r.dispose();

    const proto = onnx.ModelProto.decode(bytes);
    const t = proto.graph!.initializer.find((i) => (i.rawData?.length ?? 0) > 0 || (i.floatData?.length ?? 0) > 0)!;
    t.rawData = new Uint8Array(0);
    t.floatData = [];
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.externalData = [onnx.StringStringEntryProto.create({ key: 'location', value: 'weights.bin' })];
    const tampered = onnx.ModelProto.encode(proto).finish();
    await assert.rejects(OnnxRunner.create(tampered), (e: Error) =>
      e.message.startsWith(`the model bytes: initializer "${t.name}" (file "weights.bin") reference external data;`) && /is refused$/.test(e.message));
  });
});
