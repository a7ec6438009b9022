// The graph builder and checker, the file round trip, metadata reading and the runner's
// refusals (CUDA provider missing, wrong input size, not an ONNX file).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import '../../models';
import { LstmAe } from '../../models/lstm_ae/model';
import { DcVae, seedDcVaeConfig } from '../../models/dc_vae/model';
import { GraphBuilder, int64Bytes } from '../../lib/onnx/graph/builder';
import { checkGraph, OnnxGraphError } from '../../lib/onnx/graph/checker';
import { exportModelOnnx } from '../../lib/onnx/export/export';
import { readOnnxMetadata } from '../../lib/onnx/export/metadata';
import { cudaProviderInstalled, OnnxRunner } from '../../lib/onnx/export/runner';
import { Generator } from '../../lib/random';
import { ortRun, randomizeState } from './helpers';

describe('onnx: graph builder and checker', function () {
  this.timeout(30000);

  it('refuses a dangling input name before writing anything', () => {
    const g = new GraphBuilder();
    const x = g.input('x', ['batch', 3]);
    g.output('y', g.op('Add', [x, 'nowhere']), ['batch', 3]);
    assert.throws(() => g.encode(), (e: unknown) => e instanceof OnnxGraphError && /Add node "Add" reads "nowhere", which nothing before it produces/.test(e.message));
  });

  it('refuses a name produced twice, an output never produced, a node reading a value produced after it', () => {
    const node = (name: string, op: string, input: string[], output: string[]) => ({ name, opType: op, input, output });
    const io = (name: string) => ({ name });
    assert.throws(() => checkGraph({ input: [io('x')], node: [node('a', 'Relu', ['x'], ['y']), node('b', 'Tanh', ['x'], ['y'])], output: [io('y')] }),
      /"y" is produced twice \(Relu node "a" and Tanh node "b"\)/);
    assert.throws(() => checkGraph({ input: [io('x')], node: [node('a', 'Relu', ['x'], ['y'])], output: [io('y'), io('z')] }), /output "z" is never produced/);
    assert.throws(() => checkGraph({ input: [io('x')], node: [node('a', 'Relu', ['x'], ['y'])], output: [io('y'), io('y')] }), /output "y" is declared twice/);
    assert.throws(() => checkGraph({ input: [io('x')], node: [node('a', 'Relu', ['t'], ['y']), node('b', 'Tanh', ['x'], ['t'])], output: [io('y')] }),
      /Relu node "a" reads "t", which nothing before it produces/);
    assert.throws(() => checkGraph({ input: [io('x')], initializer: [{ name: 'x' }], node: [], output: [io('x')] }), /"x" is produced twice/);
    // Omitted optional inputs ('') are fine.
    checkGraph({ input: [io('x')], node: [node('a', 'Clip', ['x', '', ''], ['y'])], output: [io('y')] });
  });

  it('the builder refuses duplicate names and untyped float attributes', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2]);
    assert.throws(() => g.input('x', [2]), /input name "x" is already used/);
    assert.throws(() => g.op('Elu', [x], { alpha: 0.5 }), /alpha = 0.5 is not an integer \(wrap floats as \{ float: 0.5 \}\)/);
    const y = g.op('Relu', [x]);
    g.output('y', y, [2]);
    assert.throws(() => g.output('y', y, [2]), /output "y" declared twice/);
    assert.throws(() => g.node('Relu', [x], {}, ['y']), /a Relu node would produce "y", which is already used/);
    assert.equal(g.unique('Relu'), 'Relu_1', 'unique() skips taken names');
  });

  it('writes int64 little-endian, float attributes as FLOAT, shared constants once', () => {
    assert.deepEqual(Array.from(int64Bytes([1, -2])), [1, 0, 0, 0, 0, 0, 0, 0, 254, 255, 255, 255, 255, 255, 255, 255]);
    const g = new GraphBuilder();
    const x = g.input('x', ['batch', 2]);
    const a = g.int64Const([1]), b = g.int64Const([1]);
    assert.equal(a, b);
    g.output('y', g.op('LeakyRelu', [g.op('Unsqueeze', [x, a])], { alpha: { float: 1 } }), ['batch', 1, 2]);
    const m = onnx.ModelProto.decode(g.encode());
    const attr = m.graph!.node!.find((n) => n.opType === 'LeakyRelu')!.attribute![0];
    assert.equal(attr.type, onnx.AttributeProto.AttributeType.FLOAT);
    assert.equal(attr.f, 1);
    assert.equal(m.graph!.initializer!.length, 1);
  });

  it('an exported model decodes and re-encodes byte-identical (LSTM-AE and DC-VAE, with metadata)', () => {
    const ae = new LstmAe({ inputs: 4, window: 5, encoder: [6, 3], latent: 2, decoderDense: 3, decoder: [3, 6], bnMomentum: 0.01, bnEps: 1e-3 }, new Generator(1));
    const vae = new DcVae({ ...seedDcVaeConfig(4), window: 12 }, new Generator(2));
    for (const m of [ae, vae]) {
      randomizeState(m, 9);
      const bytes = exportModelOnnx(m.eval(), { 'vigil.kind': m.constructor.name, note: 'ünïcode ✓' });
      const again = onnx.ModelProto.encode(onnx.ModelProto.decode(bytes)).finish();
      assert.ok(Buffer.from(bytes).equals(Buffer.from(again)), `${m.constructor.name}: ${bytes.length} bytes vs ${again.length} after decode + encode`);
      assert.equal(readOnnxMetadata(bytes).note, 'ünïcode ✓');
      m.dispose();
    }
  });
});

describe('onnx: the official ONNX checker (python3-onnx, when installed)', function () {
  this.timeout(60000);
  const PY = '/usr/bin/python3';
  before(function () {
    if (spawnSync(PY, ['-c', 'import onnx'], { encoding: 'utf8' }).status !== 0) {
      console.log('      (skipped: python3 with the onnx package is absent; apt-get install python3-onnx)');
      this.skip();
    }
  });

  it('accepts the exported LSTM-AE and DC-VAE with full_check and strict shape inference, inferring the contract dims', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-onnx-check-'));
    try {
      const ae = new LstmAe({ inputs: 4, window: 5, encoder: [6, 3], latent: 2, decoderDense: 3, decoder: [3, 6], bnMomentum: 0.01, bnEps: 1e-3 }, new Generator(1));
      const vae = new DcVae({ ...seedDcVaeConfig(4), window: 12 }, new Generator(2));
      writeFileSync(join(dir, 'ae.onnx'), exportModelOnnx(ae.eval()));
      writeFileSync(join(dir, 'vae.onnx'), exportModelOnnx(vae.eval()));
      ae.dispose();
      vae.dispose();
      const script = [
        'import json, sys, onnx',
        'from onnx import shape_inference',
        'out = {}',
        'for f in sys.argv[1:]:',
        '    m = onnx.load(f)',
        '    onnx.checker.check_model(m, full_check=True)',
        '    m = shape_inference.infer_shapes(m, check_type=True, strict_mode=True)',
        '    out[f] = {o.name: [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim] for o in m.graph.output}',
        'print(json.dumps(out))',
      ].join('\n');
      const r = spawnSync(PY, ['-c', script, join(dir, 'ae.onnx'), join(dir, 'vae.onnx')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const dims = JSON.parse(r.stdout);
      assert.deepEqual(dims[join(dir, 'ae.onnx')], { reconstruction: ['batch', 5, 4], channel_errors: ['batch', 4] });
      assert.deepEqual(dims[join(dir, 'vae.onnx')], { x_mean: ['batch', 12, 4], x_log_var: ['batch', 12, 4], channel_errors: ['batch', 4] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('onnx: runner', function () {
  this.timeout(30000);
  let dir: string;
  let bytes: Uint8Array;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-onnx-'));
    const m = new LstmAe({ inputs: 2, window: 3, encoder: [3], latent: 2, decoderDense: 2, decoder: [3], bnMomentum: 0.01, bnEps: 1e-3 }, new Generator(3));
    bytes = exportModelOnnx(m.eval(), { 'vigil.kind': 'lstm-ae' });
    m.dispose();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads from a path as from bytes, with the same outputs; threads is honoured or refused', async () => {
    writeFileSync(join(dir, 'm.onnx'), bytes);
    const x = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));
    const a = await OnnxRunner.create(join(dir, 'm.onnx'), { threads: 1 });
    assert.deepEqual(a.metadata, { 'vigil.kind': 'lstm-ae' });
    assert.deepEqual(a.outputs, { reconstruction: ['batch', 3, 2], channel_errors: ['batch', 2] });
    const ra = await a.run(x, 2);
    const rb = await ortRun(bytes, x, [2, 3, 2]);
    assert.deepEqual(Array.from(ra.channel_errors), Array.from(rb.channel_errors));
    await assert.rejects(a.run(x, 3), /12 values are not 3 windows of \[3, 2\] \(18\)/);
    await a.dispose();
    await assert.rejects(OnnxRunner.create(bytes, { threads: 0 }), /threads must be a positive integer/);
  });

  it("device 'cuda' without onnxruntime's CUDA provider is an error that says how to install it, never a CPU fallback", async function () {
    if (cudaProviderInstalled()) {
      console.log('      (skipped: the CUDA provider is installed here)');
      this.skip();
    }
    await assert.rejects(OnnxRunner.create(bytes, { device: 'cuda' }), /CUDA execution provider (is not installed|only on Linux x64)[\s\S]*(ONNXRUNTIME_NODE_INSTALL=cuda12|device 'cpu')/);
  });

  it('refuses a file that is not ONNX and a model without the x [batch, window, channels] input', async () => {
    writeFileSync(join(dir, 'junk.onnx'), 'not a protobuf at all \u0000\u00ff');
    await assert.rejects(OnnxRunner.create(join(dir, 'junk.onnx')), /junk\.onnx: not an ONNX model/);
    const g = new GraphBuilder();
    g.output('y', g.op('Relu', [g.input('v', ['batch', 3])]), ['batch', 3]);
    await assert.rejects(OnnxRunner.create(g.encode()), /needs an input "x" \[batch, window, channels\]/);
  });
});
