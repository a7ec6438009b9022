// CUDA at the TypeScript level: Tensor.to() round trips, and a small graph (linear, tanh,
// lstm, causalConv1d, batchNorm, losses) forward and backward plus Adam steps on CPU and CUDA
// from the same inputs, compared with stated tolerances. The op-by-op parity harness is
// test/native/test_cuda_parity.cpp. Without a usable CUDA device the GPU tests skip with the
// reason, and the test of the error a user gets then runs instead.
import { strict as assert } from 'node:assert';

import { native } from '../../lib/binding';
import { backward } from '../../lib/autograd/engine';
import { batchNorm } from '../../lib/ops/batch_norm';
import { causalConv1d } from '../../lib/ops/causal_conv1d';
import { tanh } from '../../lib/ops/elementwise';
import { linear } from '../../lib/ops/linear';
import { mseLoss } from '../../lib/ops/losses';
import { lstm } from '../../lib/ops/lstm';
import { permute } from '../../lib/ops/shape';
import { Adam } from '../../lib/optim';
import { Tensor, tidy } from '../../lib/tensor';

const info = native.buildInfo();
const hasCuda = info.cudaDevices > 0;

const rand = (shape: number[], seed: number, scale = 1): number[] => {
  let s = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 4294967296 * 2 - 1) * scale;
  });
};

// |a - b| <= atol + rtol |b| everywhere; NaN never passes.
function assertNear(a: Tensor, b: Tensor, rtol: number, atol: number, what: string): void {
  assert.deepEqual(a.shape, b.shape, `${what}: shapes`);
  const x = a.toArray(), y = b.toArray();
  for (let i = 0; i < x.length; i++) {
    const ok = Math.abs(x[i] - y[i]) <= atol + rtol * Math.abs(y[i]);
    if (!ok) assert.fail(`${what}: element ${i}: cuda ${x[i]}, cpu ${y[i]} (rtol ${rtol}, atol ${atol})`);
  }
}

describe('cuda: build facts', () => {
  it('buildInfo and supports describe this build', () => {
    assert.equal(typeof info.cudaInfo, 'string');
    assert.ok(info.cudaInfo.length > 0, 'cudaInfo says something');
    assert.equal(native.supports('matmul', 0), true);
    assert.equal(native.supports('lstm_backward', 0), true);
    assert.equal(native.supports('no_such_op', 0), false);
    assert.equal(native.supports('matmul', 1), info.cudaCompiled);
  });

  it('asking for cuda without a usable device is an error naming `vigil info`', function () {
    if (hasCuda) this.skip();
    const t = Tensor.fromArray([1, 2, 3], [3]);
    assert.throws(() => t.to('cuda'), /vigil info/);
    assert.throws(() => Tensor.zeros([2], { device: 'cuda' }), /vigil info/);
    assert.equal(t.to('cpu'), t, 'to() the same device is the tensor itself');
    t.dispose();
  });
});

describe('cuda: CPU vs CUDA through the TS API', function () {
  before(function () {
    if (!hasCuda) {
      console.log(`      (skipped: no usable CUDA device: ${info.cudaInfo})`);
      this.skip();
    }
  });

  it('to() round-trips f32 and f64 exactly and keeps memory flat', () => {
    const before = native.memory();
    for (const dtype of ['float32', 'float64'] as const)
      tidy(() => {
        const data = rand([3, 67], 7);
        const c = Tensor.fromArray(data, [3, 67], { dtype });
        const g = c.to('cuda');
        assert.equal(g.device, 'cuda');
        assert.deepEqual(Array.from(g.to('cpu').toArray()), Array.from(c.toArray()));
      });
    const after = native.memory();
    assert.equal(after.cudaBuffers, before.cudaBuffers, 'cuda buffers after tidy');
    assert.equal(after.cpuBuffers, before.cpuBuffers, 'cpu buffers after tidy');
  });

  // f32: GEMM sums in another order on each device and the CPU's sigmoid/tanh are ~2-ulp
  // approximations; through the LSTM recurrence and the batch statistics that gives
  // rtol 1e-4, atol 1e-5 on values and gradients of order 1.
  it('a linear-tanh-lstm-conv-batchnorm-mse graph: forward, backward and two Adam steps agree', () => {
    const B = 3, T = 11, F = 5, H = 7, C = 6;
    const run = (device: 'cpu' | 'cuda') => tidy(() => {
      const leaf = (shape: number[], seed: number, scale = 0.5) => {
        const t = Tensor.fromArray(rand(shape, seed, scale), shape).to(device);
        t.requiresGrad = true;
        return t;
      };
      const x = Tensor.fromArray(rand([B, T, F], 1), [B, T, F]).to(device);
      const target = Tensor.fromArray(rand([B, C, T], 2), [B, C, T]).to(device);
      // no conv bias: batch norm cancels it, so its gradient is rounding noise whose sign (and
      // so Adam's first step, +-lr) would differ between the devices
      const params = [leaf([F, F], 3), leaf([F], 4), leaf([4 * H, F], 5), leaf([4 * H, H], 6),
        leaf([4 * H], 7), leaf([4 * H], 8), leaf([C, H, 3], 9)];
      const [w1, b1, wIh, wHh, bIh, bHh, wc] = params;
      const opt = new Adam(params, { lr: 1e-2 });
      let loss = 0;
      for (let step = 0; step < 2; step++) {
        opt.zeroGrad();
        const h = tanh(linear(x, w1, b1));
        const { y } = lstm(h, wIh, wHh, bIh, bHh);
        const z = batchNorm(causalConv1d(permute(y, [0, 2, 1]), wc, null, { dilation: 2 }), { axis: 1 });
        const l = mseLoss(z, target);
        loss = l.item();
        backward(l);
        opt.step();
      }
      return { loss, params: params.map((p) => p.to('cpu')), grads: params.map((p) => p.grad!.to('cpu')) };
    });
    const cpu = run('cpu'), gpu = run('cuda');
    assert.ok(Math.abs(gpu.loss - cpu.loss) <= 1e-4 * Math.abs(cpu.loss), `loss cuda ${gpu.loss} cpu ${cpu.loss}`);
    cpu.params.forEach((p, i) => assertNear(gpu.params[i], p, 1e-4, 1e-5, `param ${i} after 2 Adam steps`));
    cpu.grads.forEach((g, i) => assertNear(gpu.grads[i], g, 1e-4, 1e-5, `grad ${i}`));
    for (const t of [...cpu.params, ...cpu.grads, ...gpu.params, ...gpu.grads]) t.dispose();
  });

  it('mixing devices in one op is a clear error', () => {
    tidy(() => {
      const a = Tensor.ones([2, 2]), b = Tensor.ones([2, 2]).to('cuda');
      assert.throws(() => linear(a, b), /device/);
    });
  });
});
